package main

import (
	"bufio"
	"errors"
	"fmt"
	"log"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/mailferry/mailferry/internal/labserver"
)

// benchServer is the IMAP server of the push/pull comparison (-server):
// the private Dovecot, or Cyrus IMAP (both layouts) or Courier-IMAP
// started through internal/labserver (issue 22).
type benchServer struct {
	kind string
	dv   *labserver.Dovecot
	lab  *labserver.Server
}

// serverKinds are the values of -server.
var serverKinds = []string{"dovecot", "cyrus", "cyrus-unix", "courier"}

// startBenchServer starts a server of kind. On Cyrus and Courier alice's
// quota is labserver's 100 MiB: -count × -avg-size must fit.
func startBenchServer(kind string) (*benchServer, error) {
	if kind == "dovecot" {
		dv, err := labserver.LaunchDovecot(&labserver.DovecotConfig{QuotaBytes: 64 << 30})
		if err != nil {
			return nil, err
		}
		return &benchServer{kind: kind, dv: dv}, nil
	}
	ok := false
	for _, k := range labserver.Kinds() {
		ok = ok || string(k) == kind
	}
	if !ok {
		return nil, fmt.Errorf("-server %q: want one of %s", kind, strings.Join(serverKinds, ", "))
	}
	s := &benchServer{kind: kind}
	if err := s.launch(); err != nil {
		return nil, err
	}
	return s, nil
}

// launch starts a Cyrus or Courier whose alice sees only her own quota
// root. QUIRK (server): Cyrus 3.6 sometimes names another user's root
// (user.small, 1 MiB) in alice's GETQUOTAROOT INBOX even after labserver's
// "quota -f" repair, and mailferry then rightly refuses the push; such a
// server is replaced (at most 5 times).
func (s *benchServer) launch() error {
	for try := 1; ; try++ {
		err := s.launchOnce()
		if err == nil || !errors.Is(err, errForeignRoot) || try == 5 {
			return err
		}
		log.Printf("%v; starting another %s", err, s.kind)
	}
}

var errForeignRoot = errors.New("alice's INBOX names another quota root")

func (s *benchServer) launchOnce() error {
	lab, err := labserver.Launch(labserver.Kind(s.kind), nil)
	if err != nil {
		return err
	}
	// alice keeps labserver's 100 MiB: a SETQUOTA here makes Cyrus 3.6
	// name other users' roots in alice's GETQUOTAROOT (see below and
	// labserver's cyrusSetQuota) far more often.
	if lab.Kind == labserver.Courier {
		s.lab = lab
		return nil
	}
	c, err := imapclient.DialInsecure(lab.Addr, nil)
	if err != nil {
		lab.Stop()
		return err
	}
	defer c.Close()
	if err := c.Login("alice", labserver.Password).Wait(); err != nil {
		lab.Stop()
		return err
	}
	qd, err := c.GetQuotaRoot("INBOX").Wait()
	if err != nil {
		lab.Stop()
		return fmt.Errorf("%s: GETQUOTAROOT INBOX: %w", s.kind, err)
	}
	for _, q := range qd {
		if q.Root != "INBOX" && !strings.HasSuffix(q.Root, "alice") {
			lab.Stop()
			return fmt.Errorf("%s: %w: %q %v", s.kind, errForeignRoot, q.Root, q.Resources)
		}
	}
	c.Logout().Wait()
	s.lab = lab
	return nil
}

// Addr is the server's 127.0.0.1:port; it changes with Reset for Cyrus
// and Courier.
func (s *benchServer) Addr() string {
	if s.dv != nil {
		return s.dv.Addr
	}
	return s.lab.Addr
}

// Reset empties alice's account: Dovecot through doveadm; Cyrus and
// Courier by replacing the server with a fresh one (a new port), so that
// every round starts from the same state as a new account (Cyrus creates
// its special-use folders at the first login).
func (s *benchServer) Reset() error {
	if s.dv != nil {
		return s.dv.Reset("alice")
	}
	s.lab.Stop()
	s.lab = nil
	return s.launch()
}

func (s *benchServer) Stop() {
	if s.dv != nil {
		s.dv.Stop()
	} else if s.lab != nil {
		s.lab.Stop()
	}
}

// Namespace is the personal namespace's prefix and separator.
func (s *benchServer) Namespace() (prefix string, delim rune) {
	if s.dv != nil {
		return s.dv.NamespacePrefix, s.dv.Delimiter
	}
	return s.lab.NamespacePrefix, s.lab.Delimiter
}

// Greeting is the server's IMAP greeting without the capabilities, for
// the report (Cyrus and Courier name their version there).
func (s *benchServer) Greeting() string {
	c, err := net.DialTimeout("tcp", s.Addr(), 2*time.Second)
	if err != nil {
		return s.kind
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(2 * time.Second))
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return s.kind
	}
	line = strings.TrimSpace(strings.TrimPrefix(line, "* OK"))
	if i := strings.Index(line, "]"); strings.HasPrefix(line, "[") && i > 0 {
		line = strings.TrimSpace(line[i+1:])
	}
	return s.kind + " (" + line + ")"
}

// setupServer is setup with the server of -server.
func setupServer(keep bool, kind string) (work, bin string, srv *benchServer, done func(), err error) {
	work, err = os.MkdirTemp("", "mailferry-bench-")
	if err != nil {
		return "", "", nil, nil, err
	}
	remove := func() {
		if !keep {
			os.RemoveAll(work)
		}
	}
	bin = filepath.Join(work, "mailferry")
	log.Printf("building mailferry")
	if out, err := exec.Command("go", "build", "-o", bin, "./cmd/mailferry").CombinedOutput(); err != nil {
		remove()
		return "", "", nil, nil, fmt.Errorf("go build: %v\n%s", err, out)
	}
	srv, err = startBenchServer(kind)
	if err != nil {
		remove()
		return "", "", nil, nil, err
	}
	return work, bin, srv, func() { srv.Stop(); remove() }, nil
}
