// Package fakepop3 is a small POP3 server for tests, with the quirks real
// servers have: lines ended by a bare LF, no TOP, no UIDL, no CAPA, the
// maildrop lock (-ERR [IN-USE]), and a connection cut in the middle of a
// RETR. It serves one user on 127.0.0.1, plaintext.
package fakepop3

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Options select the quirks.
type Options struct {
	User, Password string
	LFOnly         bool // every line the server sends ends with "\n" only
	NoTop          bool // TOP answers -ERR
	NoUIDL         bool // UIDL answers -ERR
	NoCapa         bool // CAPA answers -ERR
	// InUse makes that many logins answer -ERR [IN-USE].
	InUse int
	// CutRETR cuts the connection after sending half of the RETR of the
	// given 1-based message numbers, once each.
	CutRETR []int
	// DropOnQuit closes the connection at QUIT without deleting anything.
	DropOnQuit bool
}

// Server is a running fake. Messages are the maildrop, as stored (any line
// ends); the server sends each with CRLF line ends (or LF with LFOnly) and
// byte-stuffs lines starting with ".".
type Server struct {
	Addr string
	opts Options
	ln   net.Listener

	mu       sync.Mutex
	msgs     [][]byte
	uidls    []string
	inUse    int
	cut      map[int]bool
	retrs    int // RETR commands answered +OK
	Deleted  []string
	sessions int
	tops     int
	tag      string // makes the UIDLs of each server unique
}

// Tops is the number of TOP commands answered.
func (s *Server) Tops() int { s.mu.Lock(); defer s.mu.Unlock(); return s.tops }

// Start listens on 127.0.0.1 and serves until Close.
func Start(opts Options, msgs [][]byte) (*Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &Server{Addr: ln.Addr().String(), opts: opts, ln: ln, inUse: opts.InUse, cut: map[int]bool{},
		tag: strconv.FormatInt(time.Now().UnixNano(), 36)}
	for _, n := range opts.CutRETR {
		s.cut[n] = true
	}
	for i, m := range msgs {
		s.msgs = append(s.msgs, m)
		s.uidls = append(s.uidls, fmt.Sprintf("%s-%04d", s.tag, i+1))
	}
	go s.serve()
	return s, nil
}

// Close stops the server.
func (s *Server) Close() error { return s.ln.Close() }

// Count is the number of messages left in the maildrop.
func (s *Server) Count() int { s.mu.Lock(); defer s.mu.Unlock(); return len(s.msgs) }

// Add appends a message to the maildrop.
func (s *Server) Add(m []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.msgs = append(s.msgs, m)
	s.uidls = append(s.uidls, fmt.Sprintf("%s-%04d", s.tag, len(s.uidls)+1+len(s.Deleted)))
}

func (s *Server) serve() {
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		go s.session(c)
	}
}

// Wire returns message m as the server sends it: CRLF (or LF) line ends,
// dot-stuffed, without the terminating ".".
func Wire(m []byte, lfOnly bool) []byte {
	var out bytes.Buffer
	eol := "\r\n"
	if lfOnly {
		eol = "\n"
	}
	for len(m) > 0 {
		var line []byte
		if i := bytes.IndexByte(m, '\n'); i >= 0 {
			line, m = m[:i], m[i+1:]
		} else {
			line, m = m, nil
		}
		line = bytes.TrimSuffix(line, []byte("\r"))
		if len(line) > 0 && line[0] == '.' {
			out.WriteByte('.')
		}
		out.Write(line)
		out.WriteString(eol)
	}
	return out.Bytes()
}

func (s *Server) session(c net.Conn) {
	defer c.Close()
	r := bufio.NewReader(c)
	w := bufio.NewWriter(c)
	eol := "\r\n"
	if s.opts.LFOnly {
		eol = "\n"
	}
	send := func(l string) { w.WriteString(l + eol) }
	send("+OK fakepop3 ready")
	w.Flush()
	user, authed := "", false
	// The session's view: deleted marks by index.
	var dele map[int]bool
	var msgs [][]byte
	var uidls []string
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimRight(line, "\r\n")
		cmd, arg, _ := strings.Cut(line, " ")
		cmd = strings.ToUpper(cmd)
		num := func() (int, bool) {
			a, _, _ := strings.Cut(arg, " ")
			n, err := strconv.Atoi(a)
			if err != nil || n < 1 || n > len(msgs) || dele[n-1] {
				send("-ERR no such message")
				return 0, false
			}
			return n, true
		}
		switch {
		case cmd == "CAPA":
			if s.opts.NoCapa {
				send("-ERR unknown command")
				break
			}
			send("+OK")
			send("USER")
			if !s.opts.NoTop {
				send("TOP")
			}
			if !s.opts.NoUIDL {
				send("UIDL")
			}
			send(".")
		case cmd == "USER":
			user = arg
			send("+OK")
		case cmd == "PASS":
			if user != s.opts.User || arg != s.opts.Password {
				send("-ERR [AUTH] invalid login")
				break
			}
			s.mu.Lock()
			if s.inUse > 0 {
				s.inUse--
				s.mu.Unlock()
				send("-ERR [IN-USE] maildrop locked")
				w.Flush()
				return
			}
			s.sessions++
			msgs = append([][]byte(nil), s.msgs...)
			uidls = append([]string(nil), s.uidls...)
			s.mu.Unlock()
			dele = map[int]bool{}
			authed = true
			send("+OK logged in")
		case cmd == "QUIT" && s.opts.DropOnQuit:
			return
		case cmd == "QUIT":
			if authed {
				s.mu.Lock()
				var keep [][]byte
				var keepU []string
				for i := range s.msgs {
					if i < len(msgs) && dele[i] {
						s.Deleted = append(s.Deleted, s.uidls[i])
						continue
					}
					keep, keepU = append(keep, s.msgs[i]), append(keepU, s.uidls[i])
				}
				s.msgs, s.uidls = keep, keepU
				s.mu.Unlock()
			}
			send("+OK bye")
			w.Flush()
			return
		case !authed:
			send("-ERR not logged in")
		case cmd == "STAT":
			n, sz := 0, 0
			for i, m := range msgs {
				if !dele[i] {
					n, sz = n+1, sz+len(Wire(m, false))
				}
			}
			send(fmt.Sprintf("+OK %d %d", n, sz))
		case cmd == "LIST":
			send("+OK")
			for i, m := range msgs {
				if !dele[i] {
					send(fmt.Sprintf("%d %d", i+1, len(Wire(m, false))))
				}
			}
			send(".")
		case cmd == "UIDL":
			if s.opts.NoUIDL {
				send("-ERR unknown command")
				break
			}
			send("+OK")
			for i := range msgs {
				if !dele[i] {
					send(fmt.Sprintf("%d %s", i+1, uidls[i]))
				}
			}
			send(".")
		case cmd == "TOP":
			if s.opts.NoTop {
				send("-ERR unknown command")
				break
			}
			n, ok := num()
			if !ok {
				break
			}
			s.mu.Lock()
			s.tops++
			s.mu.Unlock()
			wire := Wire(msgs[n-1], s.opts.LFOnly)
			h := wire
			if i := bytes.Index(wire, []byte(eol+eol)); i >= 0 {
				h = wire[:i+2*len(eol)]
			}
			send("+OK")
			w.Write(h)
			send(".")
		case cmd == "RETR":
			n, ok := num()
			if !ok {
				break
			}
			wire := Wire(msgs[n-1], s.opts.LFOnly)
			s.mu.Lock()
			cut := s.cut[n]
			delete(s.cut, n)
			if !cut {
				s.retrs++
			}
			s.mu.Unlock()
			send(fmt.Sprintf("+OK %d octets", len(wire)))
			if cut {
				w.Write(wire[:len(wire)/2])
				w.Flush()
				return
			}
			w.Write(wire)
			send(".")
		case cmd == "DELE":
			if n, ok := num(); ok {
				dele[n-1] = true
				send("+OK deleted")
			}
		case cmd == "NOOP":
			send("+OK")
		case cmd == "RSET":
			dele = map[int]bool{}
			send("+OK")
		default:
			send("-ERR unknown command")
		}
		w.Flush()
	}
}

// RETRs is the number of RETR commands answered in full.
func (s *Server) RETRs() int { s.mu.Lock(); defer s.mu.Unlock(); return s.retrs }
