package labserver

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2/imapclient"
)

// Password is the password of every user of every server, Dovecot too (so a
// test can use one for every server).
const Password = "ferry-test-pw-4711"

// Quotas of the users at start, in bytes.
const (
	DefaultQuotaBytes = 100 << 20 // alice and bob
	SmallQuotaBytes   = 1 << 20   // small
)

// Users returns the accounts every Server has.
func Users() []string { return []string{"alice", "bob", "small"} }

// Kind is a server and layout.
type Kind string

const (
	// Cyrus is Cyrus IMAP in Debian's layout: separator ".", personal
	// folders below "INBOX." (INBOX.Sent).
	Cyrus Kind = "cyrus"
	// CyrusUnix is Cyrus IMAP in upstream's layout: unixhierarchysep and
	// altnamespace, separator "/", no prefix (Sent).
	CyrusUnix Kind = "cyrus-unix"
	// Courier is Courier-IMAP on Maildir++: separator ".", prefix "INBOX.",
	// no MULTIAPPEND, no SPECIAL-USE, no special folders at the start.
	Courier Kind = "courier"
)

// Kinds lists every server this package can start.
func Kinds() []Kind { return []Kind{Cyrus, CyrusUnix, Courier} }

// Config adjusts a server. A nil *Config is the zero Config.
type Config struct {
	// NoMultiAppend hides MULTIAPPEND and UIDPLUS from Cyrus' CAPABILITY
	// (suppress_capabilities), so that clients append one by one as with
	// Courier. Courier never has MULTIAPPEND.
	NoMultiAppend bool
	// Munge8bit keeps Cyrus' default of replacing raw 8-bit bytes in
	// headers by "X" (while APPEND says OK). The default here is
	// "munge8bit: no", which stores headers unchanged.
	Munge8bit bool
}

// ErrNotInstalled is returned by Launch when the server's binaries are
// not where .ci/servers puts them.
var ErrNotInstalled = errors.New("server not installed")

// Server is a running private server. Its fields must not be changed.
type Server struct {
	Kind Kind
	Addr string // 127.0.0.1:port, plaintext IMAP, LOGIN allowed
	Dir  string // everything of this server: configuration, logs, mail

	// NamespacePrefix and Delimiter describe the personal namespace.
	NamespacePrefix string
	Delimiter       rune
	// MultiAppend says whether the server announces MULTIAPPEND.
	MultiAppend bool

	setQuota func(user string, bytes, messages int64) error
	logs     []string // files for failure messages

	mntNS string // Courier: its mount namespace, as /proc/PID/ns/mnt reads
	proc
}

// T is the part of testing.TB that Start, StartDovecot and the test
// helpers (Dial, Doveadm, ResetUser, FixOwnership) use: pass a test's t.
// Taking an interface rather than testing.TB keeps the package "testing"
// out of the programs (mailferry demo, bench) that launch servers.
type T interface {
	Helper()
	Cleanup(func())
	Errorf(format string, args ...any)
	Fatalf(format string, args ...any)
	Skipf(format string, args ...any)
}

// ServersDir is where .ci/servers extracted the packages.
func ServersDir() string {
	if d := os.Getenv("MAILFERRY_SERVERS_DIR"); d != "" {
		return d
	}
	return "/var/cache/mailferry-servers"
}

// required reports whether a missing server fails tests instead of
// skipping them.
func required() bool {
	return os.Getenv("CI") == "true" || os.Getenv("MAILFERRY_REQUIRE_SERVERS") == "1"
}

// Start starts a server of kind k and stops it, removing its files, in
// t.Cleanup. It returns once the server greets IMAP clients and the users
// and quotas are set up. Without the server it skips the test (see the
// package comment).
func Start(t T, k Kind, cfg *Config) *Server {
	t.Helper()
	return startOrSkip(t, func() (*Server, error) { return Launch(k, cfg) }, ErrNotInstalled, required(),
		"CI=true or MAILFERRY_REQUIRE_SERVERS=1", "run .ci/servers as root; set MAILFERRY_REQUIRE_SERVERS=1 to fail instead")
}

// Launch starts a server outside of a test; the caller must call Stop.
func Launch(k Kind, cfg *Config) (*Server, error) {
	if cfg == nil {
		cfg = &Config{}
	}
	if !supported {
		return nil, fmt.Errorf("%w: %s needs Linux", ErrNotInstalled, k)
	}
	switch k {
	case Cyrus, CyrusUnix:
		return launchCyrus(k, cfg)
	case Courier:
		return launchCourier(cfg)
	}
	return nil, fmt.Errorf("unknown server kind %q", k)
}

// SetQuota sets a user's limits: bytes of storage (rounded down to KiB)
// and a number of messages; 0 means no limit of that kind, both 0 no quota
// at all.
func (s *Server) SetQuota(user string, bytes, messages int64) error {
	if !validUser(user) {
		return fmt.Errorf("unknown user %q", user)
	}
	return s.setQuota(user, bytes, messages)
}

// Stop ends the server and removes all its files.
func (s *Server) Stop() error {
	s.stop()
	if err := os.RemoveAll(s.Dir); err != nil {
		return fmt.Errorf("removing %s: %w", s.Dir, err)
	}
	return nil
}

// Dial returns a client logged in as user over plaintext IMAP; it is closed
// in t.Cleanup.
func (s *Server) Dial(t T, user string) *imapclient.Client {
	t.Helper()
	c, err := s.dial(user, Password)
	if err != nil {
		t.Fatalf("labserver: %v%s", err, s.LogTail())
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func (s *Server) dial(user, password string) (*imapclient.Client, error) {
	c, err := imapclient.DialInsecure(s.Addr, &imapclient.Options{Dialer: &net.Dialer{Timeout: 10 * time.Second}})
	if err != nil {
		return nil, fmt.Errorf("%s: dial %s: %w", s.Kind, s.Addr, err)
	}
	if err := c.Login(user, password).Wait(); err != nil {
		c.Close()
		return nil, fmt.Errorf("%s: login as %s: %w", s.Kind, user, err)
	}
	return c, nil
}

// Folder returns the name of a personal folder as the server spells it
// ("Sent" → "INBOX.Sent" or "Sent"; "INBOX" stays).
func (s *Server) Folder(name string) string {
	if strings.EqualFold(name, "INBOX") {
		return "INBOX"
	}
	return s.NamespacePrefix + strings.ReplaceAll(name, "/", string(s.Delimiter))
}

// LogTail is the end of the server's logs, for failure messages.
func (s *Server) LogTail() string {
	var b strings.Builder
	for _, name := range s.logs {
		data, err := os.ReadFile(name)
		if err != nil || len(data) == 0 {
			continue
		}
		lines := strings.SplitAfter(strings.TrimRight(string(data), "\n"), "\n")
		if len(lines) > 40 {
			lines = lines[len(lines)-40:]
		}
		fmt.Fprintf(&b, "\n--- %s (tail) ---\n%s", name, strings.Join(lines, ""))
	}
	return b.String()
}

func validUser(u string) bool {
	for _, v := range Users() {
		if u == v {
			return true
		}
	}
	return false
}

// run starts the server's main process in its own process group, output to
// the file out, and waits until addr greets.
func (s *Server) run(cmd *exec.Cmd, out string, timeout time.Duration) error {
	if err := s.startProc(cmd, out); err != nil {
		return err
	}
	deadline := time.Now().Add(timeout)
	for {
		if err := s.running(string(s.Kind)); err != nil {
			return fmt.Errorf("%w%s", err, s.LogTail())
		}
		if err := greeted(s.Addr, deadline, false); err == nil {
			if err := s.listensOn(s.Addr); err != nil {
				s.kill()
				return err
			}
			return nil
		} else if time.Now().After(deadline) {
			return fmt.Errorf("%s did not greet on %s within %v: %v%s", s.Kind, s.Addr, timeout, err, s.LogTail())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// greeted connects to an IMAP port and reads the greeting: the first
// "* OK" line, or with capability the first "* OK [CAPABILITY " line
// (Dovecot first sends "* OK Waiting for authentication process to
// respond.." while its auth process starts).
func greeted(addr string, deadline time.Time, capability bool) error {
	c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(minTime(deadline, time.Now().Add(2*time.Second)))
	r := bufio.NewReader(c)
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return err
		}
		if !strings.HasPrefix(line, "* OK") {
			return fmt.Errorf("unexpected greeting %q", line)
		}
		if !capability || strings.HasPrefix(line, "* OK [CAPABILITY ") {
			c.Write([]byte("x LOGOUT\r\n"))
			return nil
		}
	}
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// stop ends the server's process group (see proc.stopProc).
func (s *Server) stop() { s.stopProc(s.afterStop) }

// afterStop kills what left the process group: Courier's imapd starts
// gamin's gam_server, which detaches into a session of its own but stays
// in Courier's mount namespace (which vanishes with its last process).
func (s *Server) afterStop() {
	if s.mntNS == "" {
		return
	}
	for deadline := time.Now().Add(5 * time.Second); killNamespace(s.mntNS) && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
}

// executable reports whether path is an executable file.
func executable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0
}

// writeFiles writes name → content below dir.
func writeFiles(dir string, files map[string]string, perm os.FileMode) error {
	for name, data := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, []byte(data), perm); err != nil {
			return err
		}
	}
	return nil
}

func itoa(n int) string { return strconv.Itoa(n) }
