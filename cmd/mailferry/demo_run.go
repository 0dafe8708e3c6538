package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/mailferry/mailferry/internal/corpus"
	"github.com/mailferry/mailferry/internal/labserver"
)

// demoCount is the size of the demo's sample mailbox.
const demoCount = 420

// runDemo starts a throwaway Dovecot on 127.0.0.1 (its own config, ports,
// users and a self-signed CA, all in a temporary directory), writes a
// sample Thunderbird Local Folders tree, and runs the commands a user
// would run, printing each command line and checking each exit code.
func runDemo(g *globalOptions) error {
	out, t := g.stdout, g.T()
	say := func(format string, a ...any) { fmt.Fprintln(out, t.Sprintf(format, a...)) }

	say("mailferry demo: a POP user's Thunderbird Local Folders go to an IMAP account on a private Dovecot.")
	srv, err := labserver.LaunchDovecot(&labserver.DovecotConfig{QuotaBytes: 64 << 20})
	if errors.Is(err, labserver.ErrNoDovecot) {
		return fmt.Errorf("demo: %w (on Debian/Ubuntu: apt-get install dovecot-imapd, or run .ci/demo)", err)
	}
	if err != nil {
		return fmt.Errorf("demo: starting Dovecot: %w", err)
	}
	defer srv.Stop()
	say("Dovecot is listening on %s (IMAP) and %s (IMAPS, certificate from %s).", srv.Addr, srv.TLSAddr, srv.CACertFile)

	work, err := os.MkdirTemp("", "mailferry-demo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	pwFile := filepath.Join(work, "password")
	if err := os.WriteFile(pwFile, []byte(labserver.Password+"\n"), 0o600); err != nil {
		return err
	}
	local := filepath.Join(work, "profile", "Mail", "Local Folders")
	o := corpus.GenOptions{Count: demoCount, Seed: 7, AvgSize: 12 << 10}
	if err := corpus.WriteThunderbird(local, o, func(i int) bool { return i%60 == 11 }); err != nil {
		return fmt.Errorf("demo: writing the sample data: %w", err)
	}
	say("Sample data: %d generated messages in 21 Thunderbird folders (some Japanese, some nested, a few deleted but not compacted) in %s.", demoCount, local)
	say("")

	alice := "imaps://alice@" + srv.TLSAddr
	small := "imaps://small@" + srv.TLSAddr
	tb := "thunderbird:" + local
	backup := "maildir:" + filepath.Join(work, "backup")
	common := []string{"--password-file", pwFile, "--tls-ca", srv.CACertFile}

	steps := []struct {
		say  string
		args []string
		want int
	}{
		{"What is in the local store:", []string{"ls", tb}, exitOK},
		{"What a copy would do (nothing is written):", []string{"plan", tb, alice}, exitOK},
		{"Copy it (flags, dates and folders kept; Sent/Drafts/Trash/Archive go to the server's special-use folders):", []string{"copy", tb, alice}, exitOK},
		{"Run it again: every message is already there, nothing is uploaded:", []string{"copy", tb, alice}, exitOK},
		{"The account now:", []string{"ls", alice}, exitOK},
		{"The same mail into a 1 MiB box: refused before a byte is written (exit 4):", []string{"plan", tb, small}, exitQuota},
		{"Quota of both accounts:", []string{"quota", alice}, exitOK},
		{"", []string{"quota", small}, exitOK},
		{"Back the IMAP account up to a local Maildir:", []string{"copy", alice, backup}, exitOK},
		{"And again: only what is new (nothing):", []string{"copy", alice, backup}, exitOK},
	}
	var failed []string
	for _, st := range steps {
		if st.say != "" {
			say("%s", t.Text(st.say))
		}
		args := append(append([]string{}, common...), st.args...)
		if g.json {
			args = append([]string{"--json"}, args...)
		}
		if g.lang != "" {
			args = append([]string{"--lang", g.lang}, args...)
		}
		say("$ mailferry %s", strings.Join(st.args, " "))
		code := runWith(args, out, g.stderr)
		if code != st.want {
			failed = append(failed, fmt.Sprintf("%q exited %d, want %d", strings.Join(st.args, " "), code, st.want))
			say("!! exit %d, expected %d", code, st.want)
		} else if code != exitOK {
			say("(exit %d, as expected)", code)
		}
		say("")
	}
	say("(Every command above also read the password from --password-file and verified the server's certificate with --tls-ca.)")
	if len(failed) > 0 {
		return fmt.Errorf("demo: %d step(s) did not behave: %s", len(failed), strings.Join(failed, "; "))
	}
	say("Demo finished: every step behaved as expected. Dovecot is stopped and its files removed.")
	return nil
}
