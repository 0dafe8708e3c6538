// Package netconn is the protocol-independent part of a mail client
// connection, shared by the IMAP client (internal/imapclient) and the
// POP3 source (importers/pop3):
//
//   - tls.go: the tls.Config from the CA file, server name and
//     skip-verify options (NewTLSConfig), the per-host clone (ForHost),
//     the plaintext policy (PlainAllowed: loopback or --insecure-plain
//     only) and the hints for failed handshakes (TLSError);
//   - dial.go: the TCP connect (Dial), whose failures are
//     failure.Transient;
//   - progress.go: the progress deadline (Progress): a connection is
//     closed when no byte moved for the timeout while an operation is
//     pending;
//   - trace.go: the protocol trace with credentials removed (Trace).
//
// Errors are classified with internal/failure where they arise: a
// connect or a broken connection is transient (retryable), a refused
// certificate or a server that does not speak TLS is permanent.
package netconn
