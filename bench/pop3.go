package main

// -pop3: POP3 → Maildir, mailferry beside mpop (or getmail), on the same
// corpus in one Dovecot maildrop (bob's INBOX), alternating the tools.
// mpop runs with "keep on" and a fresh UIDLs file each time, so both
// download every message and delete nothing; both use STLS with the
// private CA.

import (
	"fmt"
	"io/fs"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/mailferry/mailferry/internal/labserver"
)

func runPOP3(count, avg, rounds int, extra []string, keep bool) error {
	mpop, err := exec.LookPath("mpop")
	if err != nil {
		return fmt.Errorf("mpop not found (apt-get install mpop): %w", err)
	}
	work, bin, srv, done, err := setup(keep)
	if err != nil {
		return err
	}
	defer done()
	pw := filepath.Join(work, "pw")
	if err := os.WriteFile(pw, []byte(labserver.Password), 0o600); err != nil {
		return err
	}
	env := append(os.Environ(), "MAILFERRY_PASSWORD="+labserver.Password)
	corpus := filepath.Join(work, "corpus")
	size, err := generate(env, bin, corpus, count, avg)
	if err != nil {
		return err
	}
	// One maildrop: the whole tree flattened into one Maildir, into INBOX.
	flat := filepath.Join(work, "flat")
	if err := flatten(corpus, flat); err != nil {
		return err
	}
	log.Printf("filling the POP3 maildrop")
	if _, err := measure(env, bin, "-q", "copy", "maildir:"+flat, "imap://bob@"+srv.Addr); err != nil {
		return err
	}
	conf := filepath.Join(work, "mpoprc")
	out := filepath.Join(work, "out")
	host, port, _ := strings.Cut(srv.POP3Addr, ":")
	if err := os.WriteFile(conf, []byte(fmt.Sprintf(`defaults
tls on
tls_starttls on
tls_trust_file %s
auth user
keep on
only_new off
account bench
host %s
port %s
user bob
passwordeval cat %s
uidls_file %s
delivery maildir %s
`, srv.CACertFile, host, port, pw, filepath.Join(work, "uidls"), out)), 0o600); err != nil {
		return err
	}
	ser := map[string]*series{}
	for _, t := range []string{"mailferry", "mpop"} {
		ser[t] = &series{op: "POP3 → Maildir", tool: t, msgs: count, bytes: size}
	}
	src := "pop3://bob@" + srv.POP3Addr
	for r := 0; r < rounds; r++ {
		order := []string{"mailferry", "mpop"}
		if r%2 == 1 {
			slices.Reverse(order)
		}
		for _, tool := range order {
			os.RemoveAll(out)
			os.Remove(filepath.Join(work, "uidls"))
			var res result
			var err error
			if tool == "mailferry" {
				args := append([]string{"-q", "copy", "--tls-ca", srv.CACertFile}, extra...)
				res, err = measure(env, bin, append(args, src, "maildir:"+out)...)
			} else {
				for _, d := range []string{"cur", "new", "tmp"} {
					os.MkdirAll(filepath.Join(out, d), 0o700)
				}
				res, err = measure(env, mpop, "-q", "-C", conf, "bench")
			}
			if err != nil {
				return fmt.Errorf("%s: %w", tool, err)
			}
			n, _, err := countMaildir(out)
			if err != nil {
				return err
			}
			if n != count {
				return fmt.Errorf("%s: the Maildir holds %d messages, want %d", tool, n, count)
			}
			ser[tool].runs = append(ser[tool].runs, res)
			log.Printf("round %d %s: %.2fs", r+1, tool, res.wall.Seconds())
		}
	}
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "operation\ttool\tseconds\tmsgs/s\tMB/s\tpeak RSS MB\tvs mpop\t")
	ref := ser["mpop"].median().wall.Seconds()
	for _, t := range []string{"mailferry", "mpop"} {
		s := ser[t]
		m := s.median()
		fmt.Fprintf(tw, "%s\t%s\t%.2f\t%.0f\t%.1f\t%.0f\t%.2f×\t\n", s.op, s.tool, m.wall.Seconds(),
			float64(s.msgs)/m.wall.Seconds(), float64(s.bytes)/1e6/m.wall.Seconds(), float64(m.rss)/1e6, ref/m.wall.Seconds())
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Printf("(%d messages, %.1f MB, median of %d rounds, Dovecot POP3 with STLS on 127.0.0.1)\n", count, float64(size)/1e6, rounds)
	return nil
}

// flatten moves every message file of a Maildir++ tree into one Maildir.
func flatten(tree, dst string) error {
	for _, d := range []string{"cur", "new", "tmp"} {
		if err := os.MkdirAll(filepath.Join(dst, d), 0o700); err != nil {
			return err
		}
	}
	return filepath.WalkDir(tree, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		sub := filepath.Base(filepath.Dir(p))
		if sub != "cur" && sub != "new" {
			return nil
		}
		return os.Rename(p, filepath.Join(dst, sub, d.Name()))
	})
}
