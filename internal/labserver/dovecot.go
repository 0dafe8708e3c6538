package labserver

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"text/template"
	"time"

	"github.com/emersion/go-imap/v2/imapclient"
)

// DovecotConfig selects the server layout. A nil *DovecotConfig means the zero DovecotConfig.
type DovecotConfig struct {
	// NamespacePrefix is "" (the default: separator "/", no prefix) or
	// "INBOX." (separator ".", Courier/Cyrus style: folders are "INBOX.Sent").
	NamespacePrefix string
	// QuotaBytes is the storage quota of the user "alice"; 0 means 100 MiB
	// (DefaultQuotaBytes). The user "small" always has 1 MiB (SmallQuotaBytes),
	// "bob" always 100 MiB. Dovecot reports STORAGE in KiB, rounded down.
	QuotaBytes int64
	// ExtraConf is appended to dovecot.conf (later settings override
	// earlier ones; e.g. an oauth2 passdb, see dovecottest/oauth2.go).
	ExtraConf string
}

// Dovecot is a running private Dovecot. Its fields must not be changed.
type Dovecot struct {
	Addr       string // 127.0.0.1:port, plaintext IMAP (STARTTLS offered)
	TLSAddr    string // 127.0.0.1:port, implicit TLS (imaps)
	POP3Addr   string // 127.0.0.1:port, plaintext POP3 (STLS offered)
	CACertFile string // PEM of the CA that signed the server certificate (SANs 127.0.0.1, ::1, localhost)
	Dir        string // everything of this server: config, sockets, log, mail

	// NamespacePrefix and Delimiter describe the personal namespace:
	// "" and '/', or "INBOX." and '.'.
	NamespacePrefix string
	Delimiter       rune

	conf       string // dovecot.conf
	doveadmBin string
	quota      int64  // alice's quota in bytes
	extraConf  string // DovecotConfig.ExtraConf
	uid, gid   int    // owner of the mail

	proc // dovecot -F, the master
}

// StartDovecot starts a new Dovecot and stops it, removing all its files,
// in t.Cleanup. It returns once the server greets IMAP clients.
//
// Without a dovecot binary (or on a system this package does not support)
// it skips the test, stating the reason, unless the environment has CI=true
// or MAILFERRY_REQUIRE_DOVECOT=1: then it fails the test.
func StartDovecot(t T, cfg *DovecotConfig) *Dovecot {
	t.Helper()
	return startOrSkip(t, func() (*Dovecot, error) { return LaunchDovecot(cfg) }, ErrNoDovecot, requiredDovecot(),
		"CI=true or MAILFERRY_REQUIRE_DOVECOT=1", "set MAILFERRY_REQUIRE_DOVECOT=1 to fail instead")
}

// requiredDovecot reports whether a missing Dovecot fails tests instead of
// skipping them.
func requiredDovecot() bool {
	return os.Getenv("CI") == "true" || os.Getenv("MAILFERRY_REQUIRE_DOVECOT") == "1"
}

// ErrNoDovecot is returned by Launch when dovecot or doveadm is not
// installed.
var ErrNoDovecot = errors.New("dovecot is not installed")

// LaunchDovecot starts a new Dovecot outside of a test (the demo uses it);
// the caller must call Stop. Tests use StartDovecot.
func LaunchDovecot(cfg *DovecotConfig) (*Dovecot, error) {
	if cfg == nil {
		cfg = &DovecotConfig{}
	}
	if cfg.NamespacePrefix != "" && cfg.NamespacePrefix != "INBOX." {
		return nil, fmt.Errorf("DovecotConfig.NamespacePrefix %q: want \"\" or \"INBOX.\"", cfg.NamespacePrefix)
	}
	if cfg.QuotaBytes < 0 {
		return nil, fmt.Errorf("DovecotConfig.QuotaBytes %d is negative", cfg.QuotaBytes)
	}
	dovecotBin, doveadmBin, missing := findBinaries()
	if missing != "" {
		return nil, fmt.Errorf("%w: %s", ErrNoDovecot, missing)
	}

	dir, err := os.MkdirTemp(tempRoot(), "dovecottest-")
	if err != nil {
		return nil, err
	}
	s := &Dovecot{
		Dir:             dir,
		NamespacePrefix: cfg.NamespacePrefix,
		Delimiter:       '/',
		conf:            filepath.Join(dir, "dovecot.conf"),
		doveadmBin:      doveadmBin,
		quota:           cfg.QuotaBytes,
		extraConf:       cfg.ExtraConf,
	}
	if s.quota == 0 {
		s.quota = DefaultQuotaBytes
	}
	if cfg.NamespacePrefix != "" {
		s.Delimiter = '.'
	}
	if err := s.prepare(); err != nil {
		s.Stop()
		return nil, err
	}
	for attempt := 1; ; attempt++ {
		err := s.launch(dovecotBin)
		if err == nil {
			return s, nil
		}
		if errors.Is(err, errAddrInUse) && attempt < 5 {
			// Another process took one of the ports between freePorts and
			// Dovecot's bind: try others.
			continue
		}
		err = fmt.Errorf("%w%s", err, s.logTail())
		s.Stop()
		return nil, err
	}
}

// Stop ends the server and removes all its files.
func (s *Dovecot) Stop() error {
	s.stop()
	if err := os.RemoveAll(s.Dir); err != nil {
		return fmt.Errorf("removing %s: %w", s.Dir, err)
	}
	return nil
}

// findBinaries looks for dovecot and doveadm in PATH and in the Debian
// locations, which are not in an ordinary user's PATH. missing says what
// is missing, "" if nothing.
func findBinaries() (dovecot, doveadm, missing string) {
	if !supported {
		return "", "", "Dovecot needs a Unix system"
	}
	find := func(name string, dirs ...string) string {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
		for _, d := range dirs {
			p := filepath.Join(d, name)
			if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
				return p
			}
		}
		return ""
	}
	dovecot = find("dovecot", "/usr/sbin", "/usr/local/sbin")
	doveadm = find("doveadm", "/usr/bin", "/usr/local/bin")
	if dovecot == "" || doveadm == "" {
		return "", "", "dovecot or doveadm not found (apt-get install dovecot-imapd dovecot-pop3d)"
	}
	return dovecot, doveadm, ""
}

// prepare lays out Dir: certificates, the user database and the users'
// homes, owned by the mail user.
func (s *Dovecot) prepare() error {
	s.uid, s.gid = os.Getuid(), os.Getgid()
	if isRoot() {
		// Dovecot refuses to run mail processes as root: the mail belongs to
		// nobody, which needs to traverse Dir to reach the homes.
		s.uid, s.gid = 65534, 65534
		if u, err := user.Lookup("nobody"); err == nil {
			s.uid, _ = strconv.Atoi(u.Uid)
			s.gid, _ = strconv.Atoi(u.Gid)
		}
		if err := os.Chmod(s.Dir, 0o711); err != nil {
			return err
		}
	}
	c, err := testCerts()
	if err != nil {
		return err
	}
	s.CACertFile = filepath.Join(s.Dir, "ca.pem")
	files := []struct {
		name string
		data []byte
		perm os.FileMode
	}{
		{"ca.pem", c.caPEM, 0o644},
		{"cert.pem", c.chainPEM, 0o644},
		{"key.pem", c.keyPEM, 0o600},
		{"users", s.passwdFile(), 0o644}, // read by the auth process (user dovecot)
	}
	for _, f := range files {
		if err := os.WriteFile(filepath.Join(s.Dir, f.name), f.data, f.perm); err != nil {
			return err
		}
	}
	if err := os.Mkdir(filepath.Join(s.Dir, "home"), 0o711); err != nil {
		return err
	}
	for _, u := range Users() {
		if err := s.makeHome(u); err != nil {
			return err
		}
	}
	return nil
}

// passwdFile is the passwd-file passdb and userdb. The quota of each user
// comes from the extra field userdb_quota_rule.
func (s *Dovecot) passwdFile() []byte {
	var b bytes.Buffer
	for _, u := range Users() {
		fmt.Fprintf(&b, "%s:{PLAIN}%s::::::userdb_quota_rule=*:storage=%dB\n", u, Password, s.QuotaBytes(u))
	}
	return b.Bytes()
}

func (s *Dovecot) home(user string) string { return filepath.Join(s.Dir, "home", user) }

func (s *Dovecot) makeHome(user string) error {
	h := s.home(user)
	if err := os.Mkdir(h, 0o700); err != nil {
		return err
	}
	return os.Chown(h, s.uid, s.gid)
}

// launch writes the configuration with new ports, starts the master in the
// foreground and waits until the server answers.
func (s *Dovecot) launch(dovecotBin string) error {
	ports, err := pickPorts(3)
	if err != nil {
		return err
	}
	s.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(ports[0]))
	s.TLSAddr = net.JoinHostPort("127.0.0.1", strconv.Itoa(ports[1]))
	s.POP3Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(ports[2]))
	conf, err := s.config(ports)
	if err != nil {
		return err
	}
	if err := os.WriteFile(s.conf, conf, 0o644); err != nil {
		return err
	}
	logOffset := fileSize(s.logFile())
	out := filepath.Join(s.Dir, "dovecot.stderr")
	outOffset := fileSize(out)
	cmd := exec.Command(dovecotBin, "-F", "-c", s.conf)
	cmd.Dir = s.Dir
	if err := s.startProc(cmd, out); err != nil {
		return err
	}

	err = s.waitReady(10 * time.Second)
	if err == nil {
		return nil
	}
	s.kill()
	if strings.Contains(readFrom(s.logFile(), logOffset)+readFrom(out, outOffset), "Address already in use") {
		return fmt.Errorf("%w: %v", errAddrInUse, err)
	}
	return err
}

// waitReady polls until the IMAP port greets with its capabilities (so the
// login and auth processes are up) and the other ports accept connections.
func (s *Dovecot) waitReady(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		if err := s.running("dovecot"); err != nil {
			return err
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("dovecot did not greet on %s within %v", s.Addr, timeout)
		}
		if err := greeted(s.Addr, deadline, true); err == nil {
			if err := s.listensOn(s.Addr); err != nil {
				return err
			}
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	for _, addr := range []string{s.TLSAddr, s.POP3Addr} {
		c, err := net.DialTimeout("tcp", addr, time.Until(deadline))
		if err != nil {
			return fmt.Errorf("dovecot does not listen on %s: %w", addr, err)
		}
		c.Close()
	}
	return nil
}

// pickPorts is freePorts; tests replace it.
var pickPorts = freePorts

// stop ends the server's process group (see proc.stopProc).
func (s *Dovecot) stop() { s.stopProc(nil) }

func (s *Dovecot) logFile() string { return filepath.Join(s.Dir, "dovecot.log") }

// logTail is the end of Dovecot's log and of the master's stderr, for
// failure messages.
func (s *Dovecot) logTail() string {
	var b strings.Builder
	for _, name := range []string{"dovecot.stderr", "dovecot.log"} {
		data, err := os.ReadFile(filepath.Join(s.Dir, name))
		if err != nil || len(data) == 0 {
			continue
		}
		lines := strings.SplitAfter(strings.TrimRight(string(data), "\n"), "\n")
		if len(lines) > 40 {
			lines = lines[len(lines)-40:]
		}
		fmt.Fprintf(&b, "\n--- %s (tail) ---\n%s", filepath.Join(s.Dir, name), strings.Join(lines, ""))
	}
	return b.String()
}

// Log returns the whole Dovecot log so far, e.g. to look for errors.
func (s *Dovecot) Log() string {
	data, _ := os.ReadFile(s.logFile())
	return string(data)
}

// MailDir returns the path of a user's Maildir (Maildir++ layout:
// "cur", "new", "tmp" for INBOX, ".Sent/" and ".Archive.2019/" for
// folders). It does not exist before the user's first login or delivery.
func (s *Dovecot) MailDir(user string) string { return filepath.Join(s.home(user), "Maildir") }

// QuotaBytes returns a user's storage quota in bytes.
func (s *Dovecot) QuotaBytes(user string) int64 {
	switch user {
	case "alice":
		return s.quota
	case "small":
		return SmallQuotaBytes
	}
	return DefaultQuotaBytes
}

// Doveadm runs "doveadm -c <config> args..." against this server and
// returns its standard output; it fails the test if doveadm fails.
// Examples: "quota", "get", "-u", "alice"; "mailbox", "list", "-u", "bob";
// "fetch", "-u", "alice", "text", "mailbox", "INBOX", "all";
// "quota", "recalc", "-u", "alice" after writing into MailDir directly.
func (s *Dovecot) Doveadm(t T, args ...string) string {
	t.Helper()
	out, err := s.doveadm(args...)
	if err != nil {
		t.Fatalf("labserver: %v%s", err, s.logTail())
	}
	return out
}

func (s *Dovecot) doveadm(args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, s.doveadmBin, append([]string{"-c", s.conf}, args...)...)
	cmd.Dir = s.Dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), fmt.Errorf("doveadm %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return stdout.String(), nil
}

// Dial returns a client logged in as user over plaintext IMAP on loopback.
// It is closed in t.Cleanup.
func (s *Dovecot) Dial(t T, user string) *imapclient.Client {
	t.Helper()
	c, err := imapclient.DialInsecure(s.Addr, &imapclient.Options{Dialer: &net.Dialer{Timeout: 10 * time.Second}})
	if err != nil {
		t.Fatalf("labserver: dial %s: %v", s.Addr, err)
	}
	t.Cleanup(func() { c.Close() })
	if err := c.Login(user, Password).Wait(); err != nil {
		t.Fatalf("labserver: login as %s: %v%s", user, err, s.logTail())
	}
	return c
}

// TLSConfig returns a client TLS configuration that trusts the server's
// certificate (for DialTLS or DialStartTLS to Addr or TLSAddr).
func (s *Dovecot) TLSConfig() *tls.Config {
	pool := x509.NewCertPool()
	c, err := testCerts()
	if err == nil {
		pool.AppendCertsFromPEM(c.caPEM)
	}
	return &tls.Config{RootCAs: pool}
}

// ResetUser deletes all mail, folders and subscriptions of a user, as if the
// account were new, without restarting the server. The user's open sessions
// are disconnected first. The SPECIAL-USE folders come back at the next login.
func (s *Dovecot) ResetUser(t T, user string) {
	t.Helper()
	if err := s.Reset(user); err != nil {
		t.Fatalf("labserver: ResetUser: %v", err)
	}
}

// Reset is ResetUser outside of a test.
func (s *Dovecot) Reset(user string) error {
	if !slices.Contains(Users(), user) {
		return fmt.Errorf("unknown user %q", user)
	}
	// Exit code 68 means nobody was logged in.
	_, _ = s.doveadm("kick", user)
	for deadline := time.Now().Add(10 * time.Second); ; {
		out, err := s.doveadm("who", "-1", user)
		if err == nil && !whoHas(out, user) {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s still logged in after kick: %s %v", user, out, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := os.RemoveAll(s.home(user)); err != nil {
		return err
	}
	return s.makeHome(user)
}

// whoHas reports whether doveadm who output lists user.
func whoHas(out, user string) bool {
	for _, line := range strings.Split(out, "\n") {
		if f := strings.Fields(line); len(f) > 0 && f[0] == user {
			return true
		}
	}
	return false
}

// FixOwnership hands everything below a user's home (so MailDir too) to the
// mail user. Call it after a test running as root has written files into
// MailDir itself; otherwise Dovecot cannot read them. Without root it does
// nothing. Run Doveadm "quota", "recalc" afterwards if the quota matters.
func (s *Dovecot) FixOwnership(t T, user string) {
	t.Helper()
	if !isRoot() {
		return
	}
	err := filepath.WalkDir(s.home(user), func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(path, s.uid, s.gid)
	})
	if err != nil {
		t.Fatalf("labserver: FixOwnership: %v", err)
	}
}

func fileSize(name string) int64 {
	fi, err := os.Stat(name)
	if err != nil {
		return 0
	}
	return fi.Size()
}

// readFrom returns the content of a file from offset on, "" on error.
func readFrom(name string, offset int64) string {
	data, err := os.ReadFile(name)
	if err != nil || int64(len(data)) < offset {
		return ""
	}
	return string(data[offset:])
}

// configData fills configTemplate.
type configData struct {
	Dir                  string
	Root                 bool
	User, Group          string // the current user, when not root
	UID, GID             int    // mail owner
	DH                   string // ssl_dh file, if the system has one
	Separator, Prefix    string
	IMAP, IMAPS, POP3    int
	SpecialUse           []specialUse
	DefaultQuotaRuleSize string
}

type specialUse struct{ Name, Attr string }

func (s *Dovecot) config(ports []int) ([]byte, error) {
	d := configData{
		Dir:       s.Dir,
		Root:      isRoot(),
		UID:       s.uid,
		GID:       s.gid,
		Separator: string(s.Delimiter),
		Prefix:    s.NamespacePrefix,
		IMAP:      ports[0],
		IMAPS:     ports[1],
		POP3:      ports[2],
		SpecialUse: []specialUse{
			{"Drafts", `\Drafts`}, {"Sent", `\Sent`}, {"Trash", `\Trash`},
			{"Junk", `\Junk`}, {"Archive", `\Archive`},
		},
		DefaultQuotaRuleSize: strconv.Itoa(DefaultQuotaBytes) + "B",
	}
	if !d.Root {
		u, err := user.Current()
		if err != nil {
			return nil, fmt.Errorf("current user: %w", err)
		}
		g, err := user.LookupGroupId(u.Gid)
		if err != nil {
			return nil, fmt.Errorf("current user's group: %w", err)
		}
		d.User, d.Group = u.Username, g.Name
	}
	if _, err := os.Stat("/usr/share/dovecot/dh.pem"); err == nil {
		d.DH = "/usr/share/dovecot/dh.pem"
	}
	var b bytes.Buffer
	if err := configTemplate.Execute(&b, d); err != nil {
		return nil, err
	}
	b.WriteString(s.extraConf)
	return b.Bytes(), nil
}

// configTemplate is a complete dovecot.conf for Dovecot 2.3: nothing is read
// from /etc/dovecot.
var configTemplate = template.Must(template.New("dovecot.conf").Parse(`# Written by mailferry's labserver for one run.
base_dir = {{.Dir}}/run
state_dir = {{.Dir}}/state
log_path = {{.Dir}}/dovecot.log
listen = 127.0.0.1
protocols = imap pop3
{{- if not .Root}}

# Not root: everything runs as the current user, without chroot.
default_login_user = {{.User}}
default_internal_user = {{.User}}
default_internal_group = {{.Group}}
service anvil {
  chroot =
}
service imap-login {
  chroot =
}
service pop3-login {
  chroot =
}
service imap-urlauth-login {
  chroot =
}
{{- end}}

ssl = yes
ssl_cert = <{{.Dir}}/cert.pem
ssl_key = <{{.Dir}}/key.pem
{{- if .DH}}
ssl_dh = <{{.DH}}
{{- end}}
# Loopback only: LOGIN without TLS is fine.
disable_plaintext_auth = no
auth_mechanisms = plain login
# Failed logins answer at once: no 2 s delay, no growing per-IP penalty.
auth_failure_delay = 0
service anvil {
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {{.Dir}}/users
}
userdb {
  driver = passwd-file
  args = username_format=%u {{.Dir}}/users
}

mail_home = {{.Dir}}/home/%u
mail_location = maildir:~/Maildir
mail_uid = {{.UID}}
mail_gid = {{.GID}}
first_valid_uid = {{.UID}}
first_valid_gid = {{.GID}}
# The mail processes of other uids write statistics here.
service stats {
  unix_listener stats-writer {
    mode = 0666
  }
}

namespace inbox {
  inbox = yes
  separator = {{.Separator}}
  prefix = {{.Prefix}}
{{- range .SpecialUse}}
  mailbox {{.Name}} {
    special_use = {{.Attr}}
    auto = subscribe
  }
{{- end}}
}

mail_plugins = $mail_plugins quota
protocol imap {
  mail_plugins = $mail_plugins imap_quota
  mail_max_userip_connections = 1000
}
protocol pop3 {
  mail_max_userip_connections = 1000
}
plugin {
  quota = maildir:User quota
  # Overridden per user by userdb_quota_rule in the users file.
  quota_rule = *:storage={{.DefaultQuotaRuleSize}}
  # No 10% grace for the last message: the limit is exact.
  quota_grace = 0
}

service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = {{.IMAP}}
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = {{.IMAPS}}
    ssl = yes
  }
}
service pop3-login {
  inet_listener pop3 {
    address = 127.0.0.1
    port = {{.POP3}}
  }
  inet_listener pop3s {
    port = 0
  }
}
`))
