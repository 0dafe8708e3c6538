package dovecottest

import (
	"bytes"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Proxy is a TCP proxy on 127.0.0.1 in front of a server that injects
// network faults: it cuts a connection when a pattern has passed in one
// direction (mid-APPEND, mid-FETCH, right after login) and can delay
// every chunk it forwards. Faults are consumed in order: only the first
// pending one is armed, and it fires on the first connection whose
// traffic matches it.
type Proxy struct {
	// Addr is the address to dial instead of the server's.
	Addr string

	target string
	ln     net.Listener
	mu     sync.Mutex
	faults []Fault
	fired  []Fault
	delay  time.Duration
	conns  int
	open   map[*proxyConn]bool
	wg     sync.WaitGroup
}

// Fault is one cut of a connection.
type Fault struct {
	// Name is for reports ("mid-APPEND").
	Name string
	// Up watches the client-to-server stream; false watches server to
	// client.
	Up bool
	// After is the pattern that triggers the fault.
	After string
	// Bytes more are forwarded after the end of the pattern before both
	// sides of the connection are closed.
	Bytes int
	// OnFire, when set, runs when the pattern is seen, before the cut
	// (a test expires the tokens there, say).
	OnFire func()
}

// CutMidAppend cuts a client's connection n bytes into the data following
// an APPEND command (inside the literal for n smaller than the message).
func CutMidAppend(n int) Fault {
	return Fault{Name: "mid-APPEND", Up: true, After: "APPEND ", Bytes: n}
}

// CutMidFetch cuts n bytes into a body the server sends in a FETCH
// response.
func CutMidFetch(n int) Fault {
	return Fault{Name: "mid-FETCH", After: "BODY[] {", Bytes: n}
}

// CutAfterLogin cuts right after the server accepted a login.
func CutAfterLogin() Fault {
	return Fault{Name: "after-login", After: "Logged in\r\n"}
}

// NewProxy starts a proxy to target ("127.0.0.1:port") that stops when t
// ends.
func NewProxy(t testing.TB, target string) *Proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("dovecottest: proxy: %v", err)
	}
	p := &Proxy{Addr: ln.Addr().String(), target: target, ln: ln, open: map[*proxyConn]bool{}}
	p.wg.Add(1)
	go p.serve()
	t.Cleanup(p.Close)
	return p
}

// Inject queues faults.
func (p *Proxy) Inject(f ...Fault) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.faults = append(p.faults, f...)
}

// SetDelay makes the proxy wait d before forwarding each chunk.
func (p *Proxy) SetDelay(d time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.delay = d
}

// Fired returns the faults that fired, in order.
func (p *Proxy) Fired() []Fault {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]Fault(nil), p.fired...)
}

// Pending returns how many faults have not fired.
func (p *Proxy) Pending() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.faults)
}

// Conns returns how many connections the proxy accepted.
func (p *Proxy) Conns() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.conns
}

// Close stops the proxy and closes its connections.
func (p *Proxy) Close() {
	p.ln.Close()
	p.mu.Lock()
	for c := range p.open {
		c.close()
	}
	p.mu.Unlock()
	p.wg.Wait()
}

func (p *Proxy) serve() {
	defer p.wg.Done()
	for {
		cl, err := p.ln.Accept()
		if err != nil {
			return
		}
		sv, err := net.Dial("tcp", p.target)
		if err != nil {
			cl.Close()
			continue
		}
		c := &proxyConn{p: p, cl: cl, sv: sv}
		p.mu.Lock()
		p.conns++
		p.open[c] = true
		p.mu.Unlock()
		p.wg.Add(2)
		go c.pump(cl, sv, true)
		go c.pump(sv, cl, false)
	}
}

type proxyConn struct {
	p      *Proxy
	cl, sv net.Conn
	once   sync.Once
	// loggedIn is set once the client sent LOGIN or AUTHENTICATE; until
	// then the server's STARTTLS capability is hidden (see pump).
	loggedIn atomic.Bool
}

func (c *proxyConn) close() {
	c.once.Do(func() {
		c.cl.Close()
		c.sv.Close()
	})
}

// pump copies src to dst, watching for the armed fault.
func (c *proxyConn) pump(src, dst net.Conn, up bool) {
	defer c.p.wg.Done()
	defer func() {
		c.close()
		c.p.mu.Lock()
		delete(c.p.open, c)
		c.p.mu.Unlock()
	}()
	buf := make([]byte, 32<<10)
	var window []byte // the last bytes seen, to match across chunks
	cutIn := -1       // bytes left before the cut, once this stream claimed a fault
	for {
		n, err := src.Read(buf)
		chunk := buf[:n]
		if n > 0 && !c.loggedIn.Load() {
			// The faults match the plaintext protocol, and mailferry uses
			// STARTTLS whenever the server offers it, even on loopback:
			// hide it (same length) until the login.
			if up {
				if bytes.Contains(chunk, []byte(" LOGIN ")) || bytes.Contains(chunk, []byte(" AUTHENTICATE ")) {
					c.loggedIn.Store(true)
				}
			} else {
				chunk = bytes.ReplaceAll(chunk, []byte(" STARTTLS"), []byte(" XNOTLS__"))
			}
		}
		if n > 0 {
			c.p.mu.Lock()
			d := c.p.delay
			if cutIn < 0 && len(c.p.faults) > 0 && c.p.faults[0].Up == up {
				f := c.p.faults[0]
				window = append(window, chunk...)
				if i := bytes.Index(window, []byte(f.After)); i >= 0 {
					// Bytes of this chunk after the end of the pattern.
					after := len(window) - (i + len(f.After))
					cutIn = f.Bytes + (len(chunk) - after)
					c.p.faults = c.p.faults[1:]
					c.p.fired = append(c.p.fired, f)
					if f.OnFire != nil {
						f.OnFire()
					}
				} else if keep := len(f.After) - 1; len(window) > keep {
					window = append(window[:0], window[len(window)-keep:]...)
				}
			} else {
				window = window[:0]
			}
			c.p.mu.Unlock()
			if d > 0 {
				time.Sleep(d)
			}
			if cutIn >= 0 && cutIn <= len(chunk) {
				dst.Write(chunk[:cutIn])
				return
			}
			if _, werr := dst.Write(chunk); werr != nil {
				return
			}
			if cutIn >= 0 {
				cutIn -= len(chunk)
			}
		}
		if err != nil {
			return // EOF or a closed socket: close both sides
		}
	}
}
