// Package imap reads an IMAP account (imap:// and imaps:// specs) as an
// importers.Source, and holds the connection code that exporters/imap
// reuses: URL parsing, the TLS policy, login with a redacted protocol trace,
// the personal namespace, and the mapping between server mailbox names and
// logical folders.
//
// # Connections
//
// imaps:// uses implicit TLS (default port 993). imap:// (default port 143)
// upgrades with STARTTLS, which is required unless the host is loopback
// (127.0.0.0/8, ::1, localhost) or Options.InsecurePlain is set; in those two
// cases the connection stays in plaintext. Certificates are verified with
// Options.TLS (cloned; ServerName set to the host). The password comes from
// Options.Password and never appears in errors or in the Options.Debug trace.
//
// # Folder names
//
// A logical importers.Folder is the server's mailbox name without the
// personal namespace prefix ("INBOX." on Courier-style servers), split at the
// hierarchy delimiter. INBOX is always Folder{"INBOX"}. In the other
// direction an element that contains the delimiter gets it replaced by "_"
// (Folder{"a.b"} is "INBOX.a_b" on a server whose delimiter is "."), and an
// empty element becomes "_", because neither can be represented as one
// level. Names are UTF-8; go-imap converts to and from modified UTF-7.
//
// # Reading
//
// The Source opens every folder with EXAMINE, so nothing on the server
// changes (not even \Seen), and fetches with BODY.PEEK. Messages are read in
// UID order in batches; bodies are streamed into importers.Spool, so at most
// one batch of small bodies is in memory and larger ones go to SpoolDir.
// A read that fails because the connection broke is retried on a new
// connection (RetryDelays); reads change nothing, so a retry is safe.
//
// # Writing
//
// exporters/imap appends through a Session (which dials again after a
// dropped connection) and, for batches, a RawConn (MULTIAPPEND). Flags
// that APPEND cannot carry are left out (AppendFlags).
package imap
