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
