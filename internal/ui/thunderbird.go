package ui

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/mailferry/mailferry/importers"
	"github.com/mailferry/mailferry/importers/thunderbird"
)

// TBProfile is a Thunderbird profile found on this computer.
type TBProfile struct {
	Name     string      `json:"name"`
	Path     string      `json:"path"`
	Default  bool        `json:"default"`
	Accounts []TBAccount `json:"accounts"`
	// Notes are the reader's remarks (IMAP accounts left out, ...).
	Notes []string `json:"notes,omitempty"`
	Error string   `json:"error,omitempty"`
}

// TBAccount is one account of a profile that mailferry reads: Local
// Folders or a POP account.
type TBAccount struct {
	// Name is what --account takes (the directory, or "Local Folders").
	Name string `json:"name"`
	// Label is the name Thunderbird shows, when prefs.js has one.
	Label    string `json:"label"`
	POP      bool   `json:"pop"`
	Folders  int    `json:"folders"`
	Messages int64  `json:"messages"`
	Bytes    int64  `json:"bytes"`
}

// profilesIn lists the profiles of base/profiles.ini, as the
// Thunderbird source reads it (thunderbird.Profiles).
func profilesIn(base string) []TBProfile {
	var out []TBProfile
	for _, p := range thunderbird.Profiles(base) {
		out = append(out, TBProfile{Name: p.Name, Path: p.Path, Default: p.Default})
	}
	return out
}

var prefLine = regexp.MustCompile(`^\s*user_pref\("mail\.server\.([^".]+)\.(name|directory-rel|directory)"\s*,\s*"((?:[^"\\]|\\.)*)"\s*\)`)

// accountLabels maps an account directory's name to the name Thunderbird
// shows for it (prefs.js mail.server.*.name).
func accountLabels(profile string) map[string]string {
	data, err := os.ReadFile(filepath.Join(profile, "prefs.js"))
	if err != nil {
		return nil
	}
	names, dirs := map[string]string{}, map[string]string{}
	for _, l := range strings.Split(string(data), "\n") {
		m := prefLine.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		v, err := strconv.Unquote(`"` + m[3] + `"`)
		if err != nil {
			v = m[3]
		}
		if m[2] == "name" {
			names[m[1]] = v
		} else {
			dirs[m[1]] = filepath.Base(filepath.FromSlash(strings.ReplaceAll(v, `\`, "/")))
		}
	}
	out := map[string]string{}
	for k, d := range dirs {
		if names[k] != "" {
			out[d] = names[k]
		}
	}
	return out
}

// describeProfile lists the accounts mailferry reads in a profile, with
// their folders and message counts, by opening it as thunderbird: does.
func describeProfile(ctx context.Context, p *TBProfile) {
	opts := &importers.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	src, err := thunderbird.Open(p.Path, opts)
	if err != nil {
		p.Error = err.Error()
		return
	}
	defer src.Close()
	fis, err := src.Folders(ctx)
	if err != nil {
		p.Error = err.Error()
		return
	}
	p.Notes = src.Notes()
	labels := accountLabels(p.Path)
	pop := map[string]bool{} // top-level folders that are POP accounts
	for _, fi := range fis {
		if fi.Target != nil && len(fi.Folder) > 1 {
			pop[fi.Folder[0]] = true
		}
	}
	idx := map[string]int{}
	get := func(name string, isPOP bool) *TBAccount {
		i, ok := idx[name]
		if !ok {
			label := labels[name]
			if label == "" {
				label = name
			}
			i = len(p.Accounts)
			idx[name] = i
			p.Accounts = append(p.Accounts, TBAccount{Name: name, Label: label, POP: isPOP})
		}
		return &p.Accounts[i]
	}
	for _, fi := range fis {
		var a *TBAccount
		if len(fi.Folder) > 0 && pop[fi.Folder[0]] {
			if len(fi.Folder) == 1 {
				continue // the account's own level
			}
			a = get(fi.Folder[0], true)
		} else {
			a = get(thunderbird.LocalFolders, false)
		}
		if fi.NoSelect {
			continue
		}
		a.Folders++
		if fi.Messages > 0 {
			a.Messages += fi.Messages
		}
		if fi.Bytes > 0 {
			a.Bytes += fi.Bytes
		}
	}
}

// findProfiles lists the Thunderbird profiles below the base directories
// (thunderbird.BaseDirs), each with its accounts.
func findProfiles(ctx context.Context, bases []string) []TBProfile {
	var out []TBProfile
	for _, b := range bases {
		for _, p := range profilesIn(b) {
			describeProfile(ctx, &p)
			out = append(out, p)
		}
	}
	return out
}
