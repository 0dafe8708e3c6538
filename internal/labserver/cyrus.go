package labserver

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"text/template"
	"time"

	"github.com/emersion/go-imap/v2"
)

// cyrusServerName is Cyrus' servername; the SASL realm of the users must
// equal it, else every login fails.
const cyrusServerName = "mailferry-lab"

// cyrusAdmin is the administrator that sets quotas (admins: in imapd.conf).
const cyrusAdmin = "labadmin"

func cyrusBin(name string) string {
	return filepath.Join(ServersDir(), "cyrus/usr/lib/cyrus/bin", name)
}

// launchCyrus starts "master -C imapd.conf -M cyrus.conf" in the
// foreground. As root, the mail belongs to nobody (cyrus_user).
// Every user's INBOX must be under that user's own quota root: without
// the seed shim (cyrusseed.go: no C compiler) Cyrus' same-second mailbox
// ids can make alice's INBOX share small's, and such a server is
// replaced, at most 5 times.
func launchCyrus(k Kind, cfg *Config) (*Server, error) {
	for try := 1; ; try++ {
		s, err := launchCyrusOnce(k, cfg)
		if err == nil {
			if err = s.cyrusOwnRoots(); err != nil {
				s.Stop()
			}
		}
		if err == nil || !errors.Is(err, errForeignRoot) || try == 5 {
			return s, err
		}
	}
}

var errForeignRoot = errors.New("a user's INBOX names another user's quota root")

// cyrusOwnRoots checks that every user's INBOX is under that user's quota
// root.
func (s *Server) cyrusOwnRoots() error {
	for _, u := range Users() {
		c, err := s.dial(u, Password)
		if err != nil {
			return err
		}
		qd, err := c.GetQuotaRoot("INBOX").Wait()
		c.Logout().Wait()
		c.Close()
		if err != nil {
			return fmt.Errorf("%s: GETQUOTAROOT INBOX as %s: %w", s.Kind, u, err)
		}
		for _, q := range qd {
			if q.Root != "INBOX" && q.Root != "user"+string(s.Delimiter)+u {
				return fmt.Errorf("%s: %w: %s sees %q", s.Kind, errForeignRoot, u, q.Root)
			}
		}
	}
	return nil
}

func launchCyrusOnce(k Kind, cfg *Config) (*Server, error) {
	for _, b := range []string{cyrusBin("master"), cyrusBin("imapd"), cyrusBin("ctl_cyrusdb")} {
		if !executable(b) {
			return nil, fmt.Errorf("%w: %s: no %s (run .ci/servers)", ErrNotInstalled, k, b)
		}
	}
	saslpasswd, err := exec.LookPath("saslpasswd2")
	if err != nil {
		if saslpasswd = "/usr/sbin/saslpasswd2"; !executable(saslpasswd) {
			return nil, fmt.Errorf("%w: %s: no saslpasswd2 (apt-get install sasl2-bin)", ErrNotInstalled, k)
		}
	}
	dir, err := os.MkdirTemp(tempRoot(), "labcyrus-")
	if err != nil {
		return nil, err
	}
	s := &Server{Kind: k, Dir: dir, NamespacePrefix: "INBOX.", Delimiter: '.', MultiAppend: !cfg.NoMultiAppend}
	if k == CyrusUnix {
		s.NamespacePrefix, s.Delimiter = "", '/'
	}
	s.logs = []string{filepath.Join(dir, "master.out"), filepath.Join(dir, "cyrus.log")}
	s.setQuota = s.cyrusSetQuota
	if err := s.cyrusStart(k, cfg, saslpasswd); err != nil {
		s.Stop()
		return nil, err
	}
	return s, nil
}

type cyrusConf struct {
	Dir, User, Admin, ServerName string
	Unix, NoMultiAppend, Munge8  bool
	Port, QuotaKB                int
	Bin                          string
}

var cyrusImapdConf = template.Must(template.New("imapd.conf").Parse(`# Written by mailferry's labserver.
configdirectory: {{.Dir}}/lib
partition-default: {{.Dir}}/spool
sievedir: {{.Dir}}/sieve
servername: {{.ServerName}}
cyrus_user: {{.User}}
admins: {{.Admin}}
sasl_pwcheck_method: auxprop
sasl_auxprop_plugin: sasldb
sasl_sasldb_path: {{.Dir}}/sasldb2
sasl_mech_list: PLAIN LOGIN
allowplaintext: yes
unixhierarchysep: {{if .Unix}}yes{{else}}no{{end}}
altnamespace: {{if .Unix}}yes{{else}}no{{end}}
munge8bit: {{if .Munge8}}yes{{else}}no{{end}}
{{- if .NoMultiAppend}}
suppress_capabilities: MULTIAPPEND UIDPLUS
{{- end}}
autocreate_quota: {{.QuotaKB}}
autocreate_inbox_folders: Drafts | Sent | Trash | Junk | Archive
autocreate_subscribe_folders: Drafts | Sent | Trash | Junk | Archive
xlist-drafts: Drafts
xlist-sent: Sent
xlist-trash: Trash
xlist-junk: Junk
xlist-archive: Archive
delete_mode: immediate
expunge_mode: immediate
lmtpsocket: {{.Dir}}/socket/lmtp
idlesocket: {{.Dir}}/socket/idle
notifysocket: {{.Dir}}/socket/notify
syslog_prefix: labcyrus
`))

var cyrusConfTmpl = template.Must(template.New("cyrus.conf").Parse(`# Written by mailferry's labserver.
START {
  recover cmd="{{.Bin}}/ctl_cyrusdb -C {{.Dir}}/imapd.conf -r"
}
SERVICES {
  imap cmd="{{.Bin}}/imapd -C {{.Dir}}/imapd.conf" listen="127.0.0.1:{{.Port}}" prefork=1 maxchild=100
}
EVENTS {
}
DAEMON {
}
`))

func (s *Server) cyrusStart(k Kind, cfg *Config, saslpasswd string) error {
	owner, uid, gid := "", os.Getuid(), os.Getgid()
	if isRoot() {
		owner, uid, gid = "nobody", 65534, 65534
		if u, err := user.Lookup("nobody"); err == nil {
			uid, _ = strconv.Atoi(u.Uid)
			gid, _ = strconv.Atoi(u.Gid)
		}
	} else {
		u, err := user.Current()
		if err != nil {
			return err
		}
		owner = u.Username
	}
	for _, d := range []string{"lib", "spool", "sieve", "socket", "lib/proc", "lib/db", "lib/log"} {
		if err := os.MkdirAll(filepath.Join(s.Dir, d), 0o750); err != nil {
			return err
		}
	}
	sasldb := filepath.Join(s.Dir, "sasldb2")
	for _, u := range append(Users(), cyrusAdmin) {
		cmd := exec.Command(saslpasswd, "-f", sasldb, "-u", cyrusServerName, "-c", "-p", u)
		cmd.Stdin = strings.NewReader(Password)
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("saslpasswd2 %s: %v: %s", u, err, out)
		}
	}
	if isRoot() {
		if err := os.Chmod(s.Dir, 0o711); err != nil {
			return err
		}
		if err := filepath.Walk(s.Dir, func(p string, _ os.FileInfo, err error) error {
			if err != nil {
				return err
			}
			return os.Lchown(p, uid, gid)
		}); err != nil {
			return err
		}
	}
	// A new port until the master really listens on it (see listensOn).
	for attempt := 1; ; attempt++ {
		err := s.cyrusRun(k, cfg, owner)
		if err == nil {
			break
		}
		if !errors.Is(err, errAddrInUse) || attempt == 5 {
			return err
		}
	}
	// The first login creates INBOX and the special folders; then the
	// administrator sets the quotas.
	for _, u := range Users() {
		cl, err := s.dial(u, Password)
		if err != nil {
			return fmt.Errorf("%w%s", err, s.LogTail())
		}
		cl.Logout().Wait()
		cl.Close()
	}
	// autocreate_quota gave every INBOX its own root of DefaultQuotaBytes;
	// only small's limit changes, which does not create a root.
	return s.cyrusSetQuota("small", SmallQuotaBytes, 0)
}

// cyrusRun writes the configuration with a new port and runs the master
// until it greets on that port.
func (s *Server) cyrusRun(k Kind, cfg *Config, owner string) error {
	ports, err := pickPorts(1)
	if err != nil {
		return err
	}
	s.Addr = "127.0.0.1:" + itoa(ports[0])
	c := cyrusConf{Dir: s.Dir, User: owner, Admin: cyrusAdmin, ServerName: cyrusServerName,
		Unix: k == CyrusUnix, NoMultiAppend: cfg.NoMultiAppend, Munge8: cfg.Munge8bit, Port: ports[0], QuotaKB: DefaultQuotaBytes / 1024,
		Bin: filepath.Dir(cyrusBin("master"))}
	var a, b bytes.Buffer
	if err := cyrusImapdConf.Execute(&a, c); err != nil {
		return err
	}
	if err := cyrusConfTmpl.Execute(&b, c); err != nil {
		return err
	}
	if err := writeFiles(s.Dir, map[string]string{"imapd.conf": a.String(), "cyrus.conf": b.String()}, 0o644); err != nil {
		return err
	}
	cmd := exec.Command(cyrusBin("master"), "-C", filepath.Join(s.Dir, "imapd.conf"),
		"-M", filepath.Join(s.Dir, "cyrus.conf"), "-p", filepath.Join(s.Dir, "master.pid"),
		"-D", "-L", filepath.Join(s.Dir, "cyrus.log"))
	cmd.Dir = s.Dir
	cmd.Env = append(os.Environ(), "LD_LIBRARY_PATH="+filepath.Join(ServersDir(), "cyrus/usr/lib/x86_64-linux-gnu"))
	if so := cyrusSeedShim(); so != "" {
		cmd.Env = append(cmd.Env, "LD_PRELOAD="+so)
	}
	return s.run(cmd, filepath.Join(s.Dir, "master.out"), 20*time.Second)
}

func (s *Server) cyrusSetQuota(u string, bytes, messages int64) error {
	c, err := s.dial(cyrusAdmin, Password)
	if err != nil {
		return err
	}
	defer c.Close()
	limits := map[imap.QuotaResourceType]int64{}
	if bytes > 0 {
		limits[imap.QuotaResourceStorage] = bytes / 1024
	}
	if messages > 0 {
		limits[imap.QuotaResourceMessage] = messages
	}
	root := "user" + string(s.Delimiter) + u
	if err := c.SetQuota(root, limits).Wait(); err != nil {
		return fmt.Errorf("%s: SETQUOTA %s: %w", s.Kind, root, err)
	}
	c.Logout().Wait()
	return nil
}
