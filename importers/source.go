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
	// be slow or fail. Local sources ignore it, except the PST source,
	// which then builds each message without keeping it (importers/pst,
	// planbody.go).
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
	Source
	CountItems(ctx context.Context, f Folder) (int64, error)
}

// IncrementalSource is a Source whose messages have UIDs that only grow
// while the folder's UIDVALIDITY stays the same (importers/imap.Source).
type IncrementalSource interface {
	Source
	// FolderState returns the folder's UIDVALIDITY and UIDNEXT.
	FolderState(ctx context.Context, f Folder) (uidValidity, uidNext uint32, err error)
	// WalkFrom is Walk restricted to the messages with a UID above minUID,
	// in ascending UID order, with Message.UID set.
	WalkFrom(ctx context.Context, f Folder, minUID uint32, opts *WalkOptions, fn WalkFunc) error
}

// Identified is a Source that can name the account it reads
// ("imaps://user@host:993"); the incremental state is kept per identity.
// Options.SourceID takes precedence.
type Identified interface {
	Source
	Identity() string
}

// UIDCounter is a Counter of an IncrementalSource that can count the
// messages above a UID (importers/imap.Source).
type UIDCounter interface {
	Counter
	CountFrom(ctx context.Context, f Folder, minUID uint32) (int64, error)
}

// Noter is implemented by sources with remarks for the summary: what of
// the store they did not read and why (Thunderbird's IMAP accounts), how
// they merged parts of it. The engine copies them into Plan.Notes.
type Noter interface {
	Source
	Notes() []string
}
