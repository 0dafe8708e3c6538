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
