package maildir

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/emersion/go-imap/v2"
)

// QUIRK: the Maildir info part is ":2,<flags>" (cr.yp.to/proto/maildir.html),
// but ':' is not allowed in file names on Windows file systems, so some
// tools (and Dovecot's maildir_info_separator option) use ';' or '!'
// instead. The importer accepts all three.
const infoSeparators = ":;!"

// systemFlags maps the Maildir info letters to IMAP flags.
var systemFlags = map[byte]imap.Flag{
	'D': imap.FlagDraft,
	'F': imap.FlagFlagged,
	'P': imap.FlagForwarded, // "passed": resent/forwarded/bounced
	'R': imap.FlagAnswered,
	'S': imap.FlagSeen,
	'T': imap.FlagDeleted, // "trashed"
}

// SplitInfo splits a Maildir file name into its unique part and the flag
// letters of a version-2 info part ("1234.M1P2.host,S=9:2,RS" → "1234.M1P2.host,S=9", "RS").
// sep is the separator found (':', ';' or '!'), 0 when the name has no
// info part; an experimental ":1," info gives no letters.
func SplitInfo(name string) (unique, letters string, sep byte) {
	for i := len(name) - 3; i >= 0; i-- {
		if strings.IndexByte(infoSeparators, name[i]) < 0 || name[i+2] != ',' {
			continue
		}
		switch name[i+1] {
		case '2':
			return name[:i], name[i+3:], name[i]
		case '1':
			return name[:i], "", name[i]
		}
	}
	return name, "", 0
}

// ParseFlags returns the IMAP flags of a Maildir file name. Lower-case
// letters are Dovecot keywords looked up in kw (nil: ignored); unknown
// upper-case letters (Courier and others add some) are ignored. The result
// is sorted by letter and has no duplicate flags.
func ParseFlags(name string, kw *Keywords) []imap.Flag {
	_, letters, _ := SplitInfo(name)
	if letters == "" {
		return nil
	}
	var seen [128]bool
	var out []imap.Flag
	have := func(f imap.Flag) bool {
		for _, g := range out {
			if strings.EqualFold(string(g), string(f)) {
				return true
			}
		}
		return false
	}
	ls := []byte(letters)
	sort.Slice(ls, func(i, j int) bool { return ls[i] < ls[j] })
	for _, c := range ls {
		if c >= 128 || seen[c] {
			continue
		}
		seen[c] = true
		f, ok := systemFlags[c]
		if !ok && c >= 'a' && c <= 'z' && kw != nil {
			f, ok = kw.Flag(c)
		}
		// $Forwarded may be both P and a keyword (the exporter writes
		// both, see FormatFlags).
		if ok && !have(f) {
			out = append(out, f)
		}
	}
	return out
}

// FormatFlags returns the info letters for flags, sorted in ASCII order as
// the Maildir specification wants. Keywords get a letter from kw; when kw
// is nil or has no letter for one (see Keywords.Add), it is returned in
// missing. \Recent and unknown system flags are dropped.
//
// QUIRK: $Forwarded is written as P (the Maildir "passed" flag, which
// mutt, notmuch and Courier read) and, when kw is not nil, also as a
// keyword: Dovecot ignores P and only shows $Forwarded from
// dovecot-keywords.
func FormatFlags(flags []imap.Flag, kw *Keywords) (letters string, missing []imap.Flag) {
	var set [128]bool
	for _, f := range flags {
		found := false
		for c, sf := range systemFlags {
			if strings.EqualFold(string(f), string(sf)) {
				set[c] = true
				found = true
				break
			}
		}
		if found && c2flag(f) == imap.FlagForwarded && kw != nil {
			found = false // also as a keyword
		}
		if found || strings.HasPrefix(string(f), `\`) || f == "" {
			continue
		}
		if kw != nil {
			if c, ok := kw.Letter(f); ok {
				set[c] = true
				continue
			}
		}
		missing = append(missing, f)
	}
	var b []byte
	for c := range set {
		if set[c] {
			b = append(b, byte(c))
		}
	}
	return string(b), missing
}

func c2flag(f imap.Flag) imap.Flag {
	if strings.EqualFold(string(f), string(imap.FlagForwarded)) {
		return imap.FlagForwarded
	}
	return f
}

// KeywordsFile is Dovecot's per-folder keyword table: "N name" lines, the
// letter of keyword N being 'a'+N.
const KeywordsFile = "dovecot-keywords"

// Keywords is a folder's keyword table (at most 26 keywords, a–z).
type Keywords struct {
	names [26]string
}

// ParseKeywords reads a dovecot-keywords file. Lines it does not understand
// are skipped.
func ParseKeywords(r io.Reader) (*Keywords, error) {
	kw := &Keywords{}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		idx, name, ok := strings.Cut(strings.TrimRight(sc.Text(), "\r"), " ")
		n, err := strconv.Atoi(idx)
		if !ok || err != nil || n < 0 || n >= 26 || name == "" {
			continue
		}
		kw.names[n] = name
	}
	return kw, sc.Err()
}

// ReadKeywords reads dir's dovecot-keywords; a missing file gives an empty
// table.
func ReadKeywords(dir string) (*Keywords, error) {
	f, err := os.Open(filepath.Join(dir, KeywordsFile))
	if errors.Is(err, fs.ErrNotExist) {
		return &Keywords{}, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ParseKeywords(f)
}

// Flag returns the keyword of letter c ('a'–'z').
func (k *Keywords) Flag(c byte) (imap.Flag, bool) {
	if c < 'a' || c > 'z' || k.names[c-'a'] == "" {
		return "", false
	}
	return imap.Flag(k.names[c-'a']), true
}

// Letter returns the letter of keyword f (keywords compare
// case-insensitively, as in IMAP).
func (k *Keywords) Letter(f imap.Flag) (byte, bool) {
	for i, n := range k.names {
		if n != "" && strings.EqualFold(n, string(f)) {
			return byte('a' + i), true
		}
	}
	return 0, false
}

// Add gives keyword f a letter if it has none yet. ok is false when the
// table is full (26 keywords) or f cannot be a keyword (empty, a system
// flag, or containing white space).
func (k *Keywords) Add(f imap.Flag) (c byte, added, ok bool) {
	if c, ok := k.Letter(f); ok {
		return c, false, true
	}
	if f == "" || strings.HasPrefix(string(f), `\`) || strings.ContainsAny(string(f), " \t\r\n") {
		return 0, false, false
	}
	for i, n := range k.names {
		if n == "" {
			k.names[i] = string(f)
			return byte('a' + i), true, true
		}
	}
	return 0, false, false
}

// Bytes returns the table in dovecot-keywords format.
func (k *Keywords) Bytes() []byte {
	var b bytes.Buffer
	for i, n := range k.names {
		if n != "" {
			fmt.Fprintf(&b, "%d %s\n", i, n)
		}
	}
	return b.Bytes()
}

// ConfigFile records, at the root of a Maildir++ tree written by
// mailferry, choices later runs and the importer must agree on. It has no
// leading dot: Dovecot would look at a dot-entry as a possible folder.
const ConfigFile = "mailferry-maildir.json"

// Config is the content of ConfigFile.
type Config struct {
	// InfoSeparator is ":" or, on file systems that refuse ':' in names
	// (SMB/NTFS), ";".
	InfoSeparator string `json:"info_separator"`
	// WindowsNames is true when folder names escape the characters Windows
	// forbids (see EncodeElement).
	WindowsNames bool `json:"windows_names,omitempty"`
}

// ParseConfig parses ConfigFile content. Unknown or bad separators fall
// back to ":".
func ParseConfig(b []byte) (Config, error) {
	var c Config
	if err := json.Unmarshal(b, &c); err != nil {
		return Config{InfoSeparator: ":"}, fmt.Errorf("%s: %w", ConfigFile, err)
	}
	if len(c.InfoSeparator) != 1 || !strings.Contains(infoSeparators, c.InfoSeparator) {
		c.InfoSeparator = ":"
	}
	return c, nil
}
