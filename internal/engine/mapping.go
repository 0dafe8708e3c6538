package engine

import (
	"crypto/sha256"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/emersion/go-imap/v2"
	"github.com/mailferry/mailferry/exporters"
	"github.com/mailferry/mailferry/importers"
)

// Mapper turns source folders into logical target folders. It is the one
// place where --into, --folder-map, --include/--exclude and the special
// folder names are applied; a Sink then turns the logical folder into its
// own naming (delimiter, namespace prefix, encoding).
type Mapper struct {
	// Into puts every folder below this prefix (special-use mapping is then
	// off: the imported tree is kept as it is, INBOX included).
	Into importers.Folder
	// Map replaces a source folder path (joined with "/") or a prefix of it.
	Rules []FolderRule
	// Include and Exclude filter on the source path joined with "/".
	Include, Exclude []*regexp.Regexp
}

// FolderRule is one --folder-map OLD=NEW.
type FolderRule struct{ Old, New string }

// ParseFolderRule parses "OLD=NEW" (paths use "/" between levels).
func ParseFolderRule(s string) (FolderRule, error) {
	i := strings.Index(s, "=")
	if i <= 0 || i == len(s)-1 {
		return FolderRule{}, importers.UsageError("--folder-map %q: want OLD=NEW", s)
	}
	return FolderRule{Old: strings.Trim(s[:i], "/"), New: strings.Trim(s[i+1:], "/")}, nil
}

// Mapped is the result of mapping one source folder.
type Mapped struct {
	Folder importers.Folder
	Use    imap.MailboxAttr
}

// Selected reports whether the source folder passes --include/--exclude.
func (mp *Mapper) Selected(f importers.Folder) bool {
	p := f.String()
	if len(mp.Include) > 0 {
		ok := false
		for _, re := range mp.Include {
			if re.MatchString(p) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	for _, re := range mp.Exclude {
		if re.MatchString(p) {
			return false
		}
	}
	return true
}

// Map returns the logical target folder for a source folder: by the first
// matching --folder-map rule, else below --into as the source has it,
// else the source's place (FolderInfo.Target, else Folder) with the
// top-level Inbox as INBOX and the usual names of special folders as
// those.
func (mp *Mapper) Map(fi importers.FolderInfo) Mapped {
	src := fi.Folder
	p := src.String()
	for _, r := range mp.Rules {
		if p == r.Old || strings.HasPrefix(p, r.Old+"/") {
			p = r.New + p[len(r.Old):]
			return mp.finish(splitPath(p), "")
		}
	}
	if len(mp.Into) > 0 {
		return mp.finish(src, "")
	}
	use := fi.Use
	if len(fi.Target) > 0 {
		src = fi.Target
	}
	out := append(importers.Folder(nil), src...)
	if len(src) == 1 {
		if isInboxName(src[0]) {
			out = importers.Folder{"INBOX"}
		} else if use == "" {
			use = exporters.SpecialUseByName(src[0])
		}
	}
	return mp.finish(out, use)
}

func (mp *Mapper) finish(f importers.Folder, use imap.MailboxAttr) Mapped {
	if len(mp.Into) > 0 {
		return Mapped{Folder: append(append(importers.Folder(nil), mp.Into...), f...)}
	}
	return Mapped{Folder: f, Use: use}
}

func splitPath(p string) importers.Folder {
	var f importers.Folder
	for _, e := range strings.Split(p, "/") {
		if e != "" {
			f = append(f, e)
		}
	}
	return f
}

// ParseFolder splits a "/"-separated folder path.
func ParseFolder(p string) importers.Folder { return splitPath(p) }

func isInboxName(s string) bool {
	switch strings.ToLower(s) {
	case "inbox", "受信トレイ", "受信箱":
		return true
	}
	return false
}

// String describes a mapping for reports.
func (m Mapped) String() string {
	if m.Use != "" {
		return fmt.Sprintf("%s (%s)", m.Folder, m.Use)
	}
	return m.Folder.String()
}

// folderKey is sink's FolderKey for f, or f itself.
func folderKey(sink exporters.Sink, f importers.Folder) string {
	if n, ok := sink.(exporters.FolderNamer); ok {
		return n.FolderKey(f)
	}
	if f.IsInbox() {
		return "INBOX"
	}
	return strings.Join(f, "\x00")
}

// nameKey is sink's NameKey for a target name, or the name itself.
func nameKey(sink exporters.Sink, name string) string {
	if n, ok := sink.(exporters.FolderNamer); ok {
		return n.NameKey(name)
	}
	return name
}

// UniqueSuffix starts the suffix MapAll gives a folder whose name would
// collide in the target with another source folder's.
const UniqueSuffix = "~"

// MapAll maps the source folders (Map; NoSelect and unselected folders
// get the zero Mapped) and then makes the logical folders of distinct
// source folders distinct in sink's naming (FolderNamer): "a.b" and
// "a_b" on a server with "." as separator, "Foo" and "foo" on a local
// store. Folders that Map sends to one logical folder (--folder-map,
// --into, INBOX, a source's own Target such as Thunderbird's merged
// accounts) stay together, and so do the special-use folders, which the
// sink resolves to its own.
//
// The rule, level by level from the top: among the logical folder paths
// (and their parents) that collide in sink's naming, the one kept is a
// special-use folder, else one whose name the sink keeps as it is (its
// FolderKey ends with the element), else the first in byte order; each
// other one gets UniqueSuffix and 8 hex digits of a SHA-256 of its
// logical path after its last element ("a.b~3f2c9a01"), its subfolders
// moving with it. The result depends only on the source's folders and
// the sink's naming, so a re-run finds the same folders.
func (mp *Mapper) MapAll(fis []importers.FolderInfo, sink exporters.Sink) []Mapped {
	out := make([]Mapped, len(fis))
	var paths []importers.Folder // distinct logical folders
	special := map[string]bool{} // of paths, by pathID
	seen := map[string]bool{}
	owner := useOwners(fis, mp.Selected)
	for i, fi := range fis {
		if fi.NoSelect || !mp.Selected(fi.Folder) {
			continue
		}
		if fi.Use != "" && owner[fi.Use] != i {
			fi.Use = "" // another folder has this use (useOwners)
		}
		out[i] = mp.Map(fi)
		id := pathID(out[i].Folder)
		if out[i].Use != "" && len(out[i].Folder) == 1 {
			special[id] = true
		}
		if !seen[id] {
			seen[id] = true
			paths = append(paths, out[i].Folder)
		}
	}
	renamed := map[string]importers.Folder{} // pathID of a prefix -> its new path
	newPath := func(p importers.Folder) importers.Folder {
		var parent importers.Folder
		if len(p) > 1 {
			parent = renamed[pathID(p[:len(p)-1])]
		}
		return append(slices.Clone(parent), p[len(p)-1])
	}
	for depth := 1; ; depth++ {
		var prefixes []importers.Folder
		had := map[string]bool{}
		for _, p := range paths {
			if len(p) >= depth && !had[pathID(p[:depth])] {
				had[pathID(p[:depth])] = true
				prefixes = append(prefixes, p[:depth])
			}
		}
		if len(prefixes) == 0 {
			break
		}
		groups := map[string][]importers.Folder{}
		var keys []string
		for _, p := range prefixes {
			np := newPath(p)
			renamed[pathID(p)] = np
			k := folderKey(sink, np)
			if groups[k] == nil {
				keys = append(keys, k)
			}
			groups[k] = append(groups[k], p)
		}
		used := map[string]bool{}
		for _, k := range keys {
			used[k] = true
		}
		for _, k := range keys {
			g := groups[k]
			if len(g) < 2 {
				continue
			}
			rank := func(p importers.Folder) int {
				switch {
				case depth == 1 && special[pathID(p)]:
					return 0
				case strings.HasSuffix(k, p[len(p)-1]):
					return 1
				}
				return 2
			}
			slices.SortStableFunc(g, func(a, b importers.Folder) int {
				if ra, rb := rank(a), rank(b); ra != rb {
					return ra - rb
				}
				return strings.Compare(pathID(a), pathID(b))
			})
			for _, p := range g[1:] {
				if depth == 1 && special[pathID(p)] && special[pathID(g[0])] {
					continue // special folders merge on purpose
				}
				np := renamed[pathID(p)]
				for n := 0; ; n++ {
					cand := slices.Clone(np)
					cand[len(cand)-1] += UniqueSuffix + hash8(pathID(p), n)
					if ck := folderKey(sink, cand); !used[ck] {
						used[ck] = true
						renamed[pathID(p)] = cand
						break
					}
				}
			}
		}
	}
	for i := range out {
		if out[i].Folder == nil {
			continue
		}
		if np := renamed[pathID(out[i].Folder)]; !slices.Equal(np, out[i].Folder) {
			out[i].Folder, out[i].Use = np, "" // special folders are never renamed
		}
	}
	return out
}

// pathID identifies a logical folder path (elements may hold "/").
func pathID(f importers.Folder) string { return strings.Join(f, "\x00") }

// hash8 is 8 hex digits of a SHA-256 of s and attempt n.
func hash8(s string, n int) string {
	h := sha256.New()
	h.Write([]byte(s))
	if n > 0 {
		fmt.Fprintf(h, "\x00%d", n)
	}
	return fmt.Sprintf("%x", h.Sum(nil)[:4])
}

// useOwners picks, for each special use that selected folders of fis
// report, the one folder that keeps it: one whose name is a usual name of
// that use ("Sent", "Sent Items"), else one at the top level, else the
// first. The others are mapped by their names, so that a server reporting
// one use on two folders does not merge a folder into the target's
// special one. QUIRK: Cyrus 3.6 can do this (\Sent on INBOX.Customers
// beside INBOX.Sent).
func useOwners(fis []importers.FolderInfo, selected func(importers.Folder) bool) map[imap.MailboxAttr]int {
	owner := map[imap.MailboxAttr]int{}
	rank := func(fi importers.FolderInfo) int {
		switch {
		case len(fi.Folder) > 0 && exporters.SpecialUseByName(fi.Folder[len(fi.Folder)-1]) == fi.Use:
			return 0
		case len(fi.Folder) == 1:
			return 1
		}
		return 2
	}
	for i, fi := range fis {
		if fi.Use == "" || fi.NoSelect || !selected(fi.Folder) {
			continue
		}
		if j, ok := owner[fi.Use]; !ok || rank(fi) < rank(fis[j]) {
			owner[fi.Use] = i
		}
	}
	return owner
}
