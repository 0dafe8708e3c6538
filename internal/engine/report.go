package engine

import (
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/mailferry/mailferry/exporters"
	"github.com/mailferry/mailferry/importers"
)

// The Plan: what a copy will do, and did, per folder.

// FolderPlan is what Copy will do (or did) in one folder.
type FolderPlan struct {
	Source  importers.Folder `json:"-"`
	SourceP string           `json:"source"`
	Target  string           `json:"target"`
	// TargetP is the target folder as a logical path ("Archive/2019"),
	// for people; Target is the store's own name for it.
	TargetP  string           `json:"target_folder"`
	Use      imap.MailboxAttr `json:"special_use,omitempty"`
	Exists   bool             `json:"exists"`
	Messages int64            `json:"messages"`
	// New is how many messages are (to be) copied, NewBytes their wire size.
	New        int64 `json:"new"`
	NewBytes   int64 `json:"new_bytes"`
	Duplicates int64 `json:"duplicates"`
	// SameIDKept counts messages copied although the target (or an earlier
	// message of this run) holds one with the same Message-ID: their
	// content differs (see dedupe.Index); they are in New too.
	SameIDKept int64 `json:"same_id_different_content"`
	TooBig     int64 `json:"too_big"`
	TooBigB    int64 `json:"too_big_bytes"`
	Deleted    int64 `json:"deleted_skipped"`
	Filtered   int64 `json:"filtered"`
	Errors     int64 `json:"errors"`
	// Skipped counts items the source found but does not deliver as
	// messages (importers.SkipError: contacts, appointments, files that
	// are not messages); each is named in Problems with kind "skipped".
	Skipped int64 `json:"skipped"`
	// Copied and Failed are filled by Copy.
	Copied int64 `json:"copied"`
	Failed int64 `json:"failed"`
	// Altered counts copied messages the server stored with other bytes
	// than it was sent (exporters.AlterationChecker); each is named in
	// Problems with kind "altered".
	Altered int64 `json:"altered"`
	// FromUID > 0: an earlier run recorded every message up to this UID as
	// copied (incremental state); only the messages above it are read, and
	// Messages counts those only.
	FromUID uint32 `json:"from_uid,omitempty"`
	// Found is the source's independent count of the folder's items (of
	// those above FromUID), -1 when it has none; Unaccounted is Found
	// minus the items accounted for, a loss when not 0 (accounting.go).
	Found       int64 `json:"found"`
	Unaccounted int64 `json:"unaccounted"`

	target exporters.Target
	mapped Mapped
	inc    folderInc // incremental copy (state.go)
	listed int64     // messages, as the source listed the folder (-1: unknown)
	// settled: the plan found nothing to write here (all duplicates,
	// skipped or unreadable); the copy pass keeps the plan's counts and
	// does not read the folder again.
	settled bool
	acct    folderAcct // accounting.go
}

// Problem is one message that was not copied, with the reason.
type Problem struct {
	Ref    string `json:"ref"`
	Folder string `json:"folder"`
	Kind   string `json:"kind"` // "error", "too-big", "rejected", "skipped", "unaccounted", "altered"
	Size   int64  `json:"size,omitempty"`
	// Reason is the English text (as before codes); Code, Args and Detail
	// are the same reason typed, for other languages (reasons.go).
	Reason string `json:"reason"`
	Code   string `json:"code,omitempty"`
	Args   []any  `json:"args,omitempty"`
	Detail string `json:"detail,omitempty"`
}

// QuotaCheck is the preflight result for one quota root.
type QuotaCheck struct {
	Root      string  `json:"root"`
	Known     bool    `json:"known"`
	Used      int64   `json:"used"`
	Limit     int64   `json:"limit"`
	Need      int64   `json:"need"`
	Available int64   `json:"available"` // Limit*Headroom - Used
	Headroom  float64 `json:"headroom"`
	UsedMsgs  int64   `json:"used_messages"`
	LimitMsgs int64   `json:"limit_messages"`
	NeedMsgs  int64   `json:"need_messages"`
	Fits      bool    `json:"fits"`
	// Largest lists the target folders that need the most bytes.
	Largest []string `json:"largest,omitempty"`
}

// Plan is the result of planning a copy; Copy fills in the outcome.
type Plan struct {
	Folders  []*FolderPlan `json:"folders"`
	Quota    []QuotaCheck  `json:"quota"`
	QuotaErr string        `json:"quota_unknown,omitempty"`
	Problems []Problem     `json:"problems,omitempty"`
	DryRun   bool          `json:"dry_run,omitempty"`
	Elapsed  time.Duration `json:"elapsed_ns"`
	// Notes are the source's remarks for the summary (accounts left out,
	// accounts merged: see Noter).
	Notes []string `json:"notes,omitempty"`
	// CreatedEmpty counts the target folders Copy created with nothing
	// to write in them (empty source folders, see createEmpty).
	CreatedEmpty int `json:"created_empty_folders,omitempty"`
}

// Totals sums the folders.
func (p *Plan) Totals() FolderPlan {
	var t FolderPlan
	for _, f := range p.Folders {
		t.Messages += f.Messages
		t.New += f.New
		t.NewBytes += f.NewBytes
		t.Duplicates += f.Duplicates
		t.SameIDKept += f.SameIDKept
		t.TooBig += f.TooBig
		t.TooBigB += f.TooBigB
		t.Deleted += f.Deleted
		t.Filtered += f.Filtered
		t.Errors += f.Errors
		t.Skipped += f.Skipped
		t.Copied += f.Copied
		t.Failed += f.Failed
		t.Altered += f.Altered
	}
	t.Found, t.Unaccounted = planFound(p.Folders)
	return t
}

// Fits reports whether every known quota root has room.
func (p *Plan) Fits() bool {
	for _, q := range p.Quota {
		if q.Known && !q.Fits {
			return false
		}
	}
	return true
}

// Incomplete reports whether some source messages were not copied (errors,
// too big, rejected, not accounted for) or not copied intact (altered by
// the server).
func (p *Plan) Incomplete() bool {
	t := p.Totals()
	return t.Errors > 0 || t.TooBig > 0 || t.Failed > 0 || t.Unaccounted != 0 || t.Altered > 0
}
