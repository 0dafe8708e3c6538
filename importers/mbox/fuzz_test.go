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

// refLines splits b after each line end: LF, CRLF or a lone CR.
func refLines(b []byte) [][]byte {
	var out [][]byte
	start := 0
	for i := 0; i < len(b); i++ {
		switch {
		case b[i] == '\n', b[i] == '\r' && (i+1 == len(b) || b[i+1] != '\n'):
			out = append(out, b[start:i+1])
			start = i + 1
		}
	}
	if start < len(b) {
		out = append(out, b[start:])
	}
	return out
}

// refUnquote is the mboxrd rule done the obvious way, in memory.
func refUnquote(raw []byte) []byte {
	var out []byte
	for _, l := range refLines(raw) {
		if len(l) > 0 && l[0] == '>' && bytes.HasPrefix(bytes.TrimLeft(l, ">"), []byte("From ")) {
			l = l[1:]
		}
		out = append(out, l...)
	}
	return out
}

// refCandidates returns the offsets of the envelope candidates of data
// after its first line, done the obvious way (the rule of the package
// doc): a line that starts with "From ", has a line end and is followed
// by a line that starts with a field name and ':'.
func refCandidates(data []byte, skipped int64) map[int64]bool {
	lines := refLines(data[skipped:])
	out := map[int64]bool{}
	off := skipped
	for i, l := range lines {
		if i > 0 && i+1 < len(lines) && bytes.HasPrefix(l, []byte("From ")) {
			next := lines[i+1]
			k := 0
			for k < len(next) && next[k] > 32 && next[k] < 127 && next[k] != ':' {
				k++
			}
			if k > 0 && k < len(next) && next[k] == ':' {
				out[off] = true
			}
		}
		off += int64(len(l))
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
		// Issue 12: CR-only files, separators without a blank line,
		// dateless "From - " lines.
		"From - " + d1 + "\rA: b\r\rx\r>From y\r\rFrom - " + d2 + "\rB: c\r\ry\r",
		"From a " + d1 + "\rA: b\r\rx\rFrom b\rC: d\r\rFrom c\r\rnot a message\r",
		"From - \nA: b\n\nx\nFrom - \nA: b\n\nFrom -\nX: y\n",
		"From a\nA: b\n\nFrom here on\nFrom b\nB: c\n",
		"From a\r\nA: b\r\n\r\nbody\r\nFrom b\r\nB: c\r\n\r\n\r",
		"From a\rContent-Length: 2\r\rx\rFrom b\rB: c\r",
		"From a\nContent-Length: 2\n\nx\n\nFrom b\nnot a field\n",
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
		var starts []int64
		byLength := false
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
			if e.Start < int64(len(data)) && data[e.Start-1] != '\n' && (data[e.Start-1] != '\r' || data[e.Start] == '\n') {
				t.Fatalf("From line at %d does not end at %d", e.Offset, e.Start)
			}
			switch sep := string(data[e.Start+e.Raw : e.End()]); sep {
			case "", "\n", "\r\n", "\r":
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
			starts = append(starts, e.Offset)
			byLength = byLength || e.ByLength
		}
		// Without Content-Length framing, messages start exactly at the
		// envelope candidates; with it, at some of them.
		cands := refCandidates(data, r.Skipped())
		for _, off := range starts[min(1, len(starts)):] {
			if !cands[off] {
				t.Fatalf("message at %d, not an envelope candidate", off)
			}
		}
		if !byLength && len(starts) > 0 && len(cands) != len(starts)-1 {
			t.Fatalf("%d messages after the first, %d envelope candidates %v", len(starts)-1, len(cands), cands)
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
