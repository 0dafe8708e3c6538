// Package imapclient is the one IMAP client layer of mailferry: both
// directions (importers/imap, the Source; exporters/imap, the Sink) use
// it, and neither imports the other. The protocol-independent part (TLS
// configuration and policy, TCP dial, progress deadline, redacted trace)
// is internal/netconn, which the POP3 source shares.
//
// # What lives where
//
//   - url.go: imap:// and imaps:// specs (Endpoint, ParseURL) and the
//     STARTTLS policy (StartTLSRequired).
//   - handshake.go: the start every connection shares: dial, implicit TLS
//     or STARTTLS, greeting and capabilities, login, capabilities again.
//     The result is a logged-in RawConn.
//   - login.go: the one login path (Credential, RawConn.login).
//   - conn.go: Conn (go-imap over a connection handed over after the
//     handshake with a PREAUTH greeting), Session (a Conn that comes back
//     after a dropped connection), error classification (Conn.Err,
//     Garbage).
//   - raw.go, rawquota.go: RawConn, the hand-driven connection for what
//     go-imap v2 cannot send: MULTIAPPEND (Append, AppendFlags) and a
//     lenient GETQUOTAROOT.
//   - names.go, list.go: the personal namespace and the mapping between
//     server mailbox names and logical folders; LIST with STATUS.
//   - wire.go: the stream filter under go-imap (limits on literals and
//     lines, LIST responses with undecodable names held back).
//   - trace.go: the IMAP rules of the redacted protocol trace.
//   - header.go, literal.go, search.go: header parsing, reading literals,
//     UID SEARCH.
//   - the mailbox-name codec (modified UTF-7) is internal/mutf7, shared
//     with the Maildir stores.
//
// # Connections and the TLS policy
//
// imaps:// (port 993) starts with a TLS handshake; the certificate is
// verified with importers.Options.TLS (cloned; ServerName set to the host
// unless --tls-server-name gave one). imap:// (port 143) uses STARTTLS
// whenever the server offers it. A host that is not loopback needs it,
// with a verified certificate, unless --insecure-plain; for a loopback
// host or with --insecure-plain, a server without STARTTLS is spoken to
// in plaintext, and STARTTLS is opportunistic: a certificate that does
// not verify is logged (debug) and the connection stays encrypted, which
// is still better than the plaintext the user allowed.
//
// # Logging in, and how a new login method plugs in
//
// Every connection logs in through RawConn.login with a Credential: the
// password of importers.Options.Password (LOGIN, or AUTHENTICATE PLAIN
// when the server has LOGINDISABLED), or, when importers.Options.Auth is
// set, AUTHENTICATE with the sasl.Client it returns for the mechanisms the
// server offers (AUTH=...; SASL-IR used when offered). A new method
// (OAuth2's XOAUTH2 or OAUTHBEARER) is a sasl.Client returned by
// Options.Auth: nothing here changes. Auth is called once per connection,
// so a retry that reconnects gets a fresh token. A refused login wraps
// ErrLogin, is permanent, names the user and the mechanism, never the
// secret; the password and the SASL responses never reach the trace
// (Options.Debug) or an error.
//
// # Errors
//
// Errors are classified with internal/failure where they arise: a
// connect, a broken connection or the progress deadline
// (importers.Options.Timeout) is transient, and the drivers retry it on a
// new connection (failure.Do); a refused login, a certificate that does
// not verify, a missing STARTTLS, a server that is not IMAP (a POP3
// greeting is named as such) and a response the client cannot parse are
// permanent. The server's NO and BAD answers are left to the caller.
package imapclient
