package labserver

import (
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// courierScript runs inside "unshare -m" as root: it overlays the extracted
// packages onto /usr and /etc (writable through a tmpfs that only this
// mount namespace sees), gives Courier a private /run, builds the user
// database and runs authdaemond and couriertcpd in the foreground. $1 is
// the server directory, $2 the extracted tree, $3 the port.
const courierScript = `set -eu
D=$1 C=$2 PORT=$3
mount --make-rprivate /
mount -t tmpfs labserver "$D/ns"
mkdir -p "$D/ns/etc/up" "$D/ns/etc/work"
mount -t overlay overlay -o "lowerdir=$C/usr:/usr" /usr
mount -t overlay overlay -o "lowerdir=$C/etc:/etc,upperdir=$D/ns/etc/up,workdir=$D/ns/etc/work" /etc
mount -t tmpfs labserver /run
mkdir -p /run/courier/authdaemon
cp "$D/conf/authdaemonrc" "$D/conf/imapd" /etc/courier/
cp "$D/conf/userdb" /etc/courier/userdb
chmod 600 /etc/courier/userdb
/usr/sbin/makeuserdb
(
	set -a
	. /etc/courier/authdaemonrc
	exec /usr/lib/courier/courier-authlib/authdaemond
) &
for i in $(seq 100); do [ -S /run/courier/authdaemon/socket ] && break; sleep 0.05; done
set -a
. /etc/courier/imapd
exec /usr/sbin/couriertcpd -address=127.0.0.1 -maxprocs=100 -maxperip=100 \
	-nodnslookup -noidentlookup "$PORT" /usr/lib/courier/courier/imaplogin /usr/bin/imapd Maildir
`

const courierImapd = `# Written by mailferry's labserver (Courier's defaults, no TLS).
IMAP_CAPABILITY="IMAP4rev1 UIDPLUS CHILDREN NAMESPACE THREAD=ORDEREDSUBJECT THREAD=REFERENCES SORT QUOTA IDLE"
IMAP_CAPABILITY_TLS="$IMAP_CAPABILITY AUTH=PLAIN"
IMAP_KEYWORDS=1
IMAP_ACL=1
IMAP_PROXY=0
IMAP_IDLE_TIMEOUT=60
IMAP_MAILBOX_SANITY_CHECK=1
IMAP_DISABLETHREADSORT=0
IMAP_CHECK_ALL_FOLDERS=0
IMAP_OBSOLETE_CLIENT=0
IMAP_UMASK=022
IMAP_USELOCKS=1
IMAP_ENHANCEDIDLE=0
IMAP_TRASHFOLDERNAME=Trash
IMAP_EMPTYTRASH=Trash:7
IMAP_MOVE_EXPUNGE_TO_TRASH=0
IMAP_TLS_REQUIRED=0
IMAP_STARTTLS=NO
MAILDIRPATH=Maildir
`

const courierAuthdaemonrc = `authmodulelist="authuserdb"
daemons=1
authdaemonvar=/run/courier/authdaemon
DEBUG_LOGIN=0
DEFAULTOPTIONS=""
LOGGEROPTS=""
`

func courierRoot() string { return filepath.Join(ServersDir(), "courier") }

func launchCourier(cfg *Config) (*Server, error) {
	for _, b := range []string{"usr/bin/imapd", "usr/sbin/couriertcpd", "usr/lib/courier/courier/imaplogin",
		"usr/lib/courier/courier-authlib/authdaemond", "usr/sbin/makeuserdb"} {
		if p := filepath.Join(courierRoot(), b); !executable(p) {
			return nil, fmt.Errorf("%w: courier: no %s (run .ci/servers)", ErrNotInstalled, p)
		}
	}
	if !isRoot() {
		return nil, fmt.Errorf("%w: courier runs in a private mount namespace, which needs root", ErrNotInstalled)
	}
	unshare, err := exec.LookPath("unshare")
	if err != nil {
		return nil, fmt.Errorf("%w: courier: no unshare (util-linux)", ErrNotInstalled)
	}
	dir, err := os.MkdirTemp(tempRoot(), "labcourier-")
	if err != nil {
		return nil, err
	}
	s := &Server{Kind: Courier, Dir: dir, NamespacePrefix: "INBOX.", Delimiter: '.'}
	s.logs = []string{filepath.Join(dir, "courier.out")}
	s.setQuota = s.courierSetQuota
	if err := s.courierStart(unshare); err != nil {
		s.Stop()
		return nil, err
	}
	return s, nil
}

// mailOwner is the uid and gid that owns the mail: nobody.
func mailOwner() (int, int) {
	uid, gid := 65534, 65534
	if u, err := user.Lookup("nobody"); err == nil {
		uid, _ = strconv.Atoi(u.Uid)
		gid, _ = strconv.Atoi(u.Gid)
	}
	return uid, gid
}

func (s *Server) courierHome(u string) string { return filepath.Join(s.Dir, "home", u) }

func (s *Server) courierStart(unshare string) error {
	uid, gid := mailOwner()
	if err := os.Chmod(s.Dir, 0o711); err != nil {
		return err
	}
	sum := sha1.Sum([]byte(Password))
	pw := "{SHA}" + base64.StdEncoding.EncodeToString(sum[:])
	var userdb strings.Builder
	for _, u := range Users() {
		h := s.courierHome(u)
		for _, d := range []string{"cur", "new", "tmp"} {
			if err := os.MkdirAll(filepath.Join(h, "Maildir", d), 0o700); err != nil {
				return err
			}
		}
		fmt.Fprintf(&userdb, "%s\tuid=%d|gid=%d|home=%s|mail=%s|shell=/bin/sh|systempw=%s\n",
			u, uid, gid, h, filepath.Join(h, "Maildir"), pw)
	}
	if err := os.MkdirAll(filepath.Join(s.Dir, "ns"), 0o700); err != nil {
		return err
	}
	if err := writeFiles(filepath.Join(s.Dir, "conf"), map[string]string{
		"imapd": courierImapd, "authdaemonrc": courierAuthdaemonrc, "userdb": userdb.String(),
	}, 0o600); err != nil {
		return err
	}
	for _, u := range Users() {
		if err := chownTree(filepath.Join(s.Dir, "home", u), uid, gid); err != nil {
			return err
		}
		q := int64(DefaultQuotaBytes)
		if u == "small" {
			q = SmallQuotaBytes
		}
		if err := s.courierSetQuota(u, q, 0); err != nil {
			return err
		}
	}
	if err := os.Chmod(filepath.Join(s.Dir, "home"), 0o711); err != nil {
		return err
	}
	// A new port until couriertcpd really listens on it (see listensOn).
	for attempt := 1; ; attempt++ {
		err := s.courierRun(unshare)
		if err == nil || !errors.Is(err, errAddrInUse) || attempt == 5 {
			return err
		}
	}
}

// courierRun starts Courier on a new port and waits until it greets there.
func (s *Server) courierRun(unshare string) error {
	ports, err := pickPorts(1)
	if err != nil {
		return err
	}
	s.Addr = "127.0.0.1:" + itoa(ports[0])
	cmd := exec.Command(unshare, "-m", "sh", "-c", courierScript, "courier", s.Dir, courierRoot(), itoa(ports[0]))
	cmd.Dir = s.Dir
	cmd.Env = []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C"}
	err = s.run(cmd, filepath.Join(s.Dir, "courier.out"), 20*time.Second)
	if s.cmd != nil && s.cmd.Process != nil {
		s.mntNS = mountNS(s.cmd.Process.Pid)
	}
	return err
}

func chownTree(root string, uid, gid int) error {
	return filepath.WalkDir(root, func(p string, _ fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, uid, gid)
	})
}

// courierSetQuota writes the Maildir++ quota file, maildirsize: the limits,
// then the current use (Trash does not count, as in Courier). Without
// limits the file is removed: Courier then reports no quota.
func (s *Server) courierSetQuota(u string, bytes, messages int64) error {
	md := filepath.Join(s.courierHome(u), "Maildir")
	name := filepath.Join(md, "maildirsize")
	if bytes <= 0 && messages <= 0 {
		if err := os.Remove(name); err != nil && !os.IsNotExist(err) {
			return err
		}
		return nil
	}
	var spec []string
	if bytes > 0 {
		spec = append(spec, strconv.FormatInt(bytes, 10)+"S")
	}
	if messages > 0 {
		spec = append(spec, strconv.FormatInt(messages, 10)+"C")
	}
	var size, count int64
	err := filepath.WalkDir(md, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == ".Trash" {
			return filepath.SkipDir
		}
		if dd := filepath.Base(filepath.Dir(p)); d.Type().IsRegular() && (dd == "cur" || dd == "new") {
			fi, err := d.Info()
			if err != nil {
				return err
			}
			size += fi.Size()
			count++
		}
		return nil
	})
	if err != nil {
		return err
	}
	tmp := name + ".labserver"
	data := fmt.Sprintf("%s\n%d %d\n", strings.Join(spec, ","), size, count)
	if err := os.WriteFile(tmp, []byte(data), 0o644); err != nil {
		return err
	}
	uid, gid := mailOwner()
	if err := os.Lchown(tmp, uid, gid); err != nil {
		return err
	}
	return os.Rename(tmp, name)
}
