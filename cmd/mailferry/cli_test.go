package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// runCLI runs the command line in-process and returns the exit code and
// what it printed.
func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = runWith(args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestUsageErrorsExit2(t *testing.T) {
	for _, args := range [][]string{
		{"ls", "nosuchscheme:/x"},
		{"ls", "/plain/path"},
		{"copy", "mbox:/x"},
		{"copy", "--no-such-flag", "a:", "b:"},
		{"ls", "imap:host"},
		{"plan", "--dedupe", "sometimes", "maildir:/tmp", "maildir:/tmp"},
		{"copy", "--connections", "0", "maildir:/tmp", "maildir:/tmp"},
		{"copy", "-j", "17", "maildir:/tmp", "maildir:/tmp"},
	} {
		code, _, stderr := runCLI(t, args...)
		if code != exitUsage {
			t.Errorf("%q: exit %d, want %d (stderr %q)", args, code, exitUsage, stderr)
		}
		if strings.Count(strings.TrimSpace(stderr), "\n") > 1 {
			t.Errorf("%q: want one clear line, got %q", args, stderr)
		}
	}
}

func TestPasswordFileAndNoPasswordInOutput(t *testing.T) {
	dir := t.TempDir()
	pf := filepath.Join(dir, "pw")
	os.WriteFile(pf, []byte("s3cret-pässword\n"), 0o600)
	g := &globalOptions{passwordFile: pf}
	p, err := g.passwordFunc()("source", "alice")
	if err != nil || p != "s3cret-pässword" {
		t.Fatalf("password = %q, %v", p, err)
	}
	t.Setenv("MAILFERRY_PASSWORD", "")
	t.Setenv("MAILFERRY_TARGET_PASSWORD", "target-pw")
	g = &globalOptions{}
	if p, _ := g.passwordFunc()("target", "bob"); p != "target-pw" {
		t.Errorf("target password from env = %q", p)
	}
	if _, err := g.passwordFunc()("source", "bob"); err == nil {
		t.Errorf("no password source, no terminal: want an error")
	}
}

func TestTableAlignsWideCharacters(t *testing.T) {
	var b bytes.Buffer
	tw := newTable(&b, true)
	tw.Write([]byte("仕事\t12\t\nArchive\t3\t\n"))
	tw.Flush()
	want := "仕事     12\nArchive   3\n"
	if b.String() != want {
		t.Errorf("table:\n%q\nwant\n%q", b.String(), want)
	}
}
