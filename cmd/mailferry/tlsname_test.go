package main

import (
	"strings"
	"testing"

	"github.com/mailferry/mailferry/exporters/imap/dovecottest"
)

// --tls-server-name checks the certificate against another name than the
// host dialled; per-side TLS flags apply to their side only.
func TestTLSServerNameAndPerSideCA(t *testing.T) {
	srv := dovecottest.Start(t, nil)
	t.Setenv("MAILFERRY_PASSWORD", dovecottest.Password)
	// The test certificate is for localhost and 127.0.0.1.
	if code, _, stderr := runCLI(t, "ls", "imaps://alice@"+srv.TLSAddr, "--tls-ca", srv.CACertFile, "--tls-server-name", "localhost"); code != 0 {
		t.Errorf("--tls-server-name localhost: exit %d: %s", code, stderr)
	}
	code, _, stderr := runCLI(t, "ls", "imaps://alice@"+srv.TLSAddr, "--tls-ca", srv.CACertFile, "--tls-server-name", "mail.example.org")
	if code == 0 {
		t.Errorf("--tls-server-name mail.example.org: exit 0, the certificate is not for that name")
	}
	if !strings.Contains(stderr, "mail.example.org") {
		t.Errorf("the error does not name the server name checked: %s", stderr)
	}
	// --target-tls-ca is for the target: ls opens its store as a source.
	if code, _, _ := runCLI(t, "ls", "imaps://alice@"+srv.TLSAddr, "--target-tls-ca", srv.CACertFile); code == 0 {
		t.Errorf("ls with --target-tls-ca only: exit 0, the source's certificate was not verified with the system roots")
	}
	if code, _, stderr := runCLI(t, "ls", "imaps://alice@"+srv.TLSAddr, "--source-tls-ca", srv.CACertFile); code != 0 {
		t.Errorf("ls with --source-tls-ca: exit %d: %s", code, stderr)
	}
}
