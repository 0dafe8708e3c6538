package netconn

import (
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// ErrTimeout marks a connection given up because no byte moved for the
// timeout (--timeout) while the client waited for the server.
var ErrTimeout = errors.New("timeout")

// Progress wraps a connection with a progress deadline: while armed (an
// operation is pending), the connection is closed when no byte moved in
// either direction for the timeout. Bytes moving keep it alive, so a slow
// but steady transfer of a big message is not cut; an idle connection
// between operations is not armed.
type Progress struct {
	net.Conn
	timeout time.Duration

	last   atomic.Int64 // UnixNano of the last byte moved
	fired  atomic.Bool
	killed atomic.Bool

	mu    sync.Mutex
	armed int
	timer *time.Timer
}

// NewProgress wraps c; nothing is armed yet.
func NewProgress(c net.Conn, timeout time.Duration) *Progress {
	p := &Progress{Conn: c, timeout: timeout}
	p.last.Store(time.Now().UnixNano())
	return p
}

// Arm starts (or nests) a pending operation; Disarm ends it. Both accept
// a nil Progress.
func (p *Progress) Arm() {
	if p == nil || benchUnguarded {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.armed++
	if p.armed > 1 {
		return
	}
	p.last.Store(time.Now().UnixNano())
	if p.timer == nil {
		p.timer = time.AfterFunc(p.timeout, p.check)
	} else {
		p.timer.Reset(p.timeout)
	}
}

// Disarm ends what Arm started.
func (p *Progress) Disarm() {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.armed > 0 {
		p.armed--
	}
	if p.armed == 0 && p.timer != nil {
		p.timer.Stop()
	}
}

func (p *Progress) check() {
	p.mu.Lock()
	if p.armed == 0 {
		p.mu.Unlock()
		return
	}
	idle := time.Since(time.Unix(0, p.last.Load()))
	if idle < p.timeout {
		p.timer.Reset(p.timeout - idle)
		p.mu.Unlock()
		return
	}
	p.fired.Store(true)
	p.mu.Unlock()
	// Closing makes every pending Read and Write return, whatever
	// deadline the protocol code set itself.
	p.Conn.Close()
}

// Kill closes the connection and makes Killed true: a reader above may
// then fail at once, without the bytes it still holds.
func (p *Progress) Kill() {
	p.killed.Store(true)
	p.Conn.Close()
}

// Killed reports whether Kill was called.
func (p *Progress) Killed() bool { return p.killed.Load() }

// TimedOut reports whether the progress deadline closed the connection.
func (p *Progress) TimedOut() bool { return p != nil && p.fired.Load() }

// TimeoutError is the error of a connection the deadline closed.
func (p *Progress) TimeoutError() error {
	return fmt.Errorf("%w: no data from the server for %s (--timeout)", ErrTimeout, p.timeout)
}

// WithTimeout adds the timeout to err when the deadline closed the
// connection and err does not say so yet.
func (p *Progress) WithTimeout(err error) error {
	if err != nil && p.TimedOut() && !errors.Is(err, ErrTimeout) {
		return fmt.Errorf("%w (%w)", err, p.TimeoutError())
	}
	return err
}

// Read reads from the connection and records progress.
func (p *Progress) Read(b []byte) (int, error) {
	n, err := p.Conn.Read(b)
	if n > 0 && !benchUnguarded {
		p.last.Store(time.Now().UnixNano())
	}
	if err != nil && p.fired.Load() {
		err = p.TimeoutError()
	}
	return n, err
}

// Write writes in pieces so that a big literal keeps the deadline alive
// while the kernel takes it.
func (p *Progress) Write(b []byte) (int, error) {
	if benchUnguarded {
		return p.Conn.Write(b)
	}
	var done int
	for done < len(b) {
		end := min(len(b), done+64<<10)
		n, err := p.Conn.Write(b[done:end])
		done += n
		if n > 0 {
			p.last.Store(time.Now().UnixNano())
		}
		if err != nil {
			if p.fired.Load() {
				err = p.TimeoutError()
			}
			return done, err
		}
	}
	return done, nil
}
