package main

import (
	"bytes"
	"strings"
	"testing"
)

// Errors a new user meets first say what to do.
func TestErrorsTeach(t *testing.T) {
	for _, c := range []struct {
		args []string
		code int
		want []string
	}{
		{[]string{"copy", "maildir:/x"}, exitUsage, []string{"copy needs a TARGET after maildir:/x", "mailferry copy thunderbird: imaps://"}},
		{[]string{"copy"}, exitUsage, []string{"copy needs a SOURCE and a TARGET", "for example"}},
		{[]string{"plan", "a:", "b:", "c:"}, exitUsage, []string{"got 3 arguments", "quotes around a path with spaces"}},
		{[]string{"verify", "mbox:/x"}, exitUsage, []string{"verify needs a TARGET after mbox:/x"}},
		{[]string{"ls"}, exitUsage, []string{"ls needs a store", "mailferry ls thunderbird:"}},
		{[]string{"quota"}, exitUsage, []string{"quota needs a TARGET"}},
	} {
		var out, errb bytes.Buffer
		code := runWith(c.args, &out, &errb)
		if code != c.code {
			t.Errorf("%v: exit %d, want %d (stderr %q)", c.args, code, c.code, errb.String())
		}
		for _, w := range c.want {
			if !strings.Contains(errb.String(), w) {
				t.Errorf("%v: stderr %q lacks %q", c.args, errb.String(), w)
			}
		}
	}
}

func TestInterruptedSaysRunAgain(t *testing.T) {
	var errb bytes.Buffer
	g := &globalOptions{stderr: &errb}
	g.printError(errInterruptedForTest, exitCancelled)
	if s := errb.String(); !strings.Contains(s, "run the same command again") || strings.Contains(s, "context canceled") {
		t.Errorf("interrupted message %q", s)
	}
}

var errInterruptedForTest = errString("context canceled")

type errString string

func (e errString) Error() string { return string(e) }

func TestHelpHasExamples(t *testing.T) {
	for _, c := range []string{"copy", "plan", "verify", "ls", "quota"} {
		var out, errb bytes.Buffer
		runWith([]string{c, "--help"}, &out, &errb)
		ex := out.String()
		if i := strings.Index(ex, "Examples:\n"); i >= 0 {
			ex = ex[i:]
			if j := strings.Index(ex, "\n\n"); j >= 0 {
				ex = ex[:j]
			}
		} else {
			ex = ""
		}
		if n := strings.Count(ex, "\n  mailferry "+c); n < 2 || n > 4 {
			t.Errorf("%s --help has %d examples, want 2 to 4:\n%s", c, n, out.String())
		}
	}
}
