package imapclient

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/mailferry/mailferry/exporters/imap/dovecottest"
	"github.com/mailferry/mailferry/importers"
)

func testOpts() *importers.Options {
	return &importers.Options{Password: func(string, string) (string, error) { return dovecottest.Password, nil }}
}

func tlsOpts(t *testing.T, caFile string, trace *bytes.Buffer) *importers.Options {
	t.Helper()
	opts := testOpts()
	if trace != nil {
		opts.Debug = trace
	}
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			t.Fatal(err)
		}
		pool := x509.NewCertPool()
		pool.AppendCertsFromPEM(pem)
		opts.TLS = &tls.Config{RootCAs: pool}
	}
	return opts
}

// endpoint parses an imap:// URL and pretends the host is remote (STARTTLS
// required) when remote is set.
func endpoint(t *testing.T, url string, remote bool) Endpoint {
	t.Helper()
	ep, err := ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	if remote {
		ep.requireTLS = &remote
	}
	return ep
}

// STARTTLS (as for a host that is not loopback) with the test CA as root,
// through go-imap (Dial) and through the MULTIAPPEND connection (DialRaw);
// without the CA both fail with a certificate error before the password
// is sent. On loopback, imap:// stays in plaintext.
func TestStartTLS(t *testing.T) {
	ctx := context.Background()
	srv := dovecottest.Start(t, nil)
	url := "imap://alice@" + srv.Addr

	var trace bytes.Buffer
	c, err := Dial(ctx, endpoint(t, url, true), tlsOpts(t, srv.CACertFile, &trace), "source")
	if err != nil {
		t.Fatalf("STARTTLS with the CA: %v", err)
	}
	if _, err := c.Select("INBOX", true); err != nil {
		t.Error(err)
	}
	c.Close()
	if s := trace.String(); !strings.Contains(s, "STARTTLS") || strings.Contains(s, dovecottest.Password) {
		t.Errorf("trace without STARTTLS, or with the password:\n%s", s)
	}

	sess := NewSession(endpoint(t, url, true), tlsOpts(t, srv.CACertFile, nil), "target")
	rc, err := sess.DialRaw(ctx)
	if err != nil {
		t.Fatalf("DialRaw with STARTTLS: %v", err)
	}
	if _, ok := rc.conn.(*tls.Conn); !ok || !rc.Has("MULTIAPPEND") {
		t.Errorf("DialRaw: conn %T, caps %v", rc.conn, rc.caps)
	}
	rc.Close()

	// No CA: the system roots do not know the test CA.
	var uerr x509.UnknownAuthorityError
	trace.Reset()
	_, err = Dial(ctx, endpoint(t, url, true), tlsOpts(t, "", &trace), "source")
	if !errors.As(err, &uerr) || !strings.Contains(err.Error(), "STARTTLS") || !strings.Contains(err.Error(), "--tls-ca") || strings.Contains(err.Error(), "--insecure-plain") {
		t.Errorf("STARTTLS without the CA: %v, want a certificate error that points to --tls-ca", err)
	}
	if strings.Contains(trace.String(), "LOGIN [redacted]") {
		t.Errorf("LOGIN sent although the certificate was refused:\n%s", trace.String())
	}
	_, err = NewSession(endpoint(t, url, true), tlsOpts(t, "", nil), "target").DialRaw(ctx)
	if !errors.As(err, &uerr) || !strings.Contains(err.Error(), "--tls-ca") {
		t.Errorf("DialRaw STARTTLS without the CA: %v, want a certificate error that points to --tls-ca", err)
	}
	// imaps: the same on the TLS port.
	_, err = Dial(ctx, endpoint(t, "imaps://alice@"+srv.TLSAddr, false), tlsOpts(t, "", nil), "source")
	if !errors.As(err, &uerr) || !strings.Contains(err.Error(), "--tls-ca") {
		t.Errorf("imaps without the CA: %v, want a certificate error that points to --tls-ca", err)
	}
	_, err = Dial(ctx, endpoint(t, "imaps://alice@"+srv.Addr, false), tlsOpts(t, "", nil), "source")
	if err == nil || !strings.Contains(err.Error(), "use imap://") {
		t.Errorf("imaps:// to the plaintext port: %v, want a hint at imap://", err)
	}
	_, err = NewSession(endpoint(t, "imaps://alice@"+srv.TLSAddr, false), tlsOpts(t, "", nil), "target").DialRaw(ctx)
	if !errors.As(err, &uerr) {
		t.Errorf("DialRaw imaps without the CA: %v, want a certificate error", err)
	}
	c, err = Dial(ctx, endpoint(t, "imaps://alice@"+srv.TLSAddr, false), tlsOpts(t, srv.CACertFile, nil), "source")
	if err != nil {
		t.Fatalf("imaps with the CA: %v", err)
	}
	c.Close()

	// Loopback: STARTTLS all the same, since the server offers it; the
	// certificate is not verified there (plaintext would be allowed).
	trace.Reset()
	c, err = Dial(ctx, endpoint(t, url, false), tlsOpts(t, "", &trace), "source")
	if err != nil {
		t.Fatalf("imap:// to loopback without the CA: %v", err)
	}
	if !strings.Contains(trace.String(), " STARTTLS\r\n") {
		t.Errorf("imap:// to loopback did not use the STARTTLS the server offers:\n%s", trace.String())
	}
	c.Close()
}

// A server that offers no STARTTLS, for a host that needs it: the login is
// refused on our side and the password never leaves.
func TestStartTLSMissing(t *testing.T) {
	ctx := context.Background()
	addr := memServer(t, "alice", dovecottest.Password)
	var trace bytes.Buffer
	_, err := Dial(ctx, endpoint(t, "imap://alice@"+addr, true), tlsOpts(t, "", &trace), "source")
	if err == nil || !strings.Contains(err.Error(), "STARTTLS") {
		t.Errorf("Dial to a server without STARTTLS: %v, want a STARTTLS error", err)
	}
	if strings.Contains(trace.String(), "LOGIN [redacted]") {
		t.Errorf("LOGIN sent in plaintext:\n%s", trace.String())
	}
	_, err = NewSession(endpoint(t, "imap://alice@"+addr, true), testOpts(), "target").DialRaw(ctx)
	if err == nil || !strings.Contains(err.Error(), "does not offer STARTTLS") {
		t.Errorf("DialRaw to a server without STARTTLS: %v", err)
	}
	// --insecure-plain lifts the requirement for a host that is not loopback.
	remote := Endpoint{Scheme: "imap", Host: "mail.example.com", Port: 143}
	if !remote.startTLSRequired(&importers.Options{}) || remote.startTLSRequired(&importers.Options{InsecurePlain: true}) {
		t.Error("startTLSRequired: want STARTTLS for a remote host unless InsecurePlain")
	}
}
