package main

import (
	"bytes"
	"os"
	"path/filepath"
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

func TestIncludeMatchingNothing(t *testing.T) {
	dir := t.TempDir()
	writeMbox := func(name string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte("From a@b Thu Jan  1 00:00:00 2026\nSubject: x\n\nbody\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	writeMbox("Inbox")
	writeMbox("Archive")
	var out, errb bytes.Buffer
	code := runWith([]string{"plan", "mbox:" + dir, "maildir:" + t.TempDir(), "--include", "Nope"}, &out, &errb)
	if code != exitUsage {
		t.Fatalf("exit %d, want %d; stderr %q", code, exitUsage, errb.String())
	}
	for _, w := range []string{`--include "Nope" matches no source folder`, "The source's folders are: ", "Archive", "Inbox"} {
		if !strings.Contains(errb.String(), w) {
			t.Errorf("stderr %q lacks %q", errb.String(), w)
		}
	}
	errb.Reset()
	out.Reset()
	code = runWith([]string{"plan", "mbox:" + dir, "maildir:" + t.TempDir(), "--include", "Nope", "--include", "Arch"}, &out, &errb)
	if code != exitOK || !strings.Contains(errb.String(), `warning: --include "Nope" matches no source folder`) {
		t.Errorf("one pattern matching: exit %d, stderr %q", code, errb.String())
	}
}

func TestErrorsInJapanese(t *testing.T) {
	var out, errb bytes.Buffer
	code := runWith([]string{"--lang", "ja", "copy", "maildir:/x"}, &out, &errb)
	if code != exitUsage || !strings.Contains(errb.String(), "maildir:/x の後に 移行先(TARGET) が必要です") {
		t.Errorf("exit %d, stderr %q", code, errb.String())
	}
	errb.Reset()
	t.Setenv("LANG", "ja_JP.UTF-8")
	t.Setenv("LC_ALL", "")
	t.Setenv("LC_MESSAGES", "")
	runWith([]string{"plan"}, &out, &errb)
	if !strings.Contains(errb.String(), "移行元(SOURCE)と移行先(TARGET) が必要です") {
		t.Errorf("LANG=ja_JP.UTF-8: stderr %q", errb.String())
	}
	errb.Reset()
	if code := runWith([]string{"--lang", "fr", "ls", "mbox:/x"}, &out, &errb); code != exitUsage {
		t.Errorf("--lang fr: exit %d", code)
	}
}

func TestLogFile(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "Inbox"), []byte("From a@b Thu Jan  1 00:00:00 2026\nSubject: x\nMessage-ID: <1@x>\n\nbody\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	log := filepath.Join(t.TempDir(), "run.log")
	var out, errb bytes.Buffer
	if code := runWith([]string{"copy", "mbox:" + dir, "maildir:" + t.TempDir(), "--log-file", log}, &out, &errb); code != exitOK {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	b, err := os.ReadFile(log)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{`"type":"run"`, `"type":"copied"`, `"type":"summary"`, `"type":"exit"`, `"code":0`, `{"time":"`} {
		if !strings.Contains(string(b), w) {
			t.Errorf("log lacks %s:\n%s", w, b)
		}
	}
	if fi, err := os.Stat(log); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("log file mode %v, %v; want 0600", fi.Mode(), err)
	}
}
