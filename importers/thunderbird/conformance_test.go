package thunderbird

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/emersion/go-imap/v2"
	"github.com/mailferry/mailferry/importers"
	"github.com/mailferry/mailferry/importers/importertest"
)

// withStatus returns the corpus as Thunderbird stores it: X-Mozilla-Status
// headers first (and X-Status: T for the draft, which Thunderbird has no
// bit for).
func withStatus(t testing.TB, c importertest.Corpus) importertest.Corpus {
	t.Helper()
	out := make(importertest.Corpus, len(c))
	for i, it := range c {
		var st uint32
		x := ""
		for _, f := range it.Flags {
			switch f {
			case imap.FlagSeen:
				st |= 0x1
			case imap.FlagAnswered:
				st |= 0x2
			case imap.FlagFlagged:
				st |= 0x4
			case imap.FlagDeleted:
				st |= 0x8
			case imap.FlagForwarded:
				st |= 0x1000
			case imap.FlagDraft:
				x = "X-Status: T\n"
			default:
				t.Fatalf("corpus flag %s has no X-Mozilla-Status bit", f)
			}
		}
		h := fmt.Sprintf("X-Mozilla-Status: %04x\nX-Mozilla-Status2: 00000000\nX-Mozilla-Keys: %80s\n%s", st, "", x)
		it.Raw = append([]byte(h), it.Raw...)
		out[i] = it
	}
	return out
}

// tbFile maps a corpus folder to its file below Local Folders.
func tbFile(f importers.Folder) string {
	if f.IsInbox() {
		f = importers.Folder{"Inbox"}
	}
	p := ""
	for i, e := range f {
		if i > 0 {
			p += ".sbd/"
		}
		p += e
	}
	return filepath.FromSlash(p)
}

// writeProfile writes c into a new profile's Mail/Local Folders as
// Thunderbird would: "From - " and the date in local time, mboxrd
// quoting, the blank separator line (or none, as Thunderbird sometimes
// leaves it out), empty parent files, .msf files, and a POP account.
func writeProfile(t *testing.T, c importertest.Corpus, crlf, sep bool) string {
	t.Helper()
	profile := t.TempDir()
	lf := filepath.Join(profile, "Mail", LocalFolders)
	mkfile(t, filepath.Join(profile, "prefs.js"), "// Mozilla User Preferences\n")
	files := map[string]*bytes.Buffer{}
	for _, it := range c {
		p := filepath.Join(lf, tbFile(it.Folder))
		b := files[p]
		if b == nil {
			b = &bytes.Buffer{}
			files[p] = b
		}
		var m bytes.Buffer
		m.WriteString("From - " + it.Date.Local().Format("Mon Jan _2 15:04:05 2006") + "\n")
		for _, l := range bytes.SplitAfter(it.Raw, []byte("\n")) {
			if bytes.HasPrefix(bytes.TrimLeft(l, ">"), []byte("From ")) {
				m.WriteByte('>')
			}
			m.Write(l)
		}
		if sep {
			m.WriteByte('\n')
		}
		out := m.Bytes()
		if crlf {
			out = importertest.ToCRLF(out)
		}
		b.Write(out)
	}
	for p, b := range files {
		mkfile(t, p, b.String())
		mkfile(t, p+".msf", "// <!-- <mdb:mork:z v=\"1.4\"/> -->\n")
	}
	for _, parent := range []string{"Archive", "仕事", "Trash"} {
		if _, err := os.Stat(filepath.Join(lf, parent)); os.IsNotExist(err) {
			mkfile(t, filepath.Join(lf, parent), "")
		}
	}
	mkfile(t, filepath.Join(lf, "msgFilterRules.dat"), "version=\"9\"\n")
	mkfile(t, filepath.Join(profile, "Mail", "pop.example.com", "popstate.dat"), "# POP3 State File\n")
	return profile
}

func TestConformance(t *testing.T) {
	for _, v := range []struct{ crlf, sep bool }{{false, true}, {true, true}, {false, false}, {true, false}} {
		t.Run(fmt.Sprintf("crlf=%v,separator=%v", v.crlf, v.sep), func(t *testing.T) {
			stored := withStatus(t, importertest.Load(t))
			want := stored
			if !v.sep {
				// QUIRK: without the separator line, a message that ends
				// in a blank line loses it: the blank line before a
				// "From " line is taken for the separator, by
				// Thunderbird's reader as by ours.
				want = make(importertest.Corpus, len(stored))
				for i, it := range stored {
					if bytes.HasSuffix(it.Raw, []byte("\n\n")) {
						it.Raw = it.Raw[:len(it.Raw)-1]
					}
					want[i] = it
				}
			}
			importertest.Run(t, importertest.Opt{
				Corpus: want,
				MapFolder: func(f importers.Folder) importers.Folder {
					if f.IsInbox() {
						return importers.Folder{"Inbox"}
					}
					return f
				},
				Open: func(t *testing.T, _ importertest.Corpus) importers.Source {
					src, err := Open(writeProfile(t, stored, v.crlf, v.sep), Settings{AllAccounts: true}.Options())
					if err != nil {
						t.Fatal(err)
					}
					return src
				},
			})
		})
	}
}
