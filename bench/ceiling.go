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
	"bufio"
	"fmt"
	"io"
	"io/fs"
	"log"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

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

// pullTools adds the raw FETCH ceiling to the pull's tools.
func (c *ceiling) pullTools(tools []string) []string {
	if c == nil {
		return tools
	}
	return append(slices.Clone(tools), rawFetchTool)
}

// rawPull measures one raw FETCH of the whole account into pull.
func (c *ceiling) rawPull(pull map[string]*series, addr string, count, r int) error {
	res, n, err := rawFetch(addr, "alice", labserver.Password)
	if err != nil {
		return fmt.Errorf("pull with %s: %w", rawFetchTool, err)
	}
	if n != count {
		return fmt.Errorf("pull with %s: %d messages fetched, want %d", rawFetchTool, n, count)
	}
	s := pull[rawFetchTool]
	if s == nil {
		s = &series{op: "pull ceiling: server → nothing", tool: rawFetchTool, msgs: pull["mailferry"].msgs, bytes: pull["mailferry"].bytes}
		pull[rawFetchTool] = s
	}
	s.runs = append(s.runs, res)
	log.Printf("round %d pull %-9s %6.2fs", r+1, rawFetchTool, res.wall.Seconds())
	return nil
}

// rows adds the ceiling's rows to the table (with their "vs mbsync").
func (c *ceiling) rows(row func(s, ref *series), push, pull map[string]*series) {
	if c.measured(push) {
		push[ceilingTool].op = "push ceiling: Maildir → server"
		pull[ceilingTool].op = "pull ceiling: server → Maildir"
		row(push[ceilingTool], push["mbsync"])
		row(pull[ceilingTool], pull["mbsync"])
		if pull[rawFetchTool] != nil {
			row(pull[rawFetchTool], pull["mbsync"])
		}
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
	frac := func(m map[string]*series, tool string) float64 {
		return 100 * m[tool].median().wall.Seconds() / m["mailferry"].median().wall.Seconds()
	}
	fmt.Fprintf(w, "\nceilings (the ceiling's time / mailferry's): push at %.0f%% of Dovecot's own dsync of the Maildir (no IMAP); pull at %.0f%% of dsync into a new Maildir",
		frac(push, ceilingTool), frac(pull, ceilingTool))
	if pull[rawFetchTool] != nil {
		fmt.Fprintf(w, ", at %.0f%% of the server sending every body (%s, %d connections, bytes discarded)", frac(pull, rawFetchTool), rawFetchTool, rawFetchConns)
	}
	fmt.Fprintln(w)
}

// rawFetchConns is how many connections the raw FETCH ceiling uses:
// mailferry's default --connections.
const rawFetchConns = 3

// rawFetchTool is the pull ceiling's name: every body fetched over IMAP
// by a minimal client that keeps nothing.
const rawFetchTool = "raw FETCH"

// rawFetch logs in as alice on rawFetchConns connections and fetches
// BODY.PEEK[] of every message of every mailbox (a queue of mailboxes, as
// mailferry's connections share them), discarding the bytes: how fast the
// server can send the mail, with no client work to speak of. It returns
// the wall time and the number of messages.
func rawFetch(addr, user, password string) (result, int, error) {
	c, err := dialRaw(addr, user, password)
	if err != nil {
		return result{}, 0, err
	}
	start := time.Now()
	boxes, err := c.list()
	c.close()
	if err != nil {
		return result{}, 0, err
	}
	queue := make(chan string, len(boxes))
	for _, b := range boxes {
		queue <- b
	}
	close(queue)
	var (
		mu    sync.Mutex
		total int
		first error
	)
	var wg sync.WaitGroup
	for range rawFetchConns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := dialRaw(addr, user, password)
			if err == nil {
				defer c.close()
				for b := range queue {
					var n int
					if n, err = c.fetchAll(b); err != nil {
						break
					}
					mu.Lock()
					total += n
					mu.Unlock()
				}
			}
			mu.Lock()
			if err != nil && first == nil {
				first = err
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	return result{wall: time.Since(start)}, total, first
}

// rawConn is a plaintext IMAP connection (loopback) read line by line,
// literals skipped.
type rawConn struct {
	c   net.Conn
	r   *bufio.Reader
	tag int
}

func dialRaw(addr, user, password string) (*rawConn, error) {
	nc, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		return nil, err
	}
	c := &rawConn{c: nc, r: bufio.NewReaderSize(nc, 256<<10)}
	if _, err := c.r.ReadString('\n'); err != nil { // greeting
		nc.Close()
		return nil, err
	}
	if _, err := c.cmd(fmt.Sprintf("LOGIN %q %q", user, password), nil); err != nil {
		nc.Close()
		return nil, err
	}
	return c, nil
}

func (c *rawConn) close() {
	c.cmd("LOGOUT", nil)
	c.c.Close()
}

// cmd sends one command and reads its answer to the tagged line, calling
// untagged (when not nil) with each untagged line (literals skipped, not
// included). It returns how many literals were skipped.
func (c *rawConn) cmd(line string, untagged func(string)) (int, error) {
	c.tag++
	tag := fmt.Sprintf("b%d", c.tag)
	if _, err := fmt.Fprintf(c.c, "%s %s\r\n", tag, line); err != nil {
		return 0, err
	}
	literals := 0
	for {
		l, err := c.r.ReadString('\n')
		if err != nil {
			return literals, err
		}
		for {
			t := strings.TrimRight(l, "\r\n")
			i := strings.LastIndexByte(t, '{')
			if i < 0 || !strings.HasSuffix(t, "}") {
				break
			}
			n, err := strconv.ParseInt(t[i+1:len(t)-1], 10, 64)
			if err != nil {
				break
			}
			if _, err := c.r.Discard(int(n)); err != nil {
				return literals, err
			}
			literals++
			rest, err := c.r.ReadString('\n') // the line goes on after the literal
			if err != nil {
				return literals, err
			}
			l = t[:i] + rest
		}
		if strings.HasPrefix(l, tag+" ") {
			if !strings.HasPrefix(l, tag+" OK") {
				return literals, fmt.Errorf("raw FETCH: %s: %s", line, strings.TrimSpace(l))
			}
			return literals, nil
		}
		if untagged != nil && strings.HasPrefix(l, "* ") {
			untagged(strings.TrimRight(l, "\r\n"))
		}
	}
}

// list names the selectable mailboxes (LIST "" "*").
func (c *rawConn) list() ([]string, error) {
	var boxes []string
	_, err := c.cmd(`LIST "" "*"`, func(l string) {
		if !strings.HasPrefix(l, "* LIST ") || strings.Contains(strings.ToLower(l), `\noselect`) {
			return
		}
		// * LIST (attrs) "/" name: the name is the rest after the delimiter.
		rest := l[strings.IndexByte(l, ')')+1:]
		rest = strings.TrimSpace(rest)
		if strings.HasPrefix(rest, "NIL") {
			rest = strings.TrimSpace(rest[3:])
		} else if j := strings.Index(rest[1:], `"`); j >= 0 {
			rest = strings.TrimSpace(rest[j+2:])
		}
		boxes = append(boxes, rest)
	})
	return boxes, err
}

// fetchAll examines the mailbox and fetches every body, returning how
// many it fetched.
func (c *rawConn) fetchAll(box string) (int, error) {
	if _, err := c.cmd("EXAMINE "+box, nil); err != nil {
		return 0, err
	}
	return c.cmd("UID FETCH 1:* BODY.PEEK[]", nil)
}
