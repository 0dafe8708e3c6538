package netconn

import (
	"bytes"
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mailferry/mailferry/internal/failure"
)

func TestPolicyAndTLSConfig(t *testing.T) {
	if !PlainAllowed("127.0.0.1", false) || !PlainAllowed("mail.example.com", true) || PlainAllowed("mail.example.com", false) {
		t.Error("PlainAllowed: want loopback or --insecure-plain only")
	}
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.pem")
	os.WriteFile(empty, []byte("no pem here"), 0o600)
	if _, err := NewTLSConfig(TLSOptions{CAFile: empty}); !errors.Is(err, ErrNoCertificate) {
		t.Errorf("CA file without PEM: %v", err)
	}
	if _, err := NewTLSConfig(TLSOptions{CAFile: filepath.Join(dir, "missing")}); err == nil {
		t.Error("missing CA file: no error")
	}
	cfg, err := NewTLSConfig(TLSOptions{ServerName: "mail.example.org"})
	if err != nil || ForHost(cfg, "10.0.0.1").ServerName != "mail.example.org" || ForHost(nil, "h").ServerName != "h" {
		t.Errorf("server name: %v", err)
	}
}

func TestDialTransient(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	_, err := Dial(context.Background(), "imap", addr)
	if err == nil || !failure.Classify(err).Retryable {
		t.Errorf("refused connect: %v, want a transient error", err)
	}
}

func TestProgressDeadline(t *testing.T) {
	a, b := net.Pipe()
	defer b.Close()
	p := NewProgress(a, 50*time.Millisecond)
	p.Arm()
	_, err := p.Read(make([]byte, 1))
	if !errors.Is(err, ErrTimeout) || !p.TimedOut() {
		t.Errorf("stalled read: %v", err)
	}
}

func TestTraceRedacts(t *testing.T) {
	var out bytes.Buffer
	tr := NewTrace(&out, func(f []string) int {
		if len(f) > 0 && f[0] == "PASS" {
			return 1
		}
		return -1
	}, func(f []string) bool { return len(f) > 0 && (f[0] == "+OK" || f[0] == "-ERR") }, nil)
	tr.Secret("hunter2")
	tr.Write([]byte("PASS hunter2\r\n-ERR bad hunter2\r\n"))
	tr.Secret("")
	if s := out.String(); strings.Contains(s, "hunter2") || !strings.Contains(s, "PASS [redacted]") || !strings.Contains(s, "-ERR bad [password]") {
		t.Errorf("trace:\n%s", s)
	}
}
