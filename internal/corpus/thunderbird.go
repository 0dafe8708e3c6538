package corpus

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/emersion/go-imap/v2"
)

// WriteThunderbird writes the generated corpus o into dir as Thunderbird
// writes its Local Folders: one mbox file per folder (mboxrd quoting),
// subfolders in Name.sbd/ beside an empty Name file, the inbox as
// "Inbox", X-Mozilla-Status and X-Mozilla-Status2 first in each header
// (see MozillaHeader), a "From - " line with the internal date in local
// time, and a .msf summary and msgFilterRules.dat to be ignored. Messages
// for which expunged returns true are marked deleted but not compacted
// away (nil: none).
func WriteThunderbird(dir string, o GenOptions, expunged func(i int) bool) error {
	folders := o.Folders
	if len(folders) == 0 {
		folders = DefaultGenFolders
	}
	files := map[string]*os.File{}
	defer func() {
		for _, w := range files {
			w.Close()
		}
	}()
	for i := 0; i < o.Count; i++ {
		f := folders[i%len(folders)]
		var parts []string
		for j, el := range f {
			if j == 0 && f.IsInbox() {
				el = "Inbox"
			}
			if j < len(f)-1 {
				el += ".sbd"
			}
			parts = append(parts, el)
		}
		name := filepath.Join(append([]string{dir}, parts...)...)
		w := files[name]
		if w == nil {
			if err := os.MkdirAll(filepath.Dir(name), 0o700); err != nil {
				return err
			}
			var err error
			if w, err = os.Create(name); err != nil {
				return err
			}
			files[name] = w
			for k := 1; k < len(parts); k++ {
				p := strings.TrimSuffix(filepath.Join(append([]string{dir}, parts[:k]...)...), ".sbd")
				if _, err := os.Stat(p); os.IsNotExist(err) {
					if err := os.WriteFile(p, nil, 0o600); err != nil {
						return err
					}
				}
			}
		}
		m := GenMessage(o, i)
		var b bytes.Buffer
		fmt.Fprintf(&b, "From - %s\n", m.InternalDate.Local().Format("Mon Jan _2 15:04:05 2006"))
		b.Write(MozillaHeader(m.Flags, expunged != nil && expunged(i)))
		for _, line := range bytes.SplitAfter(genRaw(o, i), []byte("\n")) {
			if mboxFromLine.Match(line) {
				b.WriteByte('>')
			}
			b.Write(line)
		}
		b.WriteString("\n")
		if _, err := w.Write(b.Bytes()); err != nil {
			return err
		}
	}
	for name, w := range files {
		delete(files, name)
		if err := w.Close(); err != nil {
			return err
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "Inbox.msf"), []byte("// <!-- <mdb:mork:z v=\"1.4\"/> -->\n"), 0o600); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "msgFilterRules.dat"), []byte("version=\"9\"\n"), 0o600)
}

var mboxFromLine = regexp.MustCompile(`^>*From `)

// MozillaHeader is the X-Mozilla-Status and X-Mozilla-Status2 header
// Thunderbird puts first in a message: read, replied and flagged from
// flags, and the expunged bit.
func MozillaHeader(flags []imap.Flag, expunged bool) []byte {
	st := 0
	for _, f := range flags {
		switch f {
		case imap.FlagSeen:
			st |= 0x0001
		case imap.FlagAnswered:
			st |= 0x0002
		case imap.FlagFlagged:
			st |= 0x0004
		}
	}
	if expunged {
		st |= 0x0008
	}
	return fmt.Appendf(nil, "X-Mozilla-Status: %04x\nX-Mozilla-Status2: 00000000\n", st)
}
