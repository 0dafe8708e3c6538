package mbox

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
)

// refUnquote is the mboxrd rule done the obvious way, in memory.
func refUnquote(raw []byte) []byte {
	lines := bytes.SplitAfter(raw, []byte("\n"))
	var out []byte
	for _, l := range lines {
		if len(l) > 0 && l[0] == '>' && bytes.HasPrefix(bytes.TrimLeft(l, ">"), []byte("From ")) {
			l = l[1:]
		}
		out = append(out, l...)
	}
	return out
}

func fuzzSeeds(f *testing.F) {
	dir := filepath.Join("..", "..", "testdata", "mbox")
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if strings.HasSuffix(e.Name(), ".mbox") || e.Name() == "garbage" {
			if b, err := os.ReadFile(filepath.Join(dir, e.Name())); err == nil {
				f.Add(b, false)
				f.Add(b, true)
			}
		}
	}
	for _, s := range []string{
		"", bom, "From ", "From \n", "From a\n\n", "From a\n\nFrom b\n\n",
		"From - " + d1 + "\nContent-Length: 0\n\nFrom x\n",
		"From - " + d1 + "\nContent-Length: 1\n\n\n\n",
		"From - " + d1 + "\r\nA: b\r\n\r\n>>From \r\n\r\nFrom - " + d2 + "\r\nB: c\r\n",
		"From - " + d1 + "\nA: b\n\nx\nFrom - " + d2 + "\nA: b\nC: d\n",
		"From a\n>", "From a\n>>>>", "From a\n>Fro", "From a\n>From",
	} {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
}

// FuzzMboxReader: on any input the reader does not panic, offsets go up,
// every byte is a skipped prefix (BOM), a From line, message bytes or a
// separator, and each body has exactly Len bytes, equal to the stored
// bytes or to their mboxrd unquoting.
func FuzzMboxReader(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte, tb bool) {
		r := NewReader(bytes.NewReader(data), int64(len(data)), ReaderOptions{Thunderbird: tb, Location: time.UTC})
		pos := int64(-1)
		for {
			e, err := r.Next()
			if err == io.EOF {
				break
			}
			if errors.Is(err, ErrNotMbox) {
				if bytes.HasPrefix(bytes.TrimPrefix(data, []byte(bom)), []byte("From ")) {
					t.Fatalf("ErrNotMbox for a file starting with From")
				}
				return
			}
			if err != nil {
				t.Fatalf("Next: %v", err)
			}
			if pos < 0 {
				pos = r.Skipped()
			}
			if e.Offset != pos {
				t.Fatalf("message at %d, previous ended at %d", e.Offset, pos)
			}
			if !bytes.HasPrefix(data[e.Offset:], []byte("From ")) || e.Start <= e.Offset+4 || e.Raw < 0 {
				t.Fatalf("bad entry %+v", e)
			}
			if e.Start < int64(len(data)) && data[e.Start-1] != '\n' {
				t.Fatalf("From line at %d does not end at %d", e.Offset, e.Start)
			}
			switch sep := string(data[e.Start+e.Raw : e.End()]); sep {
			case "", "\n", "\r\n":
			default:
				t.Fatalf("separator %q", sep)
			}
			if e.End() < int64(len(data)) && !bytes.HasPrefix(data[e.End():], []byte("From ")) {
				t.Fatalf("message ends at %d, not before a From line", e.End())
			}
			raw := data[e.Start : e.Start+e.Raw]
			body, err := io.ReadAll(bodyReader(bytes.NewReader(data), "fuzz", e.Start, e.Raw, e.Unquote))
			if err != nil {
				t.Fatalf("body: %v", err)
			}
			if int64(len(body)) != e.Len() {
				t.Fatalf("body %d bytes, Len %d", len(body), e.Len())
			}
			want := raw
			if e.Unquote > 0 {
				want = refUnquote(raw)
			}
			if !bytes.Equal(body, want) {
				t.Fatalf("body %q, want %q", body, want)
			}
			e.Flags()
			pos = e.End()
		}
		if pos < 0 {
			pos = r.Skipped()
		}
		if pos != int64(len(data)) {
			t.Fatalf("messages cover %d of %d bytes", pos, len(data))
		}
	})
}

var systemFlags = map[imap.Flag]bool{
	imap.FlagSeen: true, imap.FlagAnswered: true, imap.FlagFlagged: true, imap.FlagDeleted: true, imap.FlagDraft: true,
}

// FuzzMozillaStatus: any header values give valid flags, each once.
func FuzzMozillaStatus(f *testing.F) {
	f.Add("0001", "00000000", "$label1 junk", "RO", "AF", "")
	f.Add("100d", "0e800000", "nonjunk $Forwarded", "O", "DT", "$Junk foo")
	f.Add("zz", "", "a\\b (c) \"d\" e]", "", "", "\x00\xff")
	f.Add(" FFFF ", "FFFFFFFF", "", "R", "AFDT", "")
	f.Fuzz(func(t *testing.T, st, st2, keys, status, xstatus, xkw string) {
		h := StatusHeaders{XMozillaStatus: st, XMozillaStatus2: st2, XMozillaKeys: keys, Status: status, XStatus: xstatus, XKeywords: xkw}
		flags, _ := h.Flags()
		seen := map[string]bool{}
		for _, fl := range flags {
			k := strings.ToLower(string(fl))
			if seen[k] {
				t.Fatalf("flag %s twice in %v", fl, flags)
			}
			seen[k] = true
			if strings.HasPrefix(string(fl), `\`) {
				if !systemFlags[fl] {
					t.Fatalf("unknown system flag %s", fl)
				}
			} else if !validKeyword(string(fl)) {
				t.Fatalf("invalid keyword %q", fl)
			}
		}
		again, _ := h.Flags()
		if flagString(again) != flagString(flags) {
			t.Fatalf("not deterministic")
		}
	})
}
