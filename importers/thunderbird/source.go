package thunderbird

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strconv"

	"github.com/mailferry/mailferry/importers"
	"github.com/mailferry/mailferry/importers/mbox"
)

func init() {
	importers.Register("thunderbird", func(ctx context.Context, spec importers.Spec, opts *importers.Options) (importers.Source, error) {
		return Open(spec.Path, opts)
	})
}

// LocalFolders is the directory of Thunderbird's "Local Folders" account
// below a profile's Mail directory.
const LocalFolders = "Local Folders"

// account is one directory of mbox folders and the folder it goes under
// ("" for the top level).
type account struct {
	name, dir string
}

// Open opens thunderbird:PATH. PATH is a profile directory (it has
// prefs.js or Mail/), a profile's Mail directory (it has "Local Folders"),
// or an account directory itself ("Mail/Local Folders", "Mail/pop.example.com");
// a directory with profiles.ini (~/.thunderbird) means its default profile,
// and empty PATH the default profile of the current user (DefaultProfile).
//
// From a profile, the folders of Local Folders (the directory prefs.js
// names for it if it exists, else Mail/Local Folders) are read as
// top-level folders. With opts.AllAccounts, every other account directory
// below Mail/ (POP accounts such as "pop.example.com", "Feeds") and any
// other local account directory that prefs.js names is read too, each as a
// top-level folder named after its directory (so a POP account's inbox is
// "pop.example.com/Inbox"). ImapMail/ and News/ are never read: they are
// caches of servers, possibly partial.
//
// The returned Source refers to messages as "thunderbird:<file>@<offset>".
func Open(path string, opts *importers.Options) (*mbox.Source, error) {
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
	accts, err := accounts(path, opts.AllAccounts, log)
	if err != nil {
		return nil, err
	}
	files, err := listAccounts(accts, log)
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, importers.UsageError("thunderbird %s: no mail folders found", path)
	}
	return mbox.NewSource(files, mbox.SourceOptions{Scheme: "thunderbird", Thunderbird: true, Log: log}), nil
}

// accounts finds the account directories to read below path.
func accounts(path string, all bool, log *slog.Logger) ([]account, error) {
	var profile, mailDir string
	switch {
	case isFile(filepath.Join(path, "prefs.js")) || isDir(filepath.Join(path, "Mail")):
		profile, mailDir = path, filepath.Join(path, "Mail")
	case isDir(filepath.Join(path, LocalFolders)):
		mailDir = path // a profile's Mail directory
	default:
		return []account{{dir: path}}, nil
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
	var out []account
	if isDir(lf) {
		out = append(out, account{dir: lf})
	} else if !all {
		return nil, importers.UsageError("thunderbird %s: no %q directory (--all-accounts reads the other accounts)", path, LocalFolders)
	}
	if !all {
		return out, nil
	}
	seen := map[string]bool{filepath.Clean(lf): true}
	var extra []string
	if ents, err := os.ReadDir(mailDir); err == nil {
		for _, e := range ents {
			d := filepath.Join(mailDir, e.Name())
			if e.IsDir() && e.Name()[0] != '.' && !seen[filepath.Clean(d)] {
				seen[filepath.Clean(d)] = true
				extra = append(extra, d)
			}
		}
	}
	for _, s := range p.servers(profile) {
		switch s.typ {
		case "pop3", "none", "movemail", "rss":
			if s.dir != "" && isDir(s.dir) && !seen[filepath.Clean(s.dir)] {
				seen[filepath.Clean(s.dir)] = true
				extra = append(extra, s.dir)
			}
		}
	}
	for _, d := range extra {
		out = append(out, account{name: filepath.Base(d), dir: d})
	}
	return out, nil
}

// listAccounts lists each account's folder tree; accounts other than the
// first (Local Folders) go below a top-level folder named after their
// directory, made unique against the names already taken.
func listAccounts(accts []account, log *slog.Logger) ([]mbox.File, error) {
	var out []mbox.File
	taken := map[string]bool{}
	for i, a := range accts {
		files, err := mbox.List(a.dir, mbox.ListOptions{Thunderbird: true, Log: log})
		if err != nil {
			if i == 0 {
				return nil, fmt.Errorf("thunderbird %s: %w", a.dir, err)
			}
			log.Warn("thunderbird: cannot read account directory", "path", a.dir, "err", err)
			continue
		}
		if a.name == "" {
			for _, f := range files {
				taken[f.Folder[0]] = true
			}
			out = append(out, files...)
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
			out = append(out, mbox.File{Folder: append(importers.Folder{name}, f.Folder...), Path: f.Path})
		}
	}
	sortTop(out)
	return out, nil
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
