package imapclient

import (
	"net"
	"net/url"
	"strconv"
	"strings"

	"github.com/mailferry/mailferry/importers"
	"github.com/mailferry/mailferry/internal/netconn"
)

// Endpoint is a parsed imap:// or imaps:// spec. It never holds a password.
type Endpoint struct {
	// Scheme is "imap" (STARTTLS or, on loopback, plaintext) or "imaps"
	// (implicit TLS).
	Scheme string
	// User is the login name, percent-decoded; it may contain '@'.
	User string
	// Host is a name or an IP address, without brackets.
	Host string
	// Port is the TCP port, 143 or 993 by default.
	Port int

	// requireTLS overrides StartTLSRequired in tests.
	requireTLS *bool
}

// ImplicitTLS reports whether the connection starts with a TLS handshake.
func (e Endpoint) ImplicitTLS() bool { return e.Scheme == "imaps" }

// Addr is host:port for net.Dial.
func (e Endpoint) Addr() string { return net.JoinHostPort(e.Host, strconv.Itoa(e.Port)) }

// String returns the spec without password: "imaps://user@host:993".
func (e Endpoint) String() string {
	return e.Scheme + "://" + url.PathEscape(e.User) + "@" + e.Addr()
}

// ParseURL parses "imap://user@host[:port]" or "imaps://user@host[:port]".
// The user may contain '@' (the host starts after the last one) or "%40".
// A password in the URL is refused: it would show in ps and in shell
// history. All errors wrap importers.ErrUsage.
func ParseURL(raw string) (Endpoint, error) {
	var e Endpoint
	lower := strings.ToLower(raw)
	switch {
	case strings.HasPrefix(lower, "imaps://"):
		e.Scheme, e.Port = "imaps", 993
	case strings.HasPrefix(lower, "imap://"):
		e.Scheme, e.Port = "imap", 143
	default:
		return e, importers.UsageError("%q: want imap://user@host[:port] or imaps://user@host[:port]", importers.Redact(raw))
	}
	rest := raw[len(e.Scheme)+3:]
	at := strings.LastIndex(rest, "@")
	if at < 0 {
		return e, importers.UsageError("%s: no user name (want %s://user@host)", importers.Redact(raw), e.Scheme)
	}
	userinfo, hostport := rest[:at], rest[at+1:]
	if strings.Contains(userinfo, ":") {
		return e, importers.UsageError("%s: do not put the password in the URL (it shows in ps and shell history); use MAILFERRY_PASSWORD or --password-file",
			importers.Redact(raw))
	}
	user, err := url.PathUnescape(userinfo)
	if err != nil || user == "" {
		return e, importers.UsageError("%s: bad user name %q", raw, userinfo)
	}
	e.User = user
	hostport = strings.TrimSuffix(hostport, "/")
	if strings.ContainsAny(hostport, "/?#") {
		return e, importers.UsageError("%s: want %s://user@host[:port] without path or query", raw, e.Scheme)
	}
	host := hostport
	if strings.HasPrefix(hostport, "[") && strings.HasSuffix(hostport, "]") {
		host = hostport[1 : len(hostport)-1]
	} else if strings.Contains(hostport, ":") {
		h, p, err := net.SplitHostPort(hostport)
		if err != nil {
			return e, importers.UsageError("%s: bad host:port %q", raw, hostport)
		}
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return e, importers.UsageError("%s: bad port %q", raw, p)
		}
		host, e.Port = h, n
	}
	if host == "" || strings.ContainsAny(host, "[] ") {
		return e, importers.UsageError("%s: bad host %q", raw, hostport)
	}
	e.Host = host
	return e, nil
}

// IsLoopback reports whether host is "localhost" or a loopback address
// (netconn.IsLoopback).
func IsLoopback(host string) bool { return netconn.IsLoopback(host) }

// StartTLSRequired is the policy for imap:// (not imaps://): the
// connection must be upgraded with STARTTLS before the login unless the
// host is loopback or the user allowed plaintext (--insecure-plain)
// (netconn.PlainAllowed). Where it is not required, STARTTLS is still used
// when the server offers it.
func StartTLSRequired(host string, insecurePlain bool) bool {
	return !netconn.PlainAllowed(host, insecurePlain)
}
