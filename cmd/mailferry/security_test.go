package main

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailferry/mailferry/exporters/imap/dovecottest"
	"github.com/spf13/pflag"
)

// TestPasswordNeverPrinted: with -v and --json, a refused login (wrong
// password), a good one and an imaps connection with
// --tls-insecure-skip-verify print neither password anywhere (stdout,
// stderr, the error line).
func TestPasswordNeverPrinted(t *testing.T) {
	srv := dovecottest.Start(t, nil)
	src := "maildir:" + filepath.Join(t.TempDir(), "src")
	if code, _, stderr := runCLI(t, "gen", src, "--count", "30", "--seed", "3"); code != 0 {
		t.Fatalf("gen: exit %d: %s", code, stderr)
	}
	const wrong = "Wr0ng-Zebra-Passw0rd-9931"
	check := func(what string, secret string, outs ...string) {
		t.Helper()
		for _, o := range outs {
			if strings.Contains(o, secret) {
				t.Errorf("%s: the password appears in the output:\n%s", what, o)
			}
		}
	}
	for _, args := range [][]string{
		{"copy", "-v", src, "imap://alice@" + srv.Addr},
		{"copy", "-v", "--json", src, "imap://alice@" + srv.Addr},
		{"verify", "-v", "--json", src, "imap://alice@" + srv.Addr},
		{"ls", "-v", "imaps://alice@" + srv.TLSAddr, "--tls-ca", srv.CACertFile},
		{"quota", "--json", "imap://alice@" + srv.Addr},
	} {
		t.Setenv("MAILFERRY_PASSWORD", wrong)
		code, stdout, stderr := runCLI(t, args...)
		if code == 0 {
			t.Errorf("%q with a wrong password: exit 0", args)
		}
		if !strings.Contains(stdout+stderr, "login") {
			t.Errorf("%q: the refusal does not say it is the login: %s %s", args, stdout, stderr)
		}
		check(strings.Join(args, " ")+" (wrong password)", wrong, stdout, stderr)
		t.Setenv("MAILFERRY_PASSWORD", dovecottest.Password)
		code, stdout, stderr = runCLI(t, args...)
		if code != 0 {
			t.Errorf("%q: exit %d: %s", args, code, stderr)
		}
		check(strings.Join(args, " "), dovecottest.Password, stdout, stderr)
	}
	// The loud warning, and still no password.
	code, stdout, stderr := runCLI(t, "ls", "-v", "--tls-insecure-skip-verify", "imaps://alice@"+srv.TLSAddr)
	if code != 0 || !strings.Contains(stderr, "WARNING") || !strings.Contains(stderr, "NOT checked") {
		t.Errorf("--tls-insecure-skip-verify: exit %d, no loud warning on stderr: %q", code, stderr)
	}
	check("--tls-insecure-skip-verify", dovecottest.Password, stdout, stderr)
	// Without the CA, TLS is verified and fails.
	if code, _, stderr := runCLI(t, "ls", "imaps://alice@"+srv.TLSAddr); code == 0 {
		t.Errorf("imaps to a self-signed server without --tls-ca: exit 0 (certificate not verified?) %s", stderr)
	}
}

// TestNoPasswordFlag: no flag of any command takes a password as its
// value (argv is visible to every user in ps); only files.
func TestNoPasswordFlag(t *testing.T) {
	root := newRootCommand(&globalOptions{stdout: os.Stdout, stderr: os.Stderr})
	cmds := append(root.Commands(), root)
	for _, c := range cmds {
		for _, fs := range []*pflag.FlagSet{c.Flags(), c.PersistentFlags()} {
			fs.VisitAll(func(f *pflag.Flag) {
				name := strings.ToLower(f.Name)
				if (strings.Contains(name, "pass") || strings.Contains(name, "secret") || strings.Contains(name, "token")) &&
					!strings.HasSuffix(name, "-file") && !strings.HasSuffix(name, "-command") { // a command prints the token; OAUTH2
					t.Errorf("%s --%s takes a secret on the command line", c.Name(), f.Name)
				}
			})
		}
	}
}

// TestLocalTargetModes: every file a copy writes into a Maildir, mbox or
// EML target (messages, state, journals) is 0600 and every directory 0700,
// whatever the umask.
func TestLocalTargetModes(t *testing.T) {
	dir := t.TempDir()
	src := "maildir:" + filepath.Join(dir, "src")
	if code, _, stderr := runCLI(t, "gen", src, "--count", "120", "--seed", "4"); code != 0 {
		t.Fatalf("gen: exit %d: %s", code, stderr)
	}
	for _, format := range []string{"maildir", "mbox", "eml"} {
		root := filepath.Join(dir, "dst-"+format)
		if code, _, stderr := runCLI(t, "copy", src, format+":"+root); code != 0 {
			t.Fatalf("copy to %s: exit %d: %s", format, code, stderr)
		}
		files := 0
		filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				t.Fatal(err)
			}
			fi, err := os.Lstat(p)
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case fi.IsDir() && fi.Mode().Perm() != 0o700:
				t.Errorf("%s: directory %s has mode %v, want 0700", format, p, fi.Mode().Perm())
			case fi.Mode().IsRegular() && fi.Mode().Perm() != 0o600:
				t.Errorf("%s: file %s has mode %v, want 0600", format, p, fi.Mode().Perm())
			case !fi.IsDir() && !fi.Mode().IsRegular():
				t.Errorf("%s: %s is neither a file nor a directory: %v", format, p, fi.Mode())
			}
			if fi.Mode().IsRegular() {
				files++
			}
			return nil
		})
		if files < 20 { // mbox: one file per folder
			t.Errorf("%s: only %d files checked", format, files)
		}
	}
}
