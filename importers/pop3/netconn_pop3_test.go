package pop3

// Tests of the network plumbing on internal/netconn (dial.go): the
// progress deadline, the STLS upgrade and the pop3s handshake, against
// a scripted server.

import (
	"bufio"
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/mailferry/mailferry/importers"
	"github.com/mailferry/mailferry/internal/failure"
	"github.com/mailferry/mailferry/internal/netconn"
)

// scripted starts a server on 127.0.0.1 that sends greeting (if not "")
// to each connection and answers each command line with answer(cmd); an
// answer "" is no answer at all (a stalled server).
func scripted(t *testing.T, greeting string, answer func(cmd string) string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	t.Cleanup(func() { close(done); ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				go func() { <-done; c.Close() }()
				if greeting != "" {
					c.Write([]byte(greeting))
				}
				r := bufio.NewReader(c)
				for {
					line, err := r.ReadString('\n')
					if err != nil {
						return
					}
					if a := answer(strings.TrimSpace(line)); a != "" {
						c.Write([]byte(a))
					}
				}
			}()
		}
	}()
	return ln.Addr().String()
}

func netOpts(timeout time.Duration) *importers.Options {
	return &importers.Options{
		Timeout:     timeout,
		RetryBudget: time.Millisecond,
		Password:    func(role, user string) (string, error) { return pw, nil },
	}
}

// TestNetconnStalledServerTimesOut: a server that stops answering after
// its greeting is given up after --timeout with an error that says so and
// is retryable (a new connection may do), as a net.Conn deadline was.
func TestNetconnStalledServerTimesOut(t *testing.T) {
	addr := scripted(t, "+OK ready\r\n", func(string) string { return "" })
	start := time.Now()
	_, err := Open(context.Background(), "pop3://joe@"+addr, netOpts(300*time.Millisecond))
	if err == nil {
		t.Fatal("Open succeeded against a stalled server")
	}
	if !errors.Is(err, netconn.ErrTimeout) || !strings.Contains(err.Error(), "--timeout") {
		t.Errorf("error %q does not name the timeout", err)
	}
	// failure.Do gives a BudgetError only for a retryable failure that
	// outlived the (1 ms) retry budget.
	var be *failure.BudgetError
	if !errors.As(err, &be) {
		t.Errorf("error %q was not taken as retryable", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("took %s", d)
	}
}

// TestNetconnSTLSDataBeforeHandshake: bytes the server sends after its
// STLS "+OK" and before the TLS handshake are refused (they would be
// taken as answers of the encrypted session: STARTTLS injection).
func TestNetconnSTLSDataBeforeHandshake(t *testing.T) {
	addr := scripted(t, "+OK ready\r\n", func(cmd string) string {
		switch strings.ToUpper(cmd) {
		case "CAPA":
			return "+OK\r\nSTLS\r\nUSER\r\nUIDL\r\n.\r\n"
		case "STLS":
			return "+OK begin TLS\r\n+OK injected\r\n"
		}
		return "-ERR no\r\n"
	})
	_, err := Open(context.Background(), "pop3://joe@"+addr, netOpts(5*time.Second))
	if err == nil || !strings.Contains(err.Error(), "before the TLS handshake") {
		t.Fatalf("Open: %v, want the data before the TLS handshake refused", err)
	}
	if failure.Classify(err).Retryable {
		t.Errorf("error %q is retryable", err)
	}
}

// TestNetconnPOP3SOnPlainPort: pop3s:// to a port that answers in
// plaintext fails at once (permanent) with the hint at pop3://.
func TestNetconnPOP3SOnPlainPort(t *testing.T) {
	addr := scripted(t, "+OK ready\r\n", func(string) string { return "-ERR no\r\n" })
	_, err := Open(context.Background(), "pop3s://joe@"+addr, netOpts(5*time.Second))
	if err == nil || !strings.Contains(err.Error(), "use pop3:// for STLS") {
		t.Fatalf("Open: %v, want the hint at pop3://", err)
	}
	if failure.Classify(err).Retryable {
		t.Errorf("error %q is retryable", err)
	}
}
