package labserver

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

var dovecotLayouts = []struct {
	name   string
	prefix string
	delim  rune
}{
	{"default", "", '/'},
	{"INBOX.", "INBOX.", '.'},
}

func TestDovecotStart(t *testing.T) {
	for _, l := range dovecotLayouts {
		t.Run(l.name, func(t *testing.T) {
			t.Parallel()
			begin := time.Now()
			s := StartDovecot(t, &DovecotConfig{NamespacePrefix: l.prefix})
			t.Logf("dovecot up in %v at %s", time.Since(begin).Round(time.Millisecond), s.Dir)

			c := s.Dial(t, "alice")
			ns, err := c.Namespace().Wait()
			if err != nil {
				t.Fatalf("NAMESPACE: %v", err)
			}
			if len(ns.Personal) != 1 || ns.Personal[0].Prefix != l.prefix || ns.Personal[0].Delim != l.delim {
				t.Errorf("NAMESPACE personal = %+v, want prefix %q delimiter %q", ns.Personal, l.prefix, l.delim)
			}

			boxes, err := c.List("", "*", &imap.ListOptions{ReturnSpecialUse: true}).Collect()
			if err != nil {
				t.Fatalf("LIST: %v", err)
			}
			got := map[imap.MailboxAttr]string{}
			for _, b := range boxes {
				if b.Delim != l.delim {
					t.Errorf("LIST %q: delimiter %q, want %q", b.Mailbox, b.Delim, l.delim)
				}
				for _, a := range b.Attrs {
					got[a] = b.Mailbox
				}
			}
			for attr, name := range map[imap.MailboxAttr]string{
				imap.MailboxAttrSent:    "Sent",
				imap.MailboxAttrDrafts:  "Drafts",
				imap.MailboxAttrTrash:   "Trash",
				imap.MailboxAttrJunk:    "Junk",
				imap.MailboxAttrArchive: "Archive",
			} {
				if want := l.prefix + name; got[attr] != want {
					t.Errorf("LIST: %s is %q, want %q (all: %v)", attr, got[attr], want, listNames(boxes))
				}
			}

			if !c.Caps().Has(imap.CapQuota) || !c.Caps().Has(imap.CapLiteralPlus) || !c.Caps().Has(imap.CapSpecialUse) {
				t.Errorf("capabilities %v lack QUOTA, LITERAL+ or SPECIAL-USE", c.Caps())
			}
			if limit, ok := c.Caps().AppendLimit(); ok && limit != nil && *limit < 50<<20 {
				t.Errorf("APPENDLIMIT=%d is too small", *limit)
			}

			quota := storageLimit(t, c)
			if want := int64(DefaultQuotaBytes / 1024); quota != want {
				t.Errorf("alice's STORAGE limit = %d KiB, want %d", quota, want)
			}
			if _, err := os.Stat(s.MailDir("alice")); err != nil {
				t.Errorf("MailDir: %v", err)
			}
		})
	}
}

func TestDovecotTLS(t *testing.T) {
	t.Parallel()
	s := StartDovecot(t, nil)

	// The CA file alone verifies both IMAPS and STARTTLS, by IP and by name.
	pem, err := os.ReadFile(s.CACertFile)
	if err != nil {
		t.Fatal(err)
	}
	cfg := &tls.Config{RootCAs: x509Pool(t, pem)}
	for _, tc := range []struct {
		name string
		dial func() (*imapclient.Client, error)
	}{
		{"imaps", func() (*imapclient.Client, error) {
			return imapclient.DialTLS(s.TLSAddr, &imapclient.Options{TLSConfig: cfg})
		}},
		{"imaps-localhost", func() (*imapclient.Client, error) {
			_, port, _ := net.SplitHostPort(s.TLSAddr)
			return imapclient.DialTLS(net.JoinHostPort("localhost", port), &imapclient.Options{TLSConfig: cfg})
		}},
		{"starttls", func() (*imapclient.Client, error) {
			return imapclient.DialStartTLS(s.Addr, &imapclient.Options{TLSConfig: cfg})
		}},
	} {
		c, err := tc.dial()
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if err := c.Login("alice", Password).Wait(); err != nil {
			t.Errorf("%s: LOGIN: %v", tc.name, err)
		}
		c.Close()
	}

	// Without the CA the certificate must not verify.
	if c, err := imapclient.DialTLS(s.TLSAddr, &imapclient.Options{TLSConfig: &tls.Config{}}); err == nil {
		if err := c.Login("alice", Password).Wait(); err == nil {
			t.Error("IMAPS verified without the test CA")
		}
		c.Close()
	}
}

func TestDovecotQuota(t *testing.T) {
	t.Parallel()
	s := StartDovecot(t, &DovecotConfig{QuotaBytes: 5 << 20})

	if got := storageLimit(t, s.Dial(t, "alice")); got != 5<<10 {
		t.Errorf("alice (QuotaBytes 5 MiB): STORAGE limit %d KiB, want %d", got, 5<<10)
	}
	c := s.Dial(t, "small")
	if got := storageLimit(t, c); got != 1024 {
		t.Errorf("small: STORAGE limit %d KiB, want 1024", got)
	}

	body := []byte("From: a@example.org\r\nSubject: big\r\n\r\n" + strings.Repeat(strings.Repeat("x", 998)+"\r\n", 2<<10))
	cmd := c.Append("INBOX", int64(len(body)), nil)
	_, werr := cmd.Write(body)
	cerr := cmd.Close()
	_, err := cmd.Wait()
	var ie *imap.Error
	if !errors.As(err, &ie) || (ie.Code != imap.ResponseCodeOverQuota && !strings.Contains(strings.ToLower(ie.Text), "quota")) {
		t.Fatalf("APPEND of %d bytes as small: %v (write %v, close %v), want NO [OVERQUOTA]", len(body), err, werr, cerr)
	}
	t.Logf("APPEND over quota: %v", err)

	// A small message still fits. (A new connection: go-imap v2.0.0-beta.8
	// closes its connection when the server refuses a synchronizing literal.)
	c = s.Dial(t, "small")
	small := []byte("From: a@example.org\r\nSubject: small\r\n\r\nhello\r\n")
	cmd = c.Append("INBOX", int64(len(small)), nil)
	cmd.Write(small)
	cmd.Close()
	if _, err := cmd.Wait(); err != nil {
		t.Fatalf("small APPEND after OVERQUOTA: %v", err)
	}

	out := s.Doveadm(t, "quota", "get", "-u", "small")
	if !strings.Contains(out, "STORAGE") || !strings.Contains(out, "1024") {
		t.Errorf("doveadm quota get -u small:\n%s", out)
	}
}

func TestDovecotPOP3(t *testing.T) {
	t.Parallel()
	s := StartDovecot(t, nil)
	conn, err := net.DialTimeout("tcp", s.POP3Addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	r := bufio.NewReader(conn)
	for _, cmd := range []string{"", "USER bob", "PASS " + Password, "STAT", "QUIT"} {
		if cmd != "" {
			conn.Write([]byte(cmd + "\r\n"))
		}
		line, err := r.ReadString('\n')
		if err != nil || !strings.HasPrefix(line, "+OK") {
			t.Fatalf("POP3 %q: %q %v%s", cmd, line, err, s.logTail())
		}
	}
}

func TestResetUserAndDoveadm(t *testing.T) {
	t.Parallel()
	s := StartDovecot(t, nil)
	c := s.Dial(t, "bob")
	if err := c.Create("Projects/2024", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	msg := []byte("From: a@example.org\r\nSubject: hello\r\n\r\nbody\r\n")
	cmd := c.Append("INBOX", int64(len(msg)), nil)
	cmd.Write(msg)
	cmd.Close()
	if _, err := cmd.Wait(); err != nil {
		t.Fatal(err)
	}
	if out := s.Doveadm(t, "mailbox", "list", "-u", "bob"); !strings.Contains(out, "Projects/2024") {
		t.Errorf("doveadm mailbox list:\n%s", out)
	}
	if out := s.Doveadm(t, "fetch", "-u", "bob", "hdr", "mailbox", "INBOX", "all"); !strings.Contains(out, "Subject: hello") {
		t.Errorf("doveadm fetch:\n%s", out)
	}

	s.ResetUser(t, "bob")
	select {
	case <-c.Closed():
	case <-time.After(5 * time.Second):
		t.Error("bob's session still open after ResetUser")
	}
	c = s.Dial(t, "bob")
	boxes, err := c.List("", "*", nil).Collect()
	if err != nil {
		t.Fatal(err)
	}
	if names := listNames(boxes); strings.Contains(strings.Join(names, " "), "Projects") {
		t.Errorf("folders after ResetUser: %v", names)
	}
	st, err := c.Status("INBOX", &imap.StatusOptions{NumMessages: true}).Wait()
	if err != nil {
		t.Fatal(err)
	}
	if *st.NumMessages != 0 {
		t.Errorf("INBOX has %d messages after ResetUser", *st.NumMessages)
	}
	if strings.Contains(s.Log(), "Error:") {
		t.Errorf("errors in the log:%s", s.logTail())
	}
}

func TestDovecotStopLeavesNothing(t *testing.T) {
	var dir string
	var pid int
	t.Run("server", func(t *testing.T) {
		s := StartDovecot(t, nil)
		dir, pid = s.Dir, s.cmd.Process.Pid
		s.Dial(t, "alice")
	})
	if dir == "" {
		t.Skip("no server was started")
	}
	if groupAlive(pid) {
		t.Errorf("processes of group %d still alive after cleanup", pid)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("%s still exists after cleanup: %v", dir, err)
	}
}

func TestDovecotPortInUseRetries(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	busyPort := busy.Addr().(*net.TCPAddr).Port
	calls := 0
	pickPorts = func(n int) ([]int, error) {
		calls++
		ports, err := freePorts(n)
		if calls == 1 && err == nil {
			ports[1] = busyPort // IMAPS
		}
		return ports, err
	}
	defer func() { pickPorts = freePorts }()

	s := StartDovecot(t, nil)
	if calls != 2 {
		t.Errorf("ports picked %d times, want 2", calls)
	}
	if s.TLSAddr == busy.Addr().String() {
		t.Errorf("TLSAddr is the busy %s", s.TLSAddr)
	}
	s.Dial(t, "alice")
}

func TestDovecotRequired(t *testing.T) {
	t.Setenv("CI", "")
	t.Setenv("MAILFERRY_REQUIRE_DOVECOT", "")
	if requiredDovecot() {
		t.Error("requiredDovecot() without CI")
	}
	t.Setenv("CI", "true")
	if !requiredDovecot() {
		t.Error("not requiredDovecot() with CI=true")
	}
	t.Setenv("CI", "")
	t.Setenv("MAILFERRY_REQUIRE_DOVECOT", "1")
	if !requiredDovecot() {
		t.Error("not requiredDovecot() with MAILFERRY_REQUIRE_DOVECOT=1")
	}
}

func storageLimit(t *testing.T, c *imapclient.Client) int64 {
	t.Helper()
	roots, err := c.GetQuotaRoot("INBOX").Wait()
	if err != nil {
		t.Fatalf("GETQUOTAROOT INBOX: %v", err)
	}
	for _, q := range roots {
		if r, ok := q.Resources[imap.QuotaResourceStorage]; ok {
			return r.Limit
		}
	}
	t.Fatalf("GETQUOTAROOT INBOX: no STORAGE resource in %+v", roots)
	return 0
}

func x509Pool(t *testing.T, pem []byte) *x509.CertPool {
	t.Helper()
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		t.Fatal("CACertFile holds no PEM certificate")
	}
	return pool
}

func listNames(boxes []*imap.ListData) []string {
	var names []string
	for _, b := range boxes {
		names = append(names, b.Mailbox)
	}
	return names
}
