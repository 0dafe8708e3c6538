package mbox

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func TestCountEnvelopes(t *testing.T) {
	const d = "Sat Jan  1 00:00:00 2022"
	msg := func(s string) string { return "From a " + d + "\nSubject: " + s + "\n\nbody " + s + "\n" }
	cases := []struct {
		name string
		in   string
		want int64
	}{
		{"empty", "", 0},
		{"one", msg("1"), 1},
		{"blank-separated", msg("1") + "\n" + msg("2"), 2},
		{"no blank line", msg("1") + msg("2"), 2},
		{"CRLF", strings.ReplaceAll(msg("1")+"\n"+msg("2"), "\n", "\r\n"), 2},
		{"CR only", strings.ReplaceAll(msg("1")+"\n"+msg("2"), "\n", "\r"), 2},
		{"BOM", "\xef\xbb\xbf" + msg("1") + "\n" + msg("2"), 2},
		{"body From not followed by a header", msg("1") + "From here on\nwe talk\n", 1},
		{"quoted From", msg("1") + ">From a " + d + "\nSubject: x\n", 1},
		{"From without space", msg("1") + "From:x\nSubject: y\n", 1},
		{"last line From", msg("1") + "\nFrom a " + d + "\n", 2},
		{"first line counts alone", "From a " + d + "\n\nbody\n", 1},
		{"Content-Length holds",
			"From a " + d + "\nContent-Length: 43\n\nFrom b " + d + "\nSubject: x\n\n" + msg("2"), 2},
		{"Content-Length at EOF",
			"From a " + d + "\nContent-Length: 43\n\nFrom b " + d + "\nSubject: x\n", 1},
		{"Content-Length does not hold",
			"From a " + d + "\nContent-Length: 5\n\nFrom b " + d + "\nSubject: x\n\n" + msg("2"), 3},
	}
	for _, c := range cases {
		n, err := CountEnvelopes(context.Background(), bytes.NewReader([]byte(c.in)), int64(len(c.in)))
		if err != nil || n != c.want {
			t.Errorf("%s: %d, %v; want %d", c.name, n, err, c.want)
		}
	}
}
