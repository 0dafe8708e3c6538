// Package imap reads an IMAP account (imap:// and imaps:// specs) as an
// importers.Source. It is a thin driver over internal/imapclient, which
// holds the connection code both directions share: URL parsing, the TLS
// policy, the one login path, the redacted protocol trace, the personal
// namespace and the mapping between server mailbox names and logical
// folders (see its package doc).
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
// A read that fails because the connection broke (a transient error,
// internal/failure) is retried on a new connection with failure.Do, within
// importers.Options.RetryBudget; reads change nothing, so a retry is safe.
//
// # Writing
//
// exporters/imap writes through internal/imapclient too (a Session, and a
// RawConn for MULTIAPPEND); it does not import this package.
package imap
