package netconn

import (
	"crypto/tls"
	"testing"
)

// With nobody to tell (unverified nil), Opportunistic makes no check at
// all (no system roots loaded); with a callback it keeps checking.
func TestOpportunisticWithoutListener(t *testing.T) {
	base := &tls.Config{ServerName: "mail.example", MinVersion: tls.VersionTLS12}
	o := Opportunistic(base, nil)
	if !o.InsecureSkipVerify || o.VerifyConnection != nil {
		t.Fatalf("nil listener: InsecureSkipVerify %v, VerifyConnection set %v; want true, false", o.InsecureSkipVerify, o.VerifyConnection != nil)
	}
	if base.InsecureSkipVerify {
		t.Fatal("the base config was changed")
	}
	var got error
	o = Opportunistic(base, func(err error) { got = err })
	if !o.InsecureSkipVerify || o.VerifyConnection == nil {
		t.Fatal("with a listener the certificate is still checked")
	}
	if err := o.VerifyConnection(tls.ConnectionState{}); err != nil || got == nil {
		t.Fatalf("no certificate: handshake error %v, reported %v; want nil, an error", err, got)
	}
}
