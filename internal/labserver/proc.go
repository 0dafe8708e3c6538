package labserver

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"
)

// proc is a server's main process (Dovecot's master, Cyrus' master,
// Courier's unshare), run in a process group of its own so that stopping
// it ends the whole tree. Every server of this package embeds one.
type proc struct {
	cmd      *exec.Cmd
	exited   chan struct{} // closed when cmd has been waited for
	stopOnce sync.Once
}

// startProc starts cmd in its own process group with stdout and stderr
// appended to the file out.
func (p *proc) startProc(cmd *exec.Cmd, out string) error {
	f, err := os.OpenFile(out, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	cmd.Stdout, cmd.Stderr = f, f
	cmd.SysProcAttr = procAttr()
	err = cmd.Start()
	f.Close() // the child has its own copy
	if err != nil {
		return fmt.Errorf("starting %s: %w", cmd.Path, err)
	}
	exited := make(chan struct{})
	go func() {
		cmd.Wait()
		close(exited)
	}()
	p.cmd, p.exited = cmd, exited
	return nil
}

// running reports an error if the process has exited.
func (p *proc) running(name string) error {
	select {
	case <-p.exited:
		return fmt.Errorf("%s exited during startup: %v", name, p.cmd.ProcessState)
	default:
		return nil
	}
}

// errAddrInUse says that a server could not listen on its port: another
// process took it between the pick and the bind. The launchers try again
// with another port.
var errAddrInUse = errors.New("address already in use")

// listensOn checks that the server listening on addr is this process's
// (its process group, or for Courier its mount namespace), not another
// one's. QUIRK: Cyrus' master and Courier's couriertcpd keep running
// when they cannot bind their port, and another test's server may be
// listening there: with the same users and password, setup and test would
// silently use that other server (issue 22: quota roots of another
// instance's users, messages appended by another test). Where /proc
// cannot tell, it does not object.
func (p *proc) listensOn(addr string) error {
	pid := listenerPID(addr)
	if pid == 0 || p.cmd == nil || p.cmd.Process == nil {
		return nil
	}
	own := p.cmd.Process.Pid
	if processGroup(pid) == own {
		return nil
	}
	if ns := mountNS(pid); ns != "" && ns == mountNS(own) && ns != mountNS(os.Getpid()) {
		return nil
	}
	return fmt.Errorf("%w: %s is served by process %d, not by this server (process group %d)", errAddrInUse, addr, pid, own)
}

// stopProc ends the server once: SIGTERM to the whole process group,
// SIGKILL after 250 ms (the data is thrown away, so nothing needs a
// graceful shutdown; SIGTERM to Dovecot's master alone takes about 2 s),
// then after, if not nil.
func (p *proc) stopProc(after func()) {
	p.stopOnce.Do(func() {
		if p.cmd == nil || p.cmd.Process == nil {
			return
		}
		signalGroup(p.cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-p.exited:
		case <-time.After(250 * time.Millisecond):
		}
		p.kill()
		if after != nil {
			after()
		}
	})
}

// kill SIGKILLs the process group and waits until the main process is
// reaped and (bounded) every other process of the group is gone. Children
// that outlive the main process are reaped by init, which may take its
// time: zombies do not count.
func (p *proc) kill() {
	if p.cmd == nil || p.cmd.Process == nil {
		return
	}
	pgid := p.cmd.Process.Pid
	signalGroup(pgid, syscall.SIGKILL)
	<-p.exited
	for deadline := time.Now().Add(5 * time.Second); groupAlive(pgid) && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
}

// startOrSkip is Start and StartDovecot: launch, skip the test (or fail it
// when required) if the server is not installed, stop it in t.Cleanup.
func startOrSkip[S interface{ Stop() error }](t T, launch func() (S, error), notInstalled error, required bool, requiredBy, hint string) S {
	t.Helper()
	s, err := launch()
	if errors.Is(err, notInstalled) {
		if required {
			t.Fatalf("labserver: %v; required because %s", err, requiredBy)
		}
		t.Skipf("labserver: %v (%s)", err, hint)
	}
	if err != nil {
		t.Fatalf("labserver: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Stop(); err != nil {
			t.Errorf("labserver: %v", err)
		}
	})
	return s
}

// tempRoot is where a server directory goes. Unix socket paths are
// limited to about 100 bytes, so a long $TMPDIR falls back to /tmp.
func tempRoot() string {
	if d := os.TempDir(); len(d) <= 40 {
		return d
	}
	return "/tmp"
}

// freePorts returns n distinct ports that were free on 127.0.0.1 a moment ago.
func freePorts(n int) ([]int, error) {
	var ports []int
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		defer l.Close()
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}
