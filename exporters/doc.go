// Package exporters defines the Sink interface that every target store
// (IMAP, Maildir, mbox, EML) implements, and the engine that plans and runs
// a copy from an importers.Source into a Sink: folder mapping, dedupe
// against what the target already holds, quota preflight, and the upload.
package exporters
