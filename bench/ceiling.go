package main

// The server's own speed as the ceiling of the push/pull comparison
// (issue 20 point 4). Against the private Dovecot the default run adds a
// third tool to each round, in rotation with mailferry and mbsync:
//
//   - push ceiling: `doveadm backup -R -u alice maildir:COPY`, Dovecot's
//     dsync making alice's account a copy of the corpus (COPY: a copy of
//     it in alice's home, made before the clock starts, so that Dovecot's
//     uidlist and its new/ → cur/ moves never touch the corpus the other
//     tools read). No IMAP, no network, no client: the time the server
//     needs to take in the same Maildir by itself.
//   - pull ceiling: `doveadm backup -u alice maildir:OUT`, Dovecot
//     writing alice's account into a new Maildir++ tree.
//
// mailferry's push and pull are then reported as a fraction of the
// ceiling (the ceiling's time / mailferry's: 100 % would be as fast as
// the server copying by itself). Both dsync runs are checked like the
// others: the account, or the new Maildir, must hold every message.

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"

	"github.com/mailferry/mailferry/internal/labserver"
)

// ceilingTool is the third tool's name in the rounds and the table.
const ceilingTool = "doveadm backup"

// ceiling runs Dovecot's dsync against the bench's private Dovecot.
type ceiling struct {
	dv      *labserver.Dovecot
	doveadm string
	env     []string
}

// newCeiling is the ceiling of srv, or nil when there is none to measure
// (another server than Dovecot, or no doveadm).
func newCeiling(srv *benchServer, env []string) *ceiling {
	if srv.dv == nil {
		return nil
	}
	bin, err := exec.LookPath(firstOf("/usr/bin/doveadm", "/usr/sbin/doveadm", "doveadm"))
	if err != nil {
		return nil
	}
	return &ceiling{dv: srv.dv, doveadm: bin, env: env}
}

func (c *ceiling) backup(args ...string) (result, error) {
	all := append([]string{"-c", filepath.Join(c.dv.Dir, "dovecot.conf"), "backup"}, args...)
	return measure(c.env, c.doveadm, all...)
}

// push makes alice's account a copy of the corpus with dsync.
func (c *ceiling) push(work, corpus string) (result, error) {
	src, err := c.place("ceiling-corpus")
	if err != nil {
		return result{}, err
	}
	defer os.RemoveAll(src)
	// A real copy (not hard links): its files get the mail user's
	// owner, and the corpus's inodes stay untouched (a changed ctime
	// would void mailferry's key cache of them).
	if out, err := exec.Command("cp", "-a", corpus, src).CombinedOutput(); err != nil {
		return result{}, fmt.Errorf("cp -a %s: %v: %s", corpus, err, out)
	}
	if err := c.own(src); err != nil {
		return result{}, err
	}
	return c.backup("-R", "-u", "alice", "maildir:"+src)
}

// pull copies alice's account into a new Maildir++ tree and moves it to
// out once the clock has stopped.
func (c *ceiling) pull(out string) (result, error) {
	dst, err := c.place("ceiling-pull")
	if err != nil {
		return result{}, err
	}
	defer os.RemoveAll(dst)
	res, err := c.backup("-u", "alice", "maildir:"+dst)
	if err != nil {
		return res, err
	}
	os.RemoveAll(out)
	return res, os.Rename(dst, out)
}

// place is a new path name in alice's home (where the mail user, nobody
// when the bench runs as root, can reach it), not yet existing.
func (c *ceiling) place(name string) (string, error) {
	p := filepath.Join(filepath.Dir(c.dv.MailDir("alice")), name)
	return p, os.RemoveAll(p)
}

// own hands the tree at p to the owner of alice's home (the mail user).
func (c *ceiling) own(p string) error {
	fi, err := os.Stat(filepath.Dir(p))
	if err != nil {
		return err
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok || int(st.Uid) == os.Geteuid() {
		return nil
	}
	return filepath.WalkDir(p, func(q string, _ fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(q, int(st.Uid), int(st.Gid))
	})
}

// tools adds the ceiling to the tools of a round.
func (c *ceiling) tools(tools []string) []string {
	if c == nil {
		return tools
	}
	return append(tools, ceilingTool)
}

// rotated is tools rotated left by r: each tool goes first in turn.
func rotated(tools []string, r int) []string {
	out := make([]string, 0, len(tools))
	for i := range tools {
		out = append(out, tools[(i+r)%len(tools)])
	}
	return out
}

// rows adds the ceiling's rows to the table (with their "vs mbsync").
func (c *ceiling) rows(row func(s, ref *series), push, pull map[string]*series) {
	if c.measured(push) {
		push[ceilingTool].op = "push ceiling: Maildir → server"
		pull[ceilingTool].op = "pull ceiling: server → Maildir"
		row(push[ceilingTool], push["mbsync"])
		row(pull[ceilingTool], pull["mbsync"])
	}
}

func (c *ceiling) measured(push map[string]*series) bool {
	return c != nil && push[ceilingTool] != nil && len(push[ceilingTool].runs) > 0
}

// summary prints mailferry's speed as a fraction of the ceiling.
func (c *ceiling) summary(w io.Writer, push, pull map[string]*series) {
	if !c.measured(push) {
		return
	}
	frac := func(m map[string]*series) float64 {
		return 100 * m[ceilingTool].median().wall.Seconds() / m["mailferry"].median().wall.Seconds()
	}
	fmt.Fprintf(w, "\nceiling (Dovecot's own dsync of the same mail, no IMAP): mailferry's push at %.0f%% of it, its pull at %.0f%% (the ceiling's time / mailferry's)\n",
		frac(push), frac(pull))
}
