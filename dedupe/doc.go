// Package dedupe computes the identity of a message so that a copy never
// uploads a message the target already holds.
//
// The key of a message is a fixed-size hash (16 bytes) of its normalized
// Message-ID. When the Message-ID is missing or malformed, the key falls
// back to a hash of the Date, From, To and Subject header fields plus the
// body, with line endings normalized so that a message keyed from an LF
// mbox file and the same message read back from an IMAP server (CRLF) get
// the same key.
package dedupe
