package importers

import (
	"context"
	"time"

	"github.com/emersion/go-imap/v2"
)

// FolderInfo describes one source folder. Messages and Bytes are -1 when
// they cannot be known without reading the whole folder.
type FolderInfo struct {
	Folder Folder
	// Use is the folder's special use (\Sent, \Drafts, \Trash, \Junk,
	// \Archive) when the store says so, else "".
	Use      imap.MailboxAttr
	Messages int64
	Bytes    int64
	// NoSelect marks a folder that only holds other folders.
	NoSelect bool
	// Target, when non-nil, is where the store itself says the folder
	// belongs in the target's tree, in place of Folder (Thunderbird: a POP
	// account's "pop.example.com/Inbox" is the account's Inbox, so Target
	// is {"Inbox"}, which the engine maps to INBOX). --into and
	// --folder-map work on Folder.
	Target Folder
}

// WalkFunc is called once per message, in the caller's goroutine.
//
// If err != nil the message could not be read: m is non-nil and m.Ref and
// m.Folder say where; m.Body is nil. Return nil to go on with the next
// message, or an error to stop the walk (the Walk returns that error).
type WalkFunc func(m *Message, err error) error

// WalkOptions tunes a Walk. The zero value walks everything with bodies.
type WalkOptions struct {
	// HeadersOnly tells sources for which bodies are expensive (IMAP) that
	// the caller needs Header, Len, flags and dates only; Body.Open may then
	// be slow or fail. Local sources ignore it.
	HeadersOnly bool
	// Since and Before filter by internal date when non-zero (Since
	// inclusive, Before exclusive). Messages without a date always pass.
	Since, Before time.Time
}

// Caps says what a store keeps; the conformance suites read it.
type Caps struct {
	// Flags is true when the store keeps message flags.
	Flags bool
	// DatePrecision is the precision of stored internal dates; 0 when the
	// store has no internal date (it is derived from the Date: header).
	DatePrecision time.Duration
	// ByteExact is true when bytes read back equal bytes written.
	ByteExact bool
}

// Source is a readable store. A Source is used by one goroutine at a time.
type Source interface {
	// Folders lists the store's folders in a stable order, parents first.
	Folders(ctx context.Context) ([]FolderInfo, error)
	// Walk calls fn for every message of folder f, in store order. Errors of
	// single messages go to fn; Walk itself returns an error only when the
	// folder as a whole cannot be read, or fn returned one.
	Walk(ctx context.Context, f Folder, opts *WalkOptions, fn WalkFunc) error
	// Caps describes the store.
	Caps() Caps
	// Close releases the store.
	Close() error
}

// Counter is implemented by sources that can count a folder's items
// independently of the parse Walk uses, conservatively: every candidate
// (the files of a directory tree, the candidate envelope lines of an mbox,
// the rows of a PST folder's contents table). The engine and verify check
// that, per folder, this count equals copied + proven duplicates + skipped
// (each named): a difference is a loss the parse would hide.
type Counter interface {
	CountItems(ctx context.Context, f Folder) (int64, error)
}
