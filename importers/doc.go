// Package importers defines the message model shared by every importer and
// exporter of mailferry, and the Source interface that each store format
// (mbox, Thunderbird, Maildir, EML, PST, MSG, IMAP) implements.
//
// A Source turns a store into a stream of *Message values, one folder at a
// time. Bodies are never held in memory as a whole by the engine: a Body is
// re-openable (a file, a range of a file, or a spool file) and knows its exact
// length before the first byte is read, because IMAP APPEND and the quota
// preflight both need it.
package importers
