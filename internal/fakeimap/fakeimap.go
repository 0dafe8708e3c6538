// Package fakeimap is a small scriptable IMAP server on 127.0.0.1 for tests
// of misbehaviour no real server produces: a NO that echoes the password,
// a stall in the middle of a response, a literal of 10 GB, mailbox names
// with control characters, a garbage literal size, duplicate UIDs. It
// speaks just enough IMAP4rev1 for mailferry's client (LOGIN, CAPABILITY,
// LIST, STATUS, EXAMINE/SELECT, UID SEARCH, UID FETCH, APPEND, CREATE,
// SUBSCRIBE, NOOP, LOGOUT). Use it from _test files only.
package fakeimap

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// Message is one message of a Mailbox. UIDs need not be unique (a broken
// server).
type Message struct {
	UID  uint32
	Data []byte // CRLF
	// Fetch, when set, replaces the whole untagged FETCH response of a
	// body fetch of this message ("* 3 FETCH (UID 3 BODY[] {abc}\r\n...").
	// It is written as is, and the server goes on with the next message.
	Fetch string
	// Stall makes a body fetch of this message send only StallAfter
	// bytes of the literal and then stop answering.
	Stall      bool
	StallAfter int
}

// Mailbox is one mailbox. Name is the name as it goes on the wire (the
// server does no modified UTF-7: give names in ASCII, or broken on
// purpose). ListLine, when set, replaces its LIST line (without CRLF; it
// may contain a literal).
type Mailbox struct {
	Name        string
	ListLine    string
	UIDValidity uint32
	Messages    []Message
}

// Server is a running fake server.
type Server struct {
	// Addr is "127.0.0.1:port".
	Addr string
	// User and Password are the only accepted credentials.
	User, Password string
	// Caps are announced after the greeting (default "IMAP4rev1 LITERAL+
	// MULTIAPPEND"); set before connecting.
	Caps string
	// LoginNO, when set, is the text of the NO answer to every LOGIN
	// ("%s" is replaced by the password the client sent).
	LoginNO string
	// Respond, when set, is asked first for each command (name in upper
	// case, "UID FETCH" for UID commands; args as sent, literals replaced
	// by "\x00N"). A non-empty raw is written instead of the normal
	// response (untagged lines with CRLF) and followed by a tagged OK;
	// stall makes the server then stop answering (it reads on and drops
	// what it gets until the client goes away). When raw contains
	// "$TAG ", that is replaced by the command's tag and raw is the whole
	// response (no OK follows): "$TAG NO go away\r\n".
	Respond func(name, args string) (raw string, stall bool)

	mu        sync.Mutex
	mailboxes []*Mailbox
	appended  [][]byte
	conns     map[net.Conn]bool
	ln        net.Listener
	wg        sync.WaitGroup
	done      chan struct{}
}

// Start starts a server with the given mailboxes; it stops when t ends.
func Start(t testing.TB, mailboxes ...*Mailbox) *Server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("fakeimap: %v", err)
	}
	s := &Server{Addr: ln.Addr().String(), User: "alice", Password: "Secret-Pa55word-xyz", ln: ln,
		Caps: "IMAP4rev1 LITERAL+ MULTIAPPEND", mailboxes: mailboxes, conns: map[net.Conn]bool{}, done: make(chan struct{})}
	if len(mailboxes) == 0 {
		s.mailboxes = []*Mailbox{{Name: "INBOX"}}
	}
	for _, m := range s.mailboxes {
		if m.UIDValidity == 0 {
			m.UIDValidity = 1
		}
	}
	s.wg.Add(1)
	go s.serve()
	t.Cleanup(s.Close)
	return s
}

// URL is "imap://alice@127.0.0.1:port".
func (s *Server) URL() string { return "imap://" + s.User + "@" + s.Addr }

// Appended returns the literals of the APPENDs received so far.
func (s *Server) Appended() [][]byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([][]byte(nil), s.appended...)
}

// Close stops the server and closes every connection.
func (s *Server) Close() {
	s.mu.Lock()
	select {
	case <-s.done:
	default:
		close(s.done)
	}
	s.ln.Close()
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}

func (s *Server) serve() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		s.conns[c] = true
		s.mu.Unlock()
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer func() {
				c.Close()
				s.mu.Lock()
				delete(s.conns, c)
				s.mu.Unlock()
			}()
			(&session{s: s, c: c, r: bufio.NewReader(c), w: bufio.NewWriter(c)}).run()
		}()
	}
}

type session struct {
	s   *Server
	c   net.Conn
	r   *bufio.Reader
	w   *bufio.Writer
	sel *Mailbox
}

// command is one client command: its line with literals replaced by
// "\x00N" markers, and the literals.
type command struct {
	tag, name string
	args      string
	lits      [][]byte
}

func (ss *session) readCommand() (*command, error) {
	var b strings.Builder
	var lits [][]byte
	for {
		line, err := ss.r.ReadString('\n')
		if err != nil {
			return nil, err
		}
		line = strings.TrimRight(line, "\r\n")
		n, sync, ok := literalAtEnd(line)
		if !ok {
			b.WriteString(line)
			break
		}
		b.WriteString(line[:strings.LastIndexByte(line, '{')])
		if sync {
			ss.w.WriteString("+ go ahead\r\n")
			ss.w.Flush()
		}
		lit := make([]byte, n)
		if _, err := io.ReadFull(ss.r, lit); err != nil {
			return nil, err
		}
		fmt.Fprintf(&b, "\x00%d", len(lits))
		lits = append(lits, lit)
	}
	line := b.String()
	tag, rest, _ := strings.Cut(line, " ")
	name, args, _ := strings.Cut(rest, " ")
	name = strings.ToUpper(name)
	if name == "UID" {
		sub, a, _ := strings.Cut(args, " ")
		name, args = "UID "+strings.ToUpper(sub), a
	}
	return &command{tag: tag, name: name, args: args, lits: lits}, nil
}

func literalAtEnd(line string) (n int, sync, ok bool) {
	if !strings.HasSuffix(line, "}") {
		return 0, false, false
	}
	i := strings.LastIndexByte(line, '{')
	if i < 0 {
		return 0, false, false
	}
	num := line[i+1 : len(line)-1]
	sync = !strings.HasSuffix(num, "+")
	n, err := strconv.Atoi(strings.TrimSuffix(num, "+"))
	return n, sync, err == nil
}

// arg returns the first astring of args (quoted, literal marker or atom)
// and the rest.
func (cmd *command) arg(args string) (string, string) {
	args = strings.TrimLeft(args, " ")
	switch {
	case strings.HasPrefix(args, `"`):
		var b strings.Builder
		for i := 1; i < len(args); i++ {
			switch args[i] {
			case '\\':
				i++
				if i < len(args) {
					b.WriteByte(args[i])
				}
			case '"':
				return b.String(), args[i+1:]
			default:
				b.WriteByte(args[i])
			}
		}
		return b.String(), ""
	case strings.HasPrefix(args, "\x00"):
		j := 1
		for j < len(args) && args[j] >= '0' && args[j] <= '9' {
			j++
		}
		k, _ := strconv.Atoi(args[1:j])
		if k < len(cmd.lits) {
			return string(cmd.lits[k]), args[j:]
		}
		return "", args[j:]
	default:
		a, rest, _ := strings.Cut(args, " ")
		return a, rest
	}
}

func (ss *session) send(format string, a ...any) {
	fmt.Fprintf(ss.w, format, a...)
}

func (ss *session) stall() {
	ss.w.Flush()
	select {
	case <-ss.s.done:
	case <-ss.waitClosed():
	}
}

// waitClosed reads (and drops) what the client sends until it goes away.
func (ss *session) waitClosed() <-chan struct{} {
	ch := make(chan struct{})
	go func() {
		io.Copy(io.Discard, ss.r)
		close(ch)
	}()
	return ch
}

func (ss *session) run() {
	ss.send("* OK fakeimap ready\r\n")
	ss.w.Flush()
	for {
		cmd, err := ss.readCommand()
		if err != nil {
			return
		}
		s := ss.s
		if s.Respond != nil {
			raw, stall := s.Respond(cmd.name, cmd.args)
			tagged := strings.Contains(raw, "$TAG ")
			ss.send("%s", strings.ReplaceAll(raw, "$TAG ", cmd.tag+" "))
			if stall {
				ss.stall()
				return
			}
			if raw != "" {
				if !tagged {
					ss.send("%s OK done\r\n", cmd.tag)
				}
				ss.w.Flush()
				continue
			}
		}
		if !ss.handle(cmd) {
			ss.w.Flush()
			return
		}
		if err := ss.w.Flush(); err != nil {
			return
		}
	}
}

func (ss *session) handle(cmd *command) bool {
	s := ss.s
	switch cmd.name {
	case "CAPABILITY":
		ss.send("* CAPABILITY %s\r\n%s OK done\r\n", s.Caps, cmd.tag)
	case "NOOP", "SUBSCRIBE", "CHECK":
		ss.send("%s OK done\r\n", cmd.tag)
	case "LOGOUT":
		ss.send("* BYE bye\r\n%s OK done\r\n", cmd.tag)
		return false
	case "LOGIN":
		user, rest := cmd.arg(cmd.args)
		pw, _ := cmd.arg(rest)
		switch {
		case s.LoginNO != "":
			ss.send("%s NO %s\r\n", cmd.tag, strings.ReplaceAll(s.LoginNO, "%s", pw))
		case user == s.User && pw == s.Password:
			ss.send("%s OK [CAPABILITY %s] Logged in\r\n", cmd.tag, s.Caps)
		default:
			ss.send("%s NO [AUTHENTICATIONFAILED] Authentication failed.\r\n", cmd.tag)
		}
	case "LIST":
		ref, rest := cmd.arg(cmd.args)
		pat, _ := cmd.arg(rest)
		_ = ref
		if pat == "" {
			ss.send("* LIST (\\Noselect) \"/\" \"\"\r\n")
		} else {
			s.mu.Lock()
			for _, m := range s.mailboxes {
				if m.ListLine != "" {
					ss.send("%s\r\n", m.ListLine)
				} else {
					ss.send("* LIST () \"/\" %s\r\n", astring(m.Name))
				}
			}
			s.mu.Unlock()
		}
		ss.send("%s OK done\r\n", cmd.tag)
	case "STATUS":
		name, _ := cmd.arg(cmd.args)
		m := s.mailbox(name)
		if m == nil {
			ss.send("%s NO [NONEXISTENT] no such mailbox\r\n", cmd.tag)
			break
		}
		ss.send("* STATUS %s (MESSAGES %d UIDVALIDITY %d UIDNEXT %d)\r\n%s OK done\r\n", astring(name), len(m.Messages), m.UIDValidity, m.uidNext(), cmd.tag)
	case "SELECT", "EXAMINE":
		name, _ := cmd.arg(cmd.args)
		m := s.mailbox(name)
		if m == nil {
			ss.sel = nil
			ss.send("%s NO [NONEXISTENT] no such mailbox\r\n", cmd.tag)
			break
		}
		ss.sel = m
		ss.send("* FLAGS (\\Seen \\Answered \\Flagged \\Deleted \\Draft)\r\n* %d EXISTS\r\n* 0 RECENT\r\n* OK [UIDVALIDITY %d] ok\r\n* OK [UIDNEXT %d] ok\r\n%s OK [READ-ONLY] done\r\n",
			len(m.Messages), m.UIDValidity, m.uidNext(), cmd.tag)
	case "CREATE":
		name, _ := cmd.arg(cmd.args)
		s.mu.Lock()
		if s.mailboxLocked(name) == nil {
			s.mailboxes = append(s.mailboxes, &Mailbox{Name: name, UIDValidity: 1})
		}
		s.mu.Unlock()
		ss.send("%s OK done\r\n", cmd.tag)
	case "APPEND":
		if len(cmd.lits) > 0 {
			s.mu.Lock()
			s.appended = append(s.appended, cmd.lits[len(cmd.lits)-1])
			s.mu.Unlock()
		}
		ss.send("%s OK done\r\n", cmd.tag)
	case "UID SEARCH":
		var uids []string
		if ss.sel != nil {
			for _, m := range ss.sel.Messages {
				uids = append(uids, strconv.FormatUint(uint64(m.UID), 10))
			}
		}
		ss.send("* SEARCH %s\r\n%s OK done\r\n", strings.Join(uids, " "), cmd.tag)
	case "UID FETCH":
		if ss.sel == nil {
			ss.send("%s BAD no mailbox selected\r\n", cmd.tag)
			break
		}
		return ss.fetch(cmd)
	default:
		ss.send("%s BAD unknown command %s\r\n", cmd.tag, cmd.name)
	}
	return true
}

func (ss *session) fetch(cmd *command) bool {
	set, items, _ := strings.Cut(cmd.args, " ")
	upper := strings.ToUpper(items)
	body := strings.Contains(upper, "BODY.PEEK[]") || strings.Contains(upper, "BODY[]")
	section := ""
	if i := strings.Index(upper, "BODY.PEEK["); i >= 0 && !body {
		j := strings.IndexByte(items[i:], ']')
		section = "BODY[" + items[i+len("BODY.PEEK["):i+j] + "]"
	}
	for seq, m := range ss.sel.Messages {
		if !inSet(set, m.UID) {
			continue
		}
		if body {
			if m.Fetch != "" {
				ss.send("%s", m.Fetch)
				continue
			}
			if m.Stall {
				ss.send("* %d FETCH (UID %d BODY[] {%d}\r\n", seq+1, m.UID, len(m.Data))
				ss.w.Write(m.Data[:min(m.StallAfter, len(m.Data))])
				ss.stall()
				return false
			}
			ss.send("* %d FETCH (UID %d BODY[] {%d}\r\n", seq+1, m.UID, len(m.Data))
			ss.w.Write(m.Data)
			ss.send(")\r\n")
			continue
		}
		ss.send("* %d FETCH (UID %d FLAGS (\\Seen) INTERNALDATE \"05-Dec-2026 09:00:00 +0000\" RFC822.SIZE %d", seq+1, m.UID, len(m.Data))
		if section != "" {
			h := m.Data
			if k := bytes.Index(h, []byte("\r\n\r\n")); k >= 0 {
				h = h[:k+4]
			}
			ss.send(" %s {%d}\r\n", section, len(h))
			ss.w.Write(h)
		}
		ss.send(")\r\n")
	}
	ss.send("%s OK done\r\n", cmd.tag)
	return true
}

func (m *Mailbox) uidNext() uint32 {
	var n uint32
	for _, msg := range m.Messages {
		n = max(n, msg.UID)
	}
	return n + 1
}

func (s *Server) mailbox(name string) *Mailbox {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.mailboxLocked(name)
}

func (s *Server) mailboxLocked(name string) *Mailbox {
	for _, m := range s.mailboxes {
		if m.Name == name || (strings.EqualFold(name, "INBOX") && strings.EqualFold(m.Name, "INBOX")) {
			return m
		}
	}
	return nil
}

// astring quotes s, or makes it a literal when a quoted string cannot
// carry it.
func astring(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return fmt.Sprintf("{%d}\r\n%s", len(s), s)
		}
	}
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

// inSet reports whether uid is in a UID set such as "1:3,7,9:*".
func inSet(set string, uid uint32) bool {
	for _, r := range strings.Split(set, ",") {
		lo, hi, isRange := strings.Cut(r, ":")
		a := parseNum(lo)
		b := a
		if isRange {
			b = parseNum(hi)
		}
		if a > b {
			a, b = b, a
		}
		if uid >= a && uid <= b {
			return true
		}
	}
	return false
}

func parseNum(s string) uint32 {
	if s == "*" {
		return ^uint32(0)
	}
	n, _ := strconv.ParseUint(s, 10, 32)
	return uint32(n)
}

// Msg builds a small CRLF message with a Message-ID.
func Msg(id, subject string) []byte {
	return []byte("Message-ID: <" + id + "@fake>\r\nFrom: a@example.com\r\nSubject: " + subject +
		"\r\nDate: Sat, 05 Dec 2026 09:00:00 +0000\r\n\r\nbody of " + id + "\r\n")
}
