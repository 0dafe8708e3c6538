package netconn

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"

	"github.com/mailferry/mailferry/internal/failure"
)

// TLSOptions are the user's TLS settings (--tls-ca, --tls-server-name,
// --tls-insecure-skip-verify).
type TLSOptions struct {
	// CAFile is a PEM file of CA certificates to trust instead of the
	// system roots; "" for the system roots.
	CAFile string
	// ServerName is the name the certificate must carry when it is not
	// the host connected to.
	ServerName string
	// InsecureSkipVerify turns certificate checks off.
	InsecureSkipVerify bool
}

// ErrNoCertificate is NewTLSConfig's error for a CA file without a PEM
// certificate.
var ErrNoCertificate = errors.New("no PEM certificate found")

// NewTLSConfig builds the tls.Config of o (TLS 1.2 at least). A CA file
// that cannot be read returns the read error; one without certificates
// ErrNoCertificate.
func NewTLSConfig(o TLSOptions) (*tls.Config, error) {
	tc := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: o.ServerName, InsecureSkipVerify: o.InsecureSkipVerify}
	if o.CAFile != "" {
		pem, err := os.ReadFile(o.CAFile)
		if err != nil {
			return nil, err
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, ErrNoCertificate
		}
		tc.RootCAs = pool
	}
	return tc, nil
}

// ForHost clones base (nil: defaults) and names the server host unless
// base names one (--tls-server-name).
func ForHost(base *tls.Config, host string) *tls.Config {
	var cfg *tls.Config
	if base != nil {
		cfg = base.Clone()
	} else {
		cfg = &tls.Config{}
	}
	if cfg.ServerName == "" {
		cfg.ServerName = host
	}
	return cfg
}

// IsLoopback reports whether host is "localhost" or a loopback address
// (127.0.0.0/8, ::1). Other names are not resolved: a name that resolves
// to 127.0.0.1 is not trusted to stay local.
func IsLoopback(host string) bool {
	h := strings.TrimSuffix(strings.ToLower(host), ".")
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return true
	}
	if i := strings.IndexByte(h, '%'); i >= 0 { // fe80::1%lo
		h = h[:i]
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// PlainAllowed is the plaintext policy: a credential may cross a
// connection without TLS only to a loopback host or when the user allowed
// it (--insecure-plain). Where the server offers STARTTLS, clients use it
// all the same.
func PlainAllowed(host string, insecurePlain bool) bool {
	return insecurePlain || IsLoopback(host)
}

// CertError reports whether err is a failed certificate check.
func CertError(err error) bool {
	var ua x509.UnknownAuthorityError
	var ci x509.CertificateInvalidError
	var he x509.HostnameError
	var ve *tls.CertificateVerificationError
	return errors.As(err, &ua) || errors.As(err, &ci) || errors.As(err, &he) || errors.As(err, &ve)
}

// hostnameError reports whether err is a certificate issued for another
// name than the one connected to.
func hostnameError(err error) bool {
	var he x509.HostnameError
	return errors.As(err, &he)
}

// TLSError wraps a failed TLS handshake: proto ("imap"), what ("TLS",
// "STARTTLS"), addr; plainHint is the advice for a port that answered in
// plaintext ("use imap:// for STARTTLS"). A certificate error gets a hint
// at --tls-ca, or at --tls-server-name when the certificate is for
// another name; both and a plaintext answer are permanent, anything else
// (the connection broke) transient.
func TLSError(proto, what, addr string, err error, plainHint string) error {
	hint := ""
	switch {
	case hostnameError(err):
		hint = " (the server's certificate is for another name: if that is the server's real name, give it with --tls-server-name NAME)"
	case CertError(err):
		hint = " (the server's certificate is not trusted: for a self-signed certificate or a private CA give the CA's certificate with --tls-ca FILE)"
	case notTLS(err):
		hint = " (" + plainHint + ")"
	}
	werr := fmt.Errorf("%s: %s with %s: %w%s", proto, what, addr, err, hint)
	if hint != "" {
		return failure.Permanent(failure.Store, werr)
	}
	return failure.Transient(werr)
}

// notTLS reports whether the peer answered a ClientHello with something
// that is not TLS.
func notTLS(err error) bool {
	var rh tls.RecordHeaderError
	// QUIRK: crypto/tls says so in its text only when the record header
	// is not wrapped in a RecordHeaderError.
	return errors.As(err, &rh) || strings.Contains(err.Error(), "does not look like a TLS handshake")
}

// Opportunistic returns cfg for a connection that could have stayed in
// plaintext (PlainAllowed): the certificate is checked as cfg says, but a
// failed check is passed to unverified instead of failing the handshake:
// encrypted without proof of the peer is still better than plaintext.
// With unverified nil nobody wants the outcome, so the check is not made
// at all: it would load the system's root certificates (tens of
// milliseconds of CPU, once per process) for nothing.
func Opportunistic(cfg *tls.Config, unverified func(error)) *tls.Config {
	if cfg.InsecureSkipVerify {
		return cfg
	}
	if unverified == nil {
		o := cfg.Clone()
		o.InsecureSkipVerify = true
		o.VerifyConnection = nil
		return o
	}
	strict := cfg.Clone()
	o := cfg.Clone()
	o.InsecureSkipVerify = true
	o.VerifyConnection = func(cs tls.ConnectionState) error {
		if len(cs.PeerCertificates) == 0 {
			unverified(errors.New("no certificate"))
			return nil
		}
		inter := x509.NewCertPool()
		for _, c := range cs.PeerCertificates[1:] {
			inter.AddCert(c)
		}
		_, err := cs.PeerCertificates[0].Verify(x509.VerifyOptions{Roots: strict.RootCAs, DNSName: strict.ServerName, Intermediates: inter})
		if err == nil && strict.VerifyConnection != nil {
			err = strict.VerifyConnection(cs)
		}
		if err != nil {
			unverified(err)
		}
		return nil
	}
	return o
}
