package imapclient

import (
	"context"
	"crypto/tls"
	"net"
	"strings"
	"testing"

	"github.com/mailferry/mailferry/exporters/imap/dovecottest"
	"github.com/mailferry/mailferry/internal/failure"
)

// Connection errors that teach (issue 18): a POP3 server on the IMAP
// port is named as one, and a certificate for another name points to
// --tls-server-name. Both are permanent: trying again does not help.
func TestPOP3GreetingNamed(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Write([]byte("+OK Dovecot ready.\r\n"))
			c.Close()
		}
	}()
	ep := endpoint(t, "imap://alice@"+ln.Addr().String(), false)
	_, err = Dial(context.Background(), ep, testOpts(), "source")
	if err == nil || !strings.Contains(err.Error(), "POP3") || !strings.Contains(err.Error(), "pop3://alice@"+ln.Addr().String()) {
		t.Errorf("Dial to a POP3 server: %v, want it named with a pop3:// hint", err)
	}
	if failure.Classify(err).Retryable {
		t.Errorf("POP3 greeting: %v is retryable", err)
	}
	_, err = NewSession(ep, testOpts(), "target").DialRaw(context.Background())
	if err == nil || !strings.Contains(err.Error(), "POP3") {
		t.Errorf("DialRaw to a POP3 server: %v", err)
	}
}

func TestCertificateNameHint(t *testing.T) {
	srv := dovecottest.Start(t, nil)
	opts := tlsOpts(t, srv.CACertFile, nil)
	opts.TLS.ServerName = "mail.example.org"
	_, err := Dial(context.Background(), endpoint(t, "imaps://alice@"+srv.TLSAddr, false), opts, "source")
	if err == nil || !strings.Contains(err.Error(), "--tls-server-name") {
		t.Errorf("certificate for another name: %v, want a hint at --tls-server-name", err)
	}
	if failure.Classify(err).Retryable {
		t.Errorf("certificate error %v is retryable", err)
	}
	// The right name passes.
	opts.TLS = &tls.Config{RootCAs: opts.TLS.RootCAs, ServerName: "localhost"}
	c, err := Dial(context.Background(), endpoint(t, "imaps://alice@"+srv.TLSAddr, false), opts, "source")
	if err != nil {
		t.Fatalf("--tls-server-name localhost: %v", err)
	}
	c.Close()
}
