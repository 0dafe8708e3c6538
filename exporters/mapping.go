package exporters

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/emersion/go-imap/v2"
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

// Map returns the logical target folder for a source folder.
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
	out := append(importers.Folder(nil), src...)
	if len(src) == 1 {
		if isInboxName(src[0]) {
			out = importers.Folder{"INBOX"}
		} else if use == "" {
			use = SpecialUseByName(src[0])
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

// QUIRK: clients name their special folders differently (Thunderbird
// "Sent", Outlook "Sent Items", Apple "Sent Messages", Japanese Outlook
// "送信済みアイテム"); imapsync's --automap uses similar lists.
var specialNames = map[string]imap.MailboxAttr{
	"sent": imap.MailboxAttrSent, "sent items": imap.MailboxAttrSent, "sent messages": imap.MailboxAttrSent,
	"sent mail": imap.MailboxAttrSent, "送信済み": imap.MailboxAttrSent, "送信済みアイテム": imap.MailboxAttrSent,
	"送信済みメール": imap.MailboxAttrSent, "送信箱": imap.MailboxAttrSent,
	"drafts": imap.MailboxAttrDrafts, "draft": imap.MailboxAttrDrafts, "下書き": imap.MailboxAttrDrafts,
	"trash": imap.MailboxAttrTrash, "deleted items": imap.MailboxAttrTrash, "deleted messages": imap.MailboxAttrTrash,
	"ごみ箱": imap.MailboxAttrTrash, "ゴミ箱": imap.MailboxAttrTrash, "削除済みアイテム": imap.MailboxAttrTrash,
	"junk": imap.MailboxAttrJunk, "spam": imap.MailboxAttrJunk, "junk e-mail": imap.MailboxAttrJunk,
	"junk email": imap.MailboxAttrJunk, "迷惑メール": imap.MailboxAttrJunk,
	"archive": imap.MailboxAttrArchive, "archives": imap.MailboxAttrArchive, "アーカイブ": imap.MailboxAttrArchive,
}

// SpecialUseByName guesses a top-level folder's special use from its name.
func SpecialUseByName(name string) imap.MailboxAttr {
	return specialNames[strings.ToLower(strings.TrimSpace(name))]
}

// String describes a mapping for reports.
func (m Mapped) String() string {
	if m.Use != "" {
		return fmt.Sprintf("%s (%s)", m.Folder, m.Use)
	}
	return m.Folder.String()
}
