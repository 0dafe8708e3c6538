// This file is the whole contract of a target store: Sink and Target,
// and every optional interface a target may implement, each embedding
// the interface it extends (as go-imap v2 does). The engine
// (internal/engine) finds the optional ones by type assertion.

package exporters

import (
	"context"
	"io"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/mailferry/mailferry/dedupe"
	"github.com/mailferry/mailferry/importers"
)

// Caps describes what a Sink needs and keeps.
type Caps struct {
	// CRLF: the target wants CRLF line endings; the engine converts bare
	// LF and passes the converted size to Append.
	CRLF bool
	// MaxSize is the largest message the target accepts (IMAP APPENDLIMIT),
	// 0 when unknown or unlimited.
	MaxSize int64
	// Flags, DatePrecision and ByteExact mean what they mean in importers.Caps.
	Flags         bool
	DatePrecision time.Duration
	ByteExact     bool
}

// Sink is a writable store. A Sink and its Targets are used by one
// goroutine at a time; open several Sinks for several connections.
type Sink interface {
	Caps() Caps
	// Folders lists the target's existing folders (logical paths without
	// namespace prefix, with their special use).
	Folders(ctx context.Context) ([]importers.FolderInfo, error)
	// Resolve maps a logical folder and its special use to the target's own
	// folder. With use != "" a target folder with that special use is
	// preferred over the name. It creates nothing.
	Resolve(ctx context.Context, f importers.Folder, use imap.MailboxAttr) (Target, error)
	// Quota reports the quota roots covering targets. It returns
	// ErrQuotaUnknown when the store cannot tell.
	Quota(ctx context.Context, targets []Target) ([]QuotaRoot, error)
	Close() error
}

// Target is one folder of a Sink.
type Target interface {
	// Name is the target's own name for the folder, for reports
	// ("INBOX.Archive", "/backup/.Archive").
	Name() string
	// Exists reports whether the folder existed when it was resolved or
	// has been created since.
	Exists() bool
	// Create makes the folder (and its parents). Creating an existing
	// folder is not an error.
	Create(ctx context.Context) error
	// Keys calls fn with the dedupe key of every message already in the
	// folder. A missing folder has no keys.
	Keys(ctx context.Context, fn func(k dedupe.Key) error) error
	// Append stores one message: r yields exactly size bytes (already
	// converted to CRLF when Caps.CRLF). Either the whole message is stored
	// or nothing is: on any error the Target must leave no partial message.
	// Errors: ErrOverQuota when the target is full; a *RejectedError when
	// the target refused this message only; any other error is treated as
	// a failure of the connection or store.
	Append(ctx context.Context, m *importers.Message, size int64, r io.Reader) error
}

// QuotaRoot is one quota root (IMAP) or file system (local targets).
type QuotaRoot struct {
	Name string
	// Targets are the Names of the targets this root covers.
	Targets []string
	// Used and Limit in bytes; Limit < 0 means no storage limit.
	Used, Limit int64
	// UsedMessages and LimitMessages; LimitMessages < 0 means no limit.
	UsedMessages, LimitMessages int64
}

// BatchItem is one message of a batch: Data is the message as the target
// stores it (CRLF line endings when Caps.CRLF).
type BatchItem struct {
	M    *importers.Message
	Data []byte
}

// BatchTarget is a Target that can store several messages in one
// operation, all of them or none (IMAP MULTIAPPEND: one transaction on the
// server instead of one per message). The engine collects small messages
// into batches for it.
type BatchTarget interface {
	Target
	// AppendBatch stores all items or none, or returns a
	// *PartialBatchError naming how many it stored. Errors as for Append: on
	// ErrOverQuota or a *RejectedError the engine stores the items one by
	// one with Append to learn which the target takes; any other error
	// stops the run.
	AppendBatch(ctx context.Context, items []BatchItem) error
}

// PartialBatchError is what AppendBatch returns when the target could not
// store the batch in one operation and stored the items one by one (IMAP
// without MULTIAPPEND): items[:Stored] were stored, then items[Stored]
// failed with Err. The engine accounts the stored items as copied and
// never sends them again; the rest are handled as after a failed batch.
type PartialBatchError struct {
	Stored int
	Err    error
}

func (e *PartialBatchError) Error() string { return e.Err.Error() }
func (e *PartialBatchError) Unwrap() error { return e.Err }

// Optional interfaces of a Target or Sink.

// Stored is one message of a target folder's inventory.
type Stored struct {
	Key dedupe.Key
	// Size is the message as stored, in the target's unit: the CRLF wire
	// size when Caps.CRLF (IMAP RFC822.SIZE), the bytes stored otherwise
	// (the length the message had when it was appended, for a message
	// this program wrote). It must be what Append was given for a message
	// stored by Append, so that a re-run compares sizes only.
	Size int64
	// Loc is the target's handle for OpenStored (a UID, an offset, an
	// index into its listing).
	Loc uint64
	// Sum is the content hash when the inventory read the whole message
	// anyway (nil otherwise).
	Sum *dedupe.Sum
}

// Inventoried is a Target that lists its messages with their sizes and
// can read one back: every Target of this module implements it. For a
// Target without it, the key alone decides (the rule before sizes).
type Inventoried interface {
	Target
	Inventory(ctx context.Context, fn func(Stored) error) error
	// OpenStored reads back the message at loc (as given by Inventory),
	// streamed.
	OpenStored(ctx context.Context, loc uint64) (io.ReadCloser, error)
}

// Haser is a Target that can tell cheaply whether it holds a message with
// a dedupe key (IMAP: UID SEARCH HEADER Message-ID). known is false when
// it cannot tell for this message (no Message-ID); the engine then reads
// the folder's keys.
type Haser interface {
	Target
	Has(ctx context.Context, m *importers.Message, k dedupe.Key) (found, known bool, err error)
}

// Sweeper is a Target that can remove byte-identical duplicates which
// arrived in the folder after the engine first keyed it: a copy killed
// while the server was still storing its last write leaves that write to
// be committed late, possibly after the next run keyed the folder, which
// then stores the same messages again. The oldest copy is kept; messages
// that were there before the run are never touched.
type Sweeper interface {
	Target
	SweepDuplicates(ctx context.Context) (removed int, err error)
}

// AlterationChecker is a Target that can tell which of the messages it
// stored in this run the server keeps with other bytes than it was sent,
// although it accepted them (QUIRK: Cyrus IMAP's default munge8bit
// replaces raw 8-bit bytes in header fields with "X"). It remembers what
// it sent for each such message, so that a later run finds the stored
// message the same as its source message (a duplicate, not a new one).
type AlterationChecker interface {
	Target
	// Altered returns the messages written since its last call that the
	// server altered, and forgets them.
	Altered(ctx context.Context) ([]Alteration, error)
}

// Alteration is one message a server stored with other bytes than sent.
type Alteration struct {
	// Ref is the source message's Ref.
	Ref string
	// Reason says what changed and which server setting does it.
	Reason string
}

// StateFileName is the file in a local target's root that holds the
// incremental state.
const StateFileName = ".mailferry-state.json"

// StateStore is a Sink that can keep the engine's incremental state.
type StateStore interface {
	Sink
	// LoadState returns the stored state; nil and no error when there is
	// none.
	LoadState() ([]byte, error)
	// SaveState replaces the stored state atomically and durably.
	SaveState(b []byte) error
}

// FolderNamer is implemented by a Sink whose own folder names are not one
// to one with logical folders: the engine uses it so that two distinct
// source folders never end up in one target folder by accident of naming
// (MapAll), and to run the folders of one target folder on one
// connection (parallel.go).
type FolderNamer interface {
	Sink
	// FolderKey is the identity of logical folder f in the target: two
	// folders with the same key would be stored in one target folder
	// (IMAP: the mailbox name with the separator inside an element
	// replaced; local stores: the path case-folded, as the file system
	// may ignore case).
	FolderKey(f importers.Folder) string
	// NameKey is the identity of a Target's Name: equal for two names of
	// one folder (INBOX in any case; case-folded on local stores).
	NameKey(name string) string
}

// Locker is a Sink whose target a writing run locks, so that two runs
// into the same target (an overlapping cron job) never interleave: the
// second waits for the first or stops with a *LockedError before it has
// looked at the target. Plan, verify and dry runs take no lock.
type Locker interface {
	Sink
	// Lock takes the target's lock, waiting up to wait (0: not at all)
	// while another run holds it. release gives it back.
	Lock(ctx context.Context, wait time.Duration) (release func() error, err error)
}
