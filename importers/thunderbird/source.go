package thunderbird

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/mailferry/mailferry/importers"
	"github.com/mailferry/mailferry/importers/mbox"
)

func init() {
	importers.Register("thunderbird", func(ctx context.Context, spec importers.Spec, opts *importers.Options) (importers.Source, error) {
		return Open(spec.Path, opts)
	}, optAllAccounts, optAccount)
}

// The thunderbird: settings (importers.DriverOption).
var (
	optAllAccounts = importers.DriverOption{Name: "all-accounts", Bool: true, Default: "false",
		Help: "thunderbird: also read the profile's other local directories (feeds, removed accounts); POP accounts are read anyway"}
	optAccount = importers.DriverOption{Name: "account",
		Help: `thunderbird: read this account only (its name, server host or directory; "Local Folders")`}
)

// Settings are the thunderbird: settings of importers.Options.Driver.
type Settings struct {
	// AllAccounts also reads the profile's other local directories (RSS
	// feeds, directories of removed accounts); Local Folders and the POP
	// accounts are read anyway.
	AllAccounts bool
	// Account reads one account only: its name as Thunderbird shows it,
	// its server host, its directory name, or "Local Folders".
	Account string
}

// SettingsOf reads the thunderbird: settings of opts.
func SettingsOf(opts *importers.Options) Settings {
	return Settings{AllAccounts: opts.DriverBool(optAllAccounts.Name), Account: opts.DriverString(optAccount.Name)}
}

// Options returns importers.Options carrying s (for callers of Open).
func (s Settings) Options() *importers.Options {
	return &importers.Options{Driver: importers.DriverValues{
		optAllAccounts.Name: strconv.FormatBool(s.AllAccounts), optAccount.Name: s.Account}}
}

// LocalFolders is the directory of Thunderbird's "Local Folders" account
// below a profile's Mail directory.
const LocalFolders = "Local Folders"

// account is one directory of mbox folders and the folder it goes under
// ("" for the top level).
type account struct {
	name, dir string
	// pop: a POP (or movemail) account, whose folders are mapped into the
	// target's tree as Local Folders' are (FolderInfo.Target).
	pop bool
	// names are what --account matches (the name Thunderbird shows, the
	// server's host, the directory's name); label is for messages.
	names []string
	label string
}

// Source is a Thunderbird profile's mail: an mbox.Source of the accounts'
// files, whose POP account folders tell where they belong in the target
// (FolderInfo.Target), with notes on what was left out (Notes).
type Source struct {
	*mbox.Source
	// hint maps a POP account folder (joined with "/") to its place in
	// the target's tree.
	hint  map[string]importers.Folder
	notes []string
}

// Folders implements importers.Source: mbox.Source's folders, a POP
// account's with Target set to the folder without the account's level.
func (s *Source) Folders(ctx context.Context) ([]importers.FolderInfo, error) {
	fis, err := s.Source.Folders(ctx)
	for i := range fis {
		if h, ok := s.hint[fis[i].Folder.String()]; ok {
			fis[i].Target = h
		}
	}
	return fis, err
}

// Notes are lines for the summary: the accounts that were not read and
// why, and how several accounts were merged.
func (s *Source) Notes() []string { return s.notes }

// Open opens thunderbird:PATH. PATH is a profile directory (it has
// prefs.js or Mail/), a profile's Mail directory (it has "Local Folders"),
// or an account directory itself ("Mail/Local Folders", "Mail/pop.example.com");
// a directory with profiles.ini (~/.thunderbird) means its default profile,
// and empty PATH the default profile of the current user (DefaultProfile).
//
// From a profile, Local Folders (the directory prefs.js names for it if it
// exists, else Mail/Local Folders) and every POP account (type pop3 or
// movemail in prefs.js; without prefs.js, every directory below Mail/ but
// Local Folders and Feeds) are read. Local Folders' folders are top-level
// folders; a POP account's are below a folder named after its directory
// ("pop.example.com/Inbox"), with FolderInfo.Target saying where they
// belong ({"Inbox"}): the engine merges the accounts into one tree, the
// Inbox of each into INBOX, Sent into the Sent folder, and so on.
// Settings.Account reads one account only (its name as Thunderbird shows it,
// its host, its directory name, or "Local Folders"). IMAP and News
// accounts are skipped (ImapMail/ and News/ are caches of servers,
// possibly partial), and named in the log and in Notes. Settings.AllAccounts
// also reads the other directories below Mail/ and the other local
// accounts of prefs.js (RSS feeds, directories of removed accounts), each
// below a folder named after its directory, without a Target.
//
// The returned Source refers to messages as "thunderbird:<file>@<offset>".
func Open(path string, opts *importers.Options) (*Source, error) {
	if opts == nil {
		opts = &importers.Options{}
	}
	log := opts.Log()
	if path == "" {
		p, others, err := DefaultProfile()
		if err != nil {
			return nil, importers.UsageError("thunderbird: no default profile found (%v); give thunderbird:PATH", err)
		}
		if len(others) > 0 {
			log.Warn("thunderbird: profiles of other Thunderbird installations not read (give thunderbird:PATH to choose)", "using", p, "others", others)
		}
		log.Info("thunderbird: reading the default profile", "path", p)
		path = p
	}
	fi, err := os.Stat(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, importers.UsageError("thunderbird %s: no such directory", path)
		}
		return nil, fmt.Errorf("thunderbird %s: %w", path, err)
	}
	if !fi.IsDir() {
		return nil, importers.UsageError("thunderbird %s: not a directory (want a profile or a Local Folders directory; use mbox: for a single file)", path)
	}
	if isFile(filepath.Join(path, "profiles.ini")) {
		// The directory that holds the profiles (~/.thunderbird).
		p, err := profileFromINI(path)
		if err != nil {
			return nil, importers.UsageError("thunderbird %s: %v; give the profile directory", path, err)
		}
		log.Info("thunderbird: reading the default profile", "path", p)
		path = p
	}
	accts, notes, err := accounts(path, opts, log)
	if err != nil {
		return nil, err
	}
	files, hint, more, err := listAccounts(accts, log)
	if err != nil {
		return nil, err
	}
	notes = append(notes, more...)
	if len(files) == 0 {
		return nil, importers.UsageError("thunderbird %s: no mail folders found", path)
	}
	src := mbox.NewSource(files, mbox.SourceOptions{Scheme: "thunderbird", Thunderbird: true, Log: log})
	return &Source{Source: src, hint: hint, notes: notes}, nil
}

// accounts finds the account directories to read below path, and notes
// on the accounts left out.
func accounts(path string, opts *importers.Options, log *slog.Logger) ([]account, []string, error) {
	set := SettingsOf(opts)
	all := set.AllAccounts
	var profile, mailDir string
	switch {
	case isFile(filepath.Join(path, "prefs.js")) || isDir(filepath.Join(path, "Mail")):
		profile, mailDir = path, filepath.Join(path, "Mail")
	case isDir(filepath.Join(path, LocalFolders)):
		mailDir = path // a profile's Mail directory
	default:
		return []account{{dir: path}}, nil, nil
	}
	var p prefs
	if profile != "" {
		var err error
		if p, err = readPrefs(profile); err != nil {
			log.Warn("thunderbird: cannot read prefs.js", "path", filepath.Join(profile, "prefs.js"), "err", err)
			p = prefs{}
		}
	}
	lf := p.localFolders(profile)
	if lf == "" {
		lf = filepath.Join(mailDir, LocalFolders)
	}
	var cands []account // every account that could be read, Local Folders first
	if isDir(lf) {
		cands = append(cands, account{dir: lf, names: []string{LocalFolders, filepath.Base(lf)}, label: LocalFolders})
	}
	seen := map[string]bool{filepath.Clean(lf): true}
	var notes []string
	var imapAccts []server
	servers := p.servers(profile)
	for _, s := range servers {
		names := []string{s.name, s.host, filepath.Base(s.dir)}
		label := s.name
		if label == "" {
			label = s.host
		}
		switch s.typ {
		case "pop3", "movemail":
			if s.dir == "" || !isDir(s.dir) || seen[filepath.Clean(s.dir)] {
				continue
			}
			seen[filepath.Clean(s.dir)] = true
			cands = append(cands, account{name: filepath.Base(s.dir), dir: s.dir, pop: true, names: names, label: label})
		case "imap", "nntp", "ews", "owl", "graph":
			imapAccts = append(imapAccts, s)
		default: // "none" (other local folders), "rss"
			if !all || s.dir == "" || !isDir(s.dir) || seen[filepath.Clean(s.dir)] {
				continue
			}
			seen[filepath.Clean(s.dir)] = true
			cands = append(cands, account{name: filepath.Base(s.dir), dir: s.dir, names: names, label: label})
		}
	}
	// Directories below Mail/ that prefs.js does not name: without
	// prefs.js they are the POP accounts (Feeds aside); with it, accounts
	// since removed, read with --all-accounts only.
	havePrefs := len(servers) > 0
	if ents, err := os.ReadDir(mailDir); err == nil {
		for _, e := range ents {
			d := filepath.Join(mailDir, e.Name())
			if !e.IsDir() || e.Name()[0] == '.' || seen[filepath.Clean(d)] {
				continue
			}
			pop := !havePrefs && !strings.HasPrefix(e.Name(), "Feeds")
			if !pop && !all {
				if havePrefs {
					log.Info("thunderbird: directory not read: no account of prefs.js uses it (--all-accounts reads it)", "path", d)
				}
				continue
			}
			seen[filepath.Clean(d)] = true
			cands = append(cands, account{name: e.Name(), dir: d, pop: pop, names: []string{e.Name()}, label: e.Name()})
		}
	}
	if set.Account != "" {
		want := set.Account
		for _, a := range cands {
			if slices.ContainsFunc(a.names, func(n string) bool { return n != "" && strings.EqualFold(n, want) }) {
				if a.name != "" {
					a.pop = true // its folders go to the target's top level
				}
				return []account{a}, nil, nil
			}
		}
		for _, s := range imapAccts {
			if slices.ContainsFunc([]string{s.name, s.host, filepath.Base(s.dir)}, func(n string) bool { return n != "" && strings.EqualFold(n, want) }) {
				return nil, nil, importers.UsageError("thunderbird %s: account %q is an %s account: its mail is on the server; copy from the server instead (imaps://%s@%s)", path, want, strings.ToUpper(s.typ), s.user, s.host)
			}
		}
		var names []string
		for _, a := range cands {
			names = append(names, strconv.Quote(a.label))
		}
		return nil, nil, importers.UsageError("thunderbird %s: no account %q (accounts: %s)", path, want, strings.Join(names, ", "))
	}
	if len(cands) == 0 {
		return nil, nil, importers.UsageError("thunderbird %s: no %q directory and no POP account", path, LocalFolders)
	}
	for _, s := range imapAccts {
		who := s.host
		if s.user != "" {
			who = s.user + "@" + s.host
		}
		label := s.name
		if label == "" {
			label = s.host
		}
		n := fmt.Sprintf("thunderbird: %s account %q (%s) skipped: its mail is on the server; copy it from there (imaps://%s)", strings.ToUpper(s.typ), label, who, who)
		log.Warn(n)
		notes = append(notes, n)
	}
	var pops []string
	for _, a := range cands {
		if a.pop {
			pops = append(pops, strconv.Quote(a.label))
		}
	}
	if len(pops) > 1 || len(pops) == 1 && isDir(lf) {
		what := "Local Folders and the POP account " + strings.Join(pops, ", ")
		if len(pops) > 1 {
			what = "the POP accounts " + strings.Join(pops, ", ")
			if isDir(lf) {
				what += " and Local Folders"
			}
		}
		notes = append(notes, fmt.Sprintf("thunderbird: %s merge into one tree: each Inbox into INBOX, Sent, Drafts, Trash and Junk into the special folders, folders of the same name into one (duplicates dropped); --account NAME copies one account", what))
	}
	return cands, notes, nil
}

// listAccounts lists each account's folder tree; accounts with a name go
// below a top-level folder named after their directory, made unique
// against the names already taken; a POP account's folders get a hint
// (their path without that level).
func listAccounts(accts []account, log *slog.Logger) ([]mbox.File, map[string]importers.Folder, []string, error) {
	var out []mbox.File
	hint := map[string]importers.Folder{}
	var notes []string
	taken := map[string]bool{}
	for _, a := range accts {
		if a.name == "" {
			files, err := mbox.List(a.dir, mbox.ListOptions{Thunderbird: true, Log: log})
			if err != nil {
				return nil, nil, nil, fmt.Errorf("thunderbird %s: %w", a.dir, err)
			}
			for _, f := range files {
				taken[f.Folder[0]] = true
			}
			out = append(out, files...)
		}
	}
	for _, a := range accts {
		if a.name == "" {
			continue
		}
		files, err := mbox.List(a.dir, mbox.ListOptions{Thunderbird: true, Log: log})
		if err != nil {
			log.Warn("thunderbird: cannot read account directory", "path", a.dir, "err", err)
			notes = append(notes, fmt.Sprintf("thunderbird: account %q not read: %v", a.label, err))
			continue
		}
		if len(files) == 0 {
			continue
		}
		name := a.name
		for n := 2; taken[name]; n++ {
			name = a.name + "-" + strconv.Itoa(n)
		}
		if name != a.name {
			log.Warn("thunderbird: account folder renamed: a folder of that name exists", "path", a.dir, "folder", name)
		}
		taken[name] = true
		out = append(out, mbox.File{Folder: importers.Folder{name}})
		for _, f := range files {
			sf := append(importers.Folder{name}, f.Folder...)
			out = append(out, mbox.File{Folder: sf, Path: f.Path})
			if a.pop {
				hint[sf.String()] = slices.Clone(f.Folder)
			}
		}
	}
	sortTop(out)
	return out, hint, notes, nil
}

// sortTop orders top-level groups by name, keeping each group's folders
// together and in List's order.
func sortTop(fs []mbox.File) {
	sort.SliceStable(fs, func(i, j int) bool { return fs[i].Folder[0] < fs[j].Folder[0] })
}

func isFile(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular()
}
