package mbox

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"
)

// scan reads every message of data; bodies are read through bodyReader.
func scan(t testing.TB, data []byte, opt ReaderOptions) ([]*Entry, []string, error) {
	t.Helper()
	r := NewReader(bytes.NewReader(data), int64(len(data)), opt)
	var es []*Entry
	var bodies []string
	for {
		e, err := r.Next()
		if err == io.EOF {
			return es, bodies, nil
		}
		if err != nil {
			return es, bodies, err
		}
		b, err := io.ReadAll(bodyReader(bytes.NewReader(data), "test", e.Start, e.Raw, e.Unquote))
		if err != nil {
			t.Fatalf("body at %d: %v", e.Offset, err)
		}
		if int64(len(b)) != e.Len() {
			t.Fatalf("body at %d: read %d bytes, Len %d", e.Offset, len(b), e.Len())
		}
		es = append(es, e)
		bodies = append(bodies, string(b))
	}
}

const (
	d1 = "Mon Jan  1 00:00:00 2001"
	d2 = "Tue Jan  2 03:04:05 2001"
)

func TestReader(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		opt    ReaderOptions
		want   []string
		offs   []int64 // offsets of the From lines, when checked
		seps   []int64 // separator lengths, when checked
		byLen  []bool
		quoted []int64
	}{
		{
			name: "two messages",
			in:   "From a@b " + d1 + "\nSubject: one\n\nbody1\n\nFrom b@c " + d2 + "\nSubject: two\n\nbody2\n\n",
			want: []string{"Subject: one\n\nbody1\n", "Subject: two\n\nbody2\n"},
			offs: []int64{0, 55},
			seps: []int64{1, 1},
		},
		{
			name:   "mboxrd quoting loses one '>'",
			in:     "From a " + d1 + "\nS: x\n\n>From here\n>>From there\n> From not\n>Fromage\n>>>>From deep\n\n",
			want:   []string{"S: x\n\nFrom here\n>From there\n> From not\n>Fromage\n>>>From deep\n"},
			quoted: []int64{3},
		},
		{
			name:   "quoted From line in the header section too",
			in:     "From a " + d1 + "\n>From bob " + d1 + "\nS: x\n\nb\n",
			want:   []string{"From bob " + d1 + "\nS: x\n\nb\n"},
			quoted: []int64{1},
		},
		{
			name: "unquoted From line without a blank line before is text (mboxo)",
			in:   "From a " + d1 + "\nS: x\n\nline\nFrom b " + d2 + "\n>From quoted\n\nFrom c " + d2 + "\nS: y\n\nz\n",
			// The writer did not quote: ">From" stays as it is.
			want:   []string{"S: x\n\nline\nFrom b " + d2 + "\n>From quoted\n", "S: y\n\nz\n"},
			quoted: []int64{0, 0},
		},
		{
			name: "blank line and a From line without a date is text",
			in:   "From a " + d1 + "\nS: x\n\nhello\n\nFrom the desk of John\nbye\n",
			want: []string{"S: x\n\nhello\n\nFrom the desk of John\nbye\n"},
		},
		{
			name: "loose rule when the first From line has no date",
			in:   "From foo\nS: x\n\nhello\n\nFrom bar\nS: y\n\nz\n",
			want: []string{"S: x\n\nhello\n", "S: y\n\nz\n"},
		},
		{
			name: "CRLF kept, separator CRLF",
			in:   "From a " + d1 + "\r\nS: x\r\n\r\nb\r\n>From q\r\n\r\nFrom b " + d2 + "\r\nS: y\r\n\r\nc\r\n\r\n",
			want: []string{"S: x\r\n\r\nb\r\nFrom q\r\n", "S: y\r\n\r\nc\r\n"},
			seps: []int64{2, 2},
		},
		{
			name: "byte order mark",
			in:   bom + "From a " + d1 + "\nS: x\n\nb\n",
			want: []string{"S: x\n\nb\n"},
			offs: []int64{3},
		},
		{
			name: "last message without final newline",
			in:   "From a " + d1 + "\nS: x\n\nb\n\nFrom b " + d2 + "\nS: y\n\nlast",
			want: []string{"S: x\n\nb\n", "S: y\n\nlast"},
			seps: []int64{1, 0},
		},
		{
			name: "message ending in blank lines keeps all but the separator",
			in:   "From a " + d1 + "\nS: e\n\n\nFrom b " + d2 + "\nS: y\n\n\n\n",
			want: []string{"S: e\n\n", "S: y\n\n\n"},
		},
		{
			name: "header-only message",
			in:   "From a " + d1 + "\nS: x\n\nFrom b " + d2 + "\nS: y\n\nz\n",
			want: []string{"S: x\n", "S: y\n\nz\n"},
		},
		{
			name: "empty message",
			in:   "From a " + d1 + "\n\nFrom b " + d2 + "\nS: y\n\nz\n",
			want: []string{"", "S: y\n\nz\n"},
		},
		{
			// No header field can follow it: body text (see the package doc).
			name: "From line at the end without newline",
			in:   "From a " + d1 + "\nS: x\n\nb\n\nFrom b " + d2,
			want: []string{"S: x\n\nb\n\nFrom b " + d2},
		},
		{
			name: "Content-Length holds (mboxcl2): unquoted From lines stay inside",
			in: "From a " + d1 + "\nContent-Length: 59\nS: x\n\n" +
				"body\n\nFrom b " + d2 + "\nnot a header\n>From q\n" + // 59 bytes
				"\nFrom c " + d2 + "\nS: z\n\nq\n",
			want:   []string{"Content-Length: 59\nS: x\n\nbody\n\nFrom b " + d2 + "\nnot a header\n>From q\n", "S: z\n\nq\n"},
			byLen:  []bool{true, false},
			quoted: []int64{0, 0},
		},
		{
			name:  "Content-Length to the end of the file, blank line kept",
			in:    "From a " + d1 + "\nContent-Length: 6\n\nbody\n\n",
			want:  []string{"Content-Length: 6\n\nbody\n\n"},
			byLen: []bool{true},
		},
		{
			name:  "Content-Length pointing at a From line without a blank line",
			in:    "From a " + d1 + "\nContent-Length: 5\n\nbody\nFrom b " + d2 + "\nS: y\n\nz\n",
			want:  []string{"Content-Length: 5\n\nbody\n", "S: y\n\nz\n"},
			byLen: []bool{true, false},
		},
		{
			name:  "Content-Length wrong: ignored",
			in:    "From a " + d1 + "\nContent-Length: 3\n\nbody\n\nFrom b " + d2 + "\nS: y\n\nz\n",
			want:  []string{"Content-Length: 3\n\nbody\n", "S: y\n\nz\n"},
			byLen: []bool{false, false},
		},
		{
			name:  "Content-Length too large: ignored",
			in:    "From a " + d1 + "\nContent-Length: 3000\n\nbody\n\nFrom b " + d2 + "\nS: y\n\nz\n",
			want:  []string{"Content-Length: 3000\n\nbody\n", "S: y\n\nz\n"},
			byLen: []bool{false, false},
		},
		{
			name: "Thunderbird rule: From - line without a blank line before",
			in: "From - " + d1 + "\nX-Mozilla-Status: 0001\nS: a\n\nbody\n" +
				"From - " + d2 + "\nX-Mozilla-Status: 0000\nS: b\n\nbody2\n",
			want: []string{"X-Mozilla-Status: 0001\nS: a\n\nbody\n", "X-Mozilla-Status: 0000\nS: b\n\nbody2\n"},
			seps: []int64{0, 0},
		},
		{
			name: "Thunderbird rule: not followed by header fields",
			in:   "From - " + d1 + "\nS: a\n\nbody\nFrom - " + d2 + "\nthis is text\n",
			want: []string{"S: a\n\nbody\nFrom - " + d2 + "\nthis is text\n"},
		},
		{
			// Issue 12: the blank line is not needed for other writers either.
			name: "From line followed by a header field, no blank line before",
			in:   "From a@b " + d1 + "\nS: a\n\nbody\nFrom c@d " + d2 + "\nX-A: 1\nS: b\n\nbody2\n",
			want: []string{"S: a\n\nbody\n", "X-A: 1\nS: b\n\nbody2\n"},
			seps: []int64{0, 0},
		},
		{
			name: "Thunderbird rule by option",
			in:   "From a@b " + d1 + "\nS: a\n\nbody\nFrom c@d " + d2 + "\nX-A: 1\nS: b\n\nbody2\n",
			opt:  ReaderOptions{Thunderbird: true},
			want: []string{"S: a\n\nbody\n", "X-A: 1\nS: b\n\nbody2\n"},
		},
		{
			name: "empty file",
			in:   "",
			want: nil,
		},
		{
			name: "byte order mark only",
			in:   bom,
			want: nil,
		},
		{
			name: "long lines and a long run of '>'",
			in:   "From a " + d1 + "\nS: x\n\n" + strings.Repeat("x", 200000) + "\n" + strings.Repeat(">", 150000) + "From y\n",
			want: []string{"S: x\n\n" + strings.Repeat("x", 200000) + "\n" + strings.Repeat(">", 149999) + "From y\n"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			es, bodies, err := scan(t, []byte(tt.in), tt.opt)
			if err != nil {
				t.Fatal(err)
			}
			if len(bodies) != len(tt.want) {
				t.Fatalf("got %d messages %q, want %d %q", len(bodies), bodies, len(tt.want), tt.want)
			}
			var total int64
			if len(es) > 0 {
				total = es[0].Offset
			} else if strings.HasPrefix(tt.in, bom) {
				total = 3
			}
			for i := range bodies {
				if bodies[i] != tt.want[i] {
					t.Errorf("message %d = %q, want %q", i, short(bodies[i]), short(tt.want[i]))
				}
				e := es[i]
				total += e.Start - e.Offset + e.Raw + e.Sep
				if i+1 < len(es) && es[i+1].Offset != e.End() {
					t.Errorf("message %d ends at %d, next starts at %d", i, e.End(), es[i+1].Offset)
				}
				if tt.offs != nil && e.Offset != tt.offs[i] {
					t.Errorf("message %d at offset %d, want %d", i, e.Offset, tt.offs[i])
				}
				if tt.seps != nil && e.Sep != tt.seps[i] {
					t.Errorf("message %d separator %d bytes, want %d", i, e.Sep, tt.seps[i])
				}
				if tt.byLen != nil && e.ByLength != tt.byLen[i] {
					t.Errorf("message %d ByLength = %v, want %v", i, e.ByLength, tt.byLen[i])
				}
				if tt.quoted != nil && e.Unquote != tt.quoted[i] {
					t.Errorf("message %d Unquote = %d, want %d", i, e.Unquote, tt.quoted[i])
				}
			}
			if total != int64(len(tt.in)) {
				t.Errorf("messages cover %d bytes, file has %d", total, len(tt.in))
			}
		})
	}
}

func short(s string) string {
	if len(s) > 80 {
		return fmt.Sprintf("%s...(%d bytes)", s[:80], len(s))
	}
	return s
}

func TestReaderNotMbox(t *testing.T) {
	for _, in := range []string{"Subject: x\n\nb\n", "from a " + d1 + "\n", bom + "From:x\n", "\nFrom a " + d1 + "\n"} {
		_, _, err := scan(t, []byte(in), ReaderOptions{})
		if !errors.Is(err, ErrNotMbox) {
			t.Errorf("%q: err = %v, want ErrNotMbox", in, err)
		}
	}
}

func TestReaderDatesAndFlags(t *testing.T) {
	in := "From - " + d1 + "\nX-Mozilla-Status: 0009\nX-Mozilla-Status2: 00800000\nDate: Mon, 4 Mar 2019 05:06:07 +0000\n\nb\n\n" +
		"From nobody\nStatus: RO\nX-Status: AF\nX-Mozilla-Status: 0000\nDate: Mon, 4 Mar 2019 05:06:07 +0000\nX-Status: D\n\nb\n\n" +
		"From - " + d2 + "\nSubject: no date header\nDate:\n  Tue, 5 Mar 2019 01:00:00 +0100\n\nStatus: RO\n"
	es, _, err := scan(t, []byte(in), ReaderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 3 {
		t.Fatalf("%d messages, want 3 (a From line without a date, followed by a header field, starts a message)", len(es))
	}
	_ = es
	in = strings.Replace(in, "From nobody", "From nobody "+d2, 1)
	es, _, err = scan(t, []byte(in), ReaderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		date  time.Time
		flags string
	}{
		{time.Date(2001, 1, 1, 0, 0, 0, 0, tz), `\Seen \Deleted $MDNSent `},
		{time.Date(2001, 1, 2, 3, 4, 5, 0, tz), `\Seen \Answered \Flagged `}, // first X-Status only
		{time.Date(2001, 1, 2, 3, 4, 5, 0, tz), ``},                          // Status in the body is not a header
	}
	if len(es) != len(want) {
		t.Fatalf("%d messages, want %d", len(es), len(want))
	}
	for i, e := range es {
		f, _ := e.Flags()
		if !e.Date().Equal(want[i].date) || flagString(f) != want[i].flags {
			t.Errorf("message %d: date %v flags %q, want %v %q", i, e.Date(), flagString(f), want[i].date, want[i].flags)
		}
	}
	if d := time.Date(2019, 3, 5, 0, 0, 0, 0, time.UTC); !es[2].HeaderDate.Equal(d) {
		t.Errorf("folded Date: header = %v, want %v", es[2].HeaderDate, d)
	}
	// No envelope date: the Date: header.
	es, _, err = scan(t, []byte("From foo\nDate: Mon, 4 Mar 2019 05:06:07 +0000\n\nb\n"), ReaderOptions{})
	if err != nil || len(es) != 1 || !es[0].Date().Equal(time.Date(2019, 3, 4, 5, 6, 7, 0, time.UTC)) {
		t.Errorf("date from header: %v %v", es, err)
	}
	// Neither: zero.
	es, _, err = scan(t, []byte("From foo\nSubject: x\n\nb\n"), ReaderOptions{})
	if err != nil || len(es) != 1 || !es[0].Date().IsZero() {
		t.Errorf("no date: %v %v", es, err)
	}
}
