package engine

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/emersion/go-imap/v2"
	"github.com/mailferry/mailferry/dedupe"
	"github.com/mailferry/mailferry/importers"
)

// Step 2, decide: what happens to one source message (new, duplicate,
// too big, deleted, skipped, unreadable), and how the decision is counted.

// inspected is what the engine learns of a message before it decides.
type inspected struct {
	key  dedupe.Key
	wire int64 // bytes to send
}

// inspect keys a message and computes its wire size in one read. skip
// tells, from the key, that the message will not be written whatever its
// size (a duplicate): its size after CRLF conversion, which costs reading
// the whole body, is not counted then, and wire is its source length.
func (w *worker) inspect(m *importers.Message, skip func(dedupe.Key) bool) (inspected, error) {
	var in inspected
	needCount := w.caps.CRLF && !m.CRLF
	kc := keyCacheOf(m.Body) // a local source's key cache (keycache.go)
	if k, n, ok := cachedKey(kc); ok {
		in = inspected{key: dedupe.Key(k), wire: m.Body.Len()}
		if needCount {
			in.wire = n
		}
		return in, nil
	}
	if m.Header != nil && !needCount {
		if k, ok := dedupe.FromHeader(m.Header); ok {
			return inspected{key: k, wire: m.Body.Len()}, nil
		}
	}
	rc, err := m.Body.Open()
	if err != nil {
		return in, err
	}
	defer rc.Close()
	cnt := &importers.CRLFCounter{R: rc}
	k, _, err := dedupe.Of(cnt)
	if err != nil {
		return in, err
	}
	in.key = k
	if !needCount {
		in.wire = m.Body.Len()
		return in, nil
	}
	// The size decides too-big before dedupe: count unless the source
	// length alone decides it (wire is between Len and 2×Len).
	if n, max := m.Body.Len(), w.maxSize(); skip != nil && (max == 0 || n > max || 2*n <= max) && skip(k) {
		in.wire = n
		return in, nil
	}
	if _, err := io.Copy(io.Discard, cnt); err != nil {
		return in, err
	}
	if cnt.N != m.Body.Len() {
		return in, fmt.Errorf("body is %d bytes, source said %d", cnt.N, m.Body.Len())
	}
	in.wire = cnt.Len()
	if kc != nil {
		kc.RememberKey(k, in.wire)
	}
	return in, nil
}

func (w *worker) maxSize() int64 {
	max := w.caps.MaxSize
	if w.opts.MaxSize > 0 && (max == 0 || w.opts.MaxSize < max) {
		max = w.opts.MaxSize
	}
	return max
}

type decision struct {
	kind   string // "new", "dup", "too-big", "deleted", "skipped", "error"
	in     inspected
	err    error
	sameID bool // "new" though a message with its key is stored or taken
	stored bool // "dup" of a message in the target (not of one taken)
}

// decide applies the rules to one source message; set is the target's
// index (nil: no de-duplication), open reads its stored messages back,
// estimate marks the plan (dedupe.Index.Match).
func (w *worker) decide(ctx context.Context, m *importers.Message, rerr error, set *dedupe.Index, open dedupe.Opener, estimate bool) (d decision) {
	defer func() {
		if v := recover(); v != nil { // a panic parsing this message is its error
			me := &importers.MessageError{Err: recovered(v)}
			if m != nil {
				me.Ref, me.Folder = m.Ref, m.Folder
			}
			d = decision{kind: "error", err: me}
		}
	}()
	if rerr != nil {
		var se *importers.SkipError
		if errors.As(rerr, &se) {
			return decision{kind: "skipped", err: se}
		}
		return decision{kind: "error", err: rerr}
	}
	if !w.opts.KeepDeleted && m.HasFlag(imap.FlagDeleted) {
		return decision{kind: "deleted"}
	}
	// The size is always counted: it is the first content comparison.
	in, err := w.inspect(m, nil)
	if err != nil {
		return decision{kind: "error", err: &importers.MessageError{Ref: m.Ref, Folder: m.Folder, Err: err}}
	}
	if max := w.maxSize(); max > 0 && in.wire > max {
		return decision{kind: "too-big", in: in}
	}
	if set == nil {
		return decision{kind: "new", in: in}
	}
	r, err := set.Match(dedupe.Msg{Key: in.key, Size: in.wire, Sum: func() (dedupe.Sum, error) { return sumOf(m) }}, open, estimate)
	if err != nil {
		return decision{kind: "error", err: &importers.MessageError{Ref: m.Ref, Folder: m.Folder, Err: err}}
	}
	if r.Dup {
		return decision{kind: "dup", in: in, stored: r.Stored}
	}
	return decision{kind: "new", in: in, sameID: r.SameID}
}

// account counts a decision in the plan; copying marks the copy pass,
// whose counts replace the plan's.
func (w *worker) account(plan *Plan, fp *FolderPlan, m *importers.Message, d decision, copying bool) {
	switch d.kind {
	case "new":
		fp.New++
		fp.NewBytes += d.in.wire
		if d.sameID {
			fp.SameIDKept++
		}
	case "dup":
		fp.Duplicates++
	case "deleted":
		fp.Deleted++
	case "too-big":
		fp.TooBig++
		fp.TooBigB += d.in.wire
		args := []any{d.in.wire, w.maxSize()}
		w.r.problem(plan, Problem{Ref: m.Ref, Folder: fp.SourceP, Kind: "too-big", Size: d.in.wire,
			Reason: sentence(CodeTooBig, args...), Code: CodeTooBig, Args: args})
		w.r.obs.Event(Event{Type: "skip", Folder: fp.SourceP, Ref: m.Ref, Reason: "too-big", Bytes: d.in.wire, Code: CodeTooBig, Args: args})
	case "skipped":
		fp.Skipped++
		var se *importers.SkipError
		errors.As(d.err, &se)
		code, args, detail := skipReason(se) // reasons.go
		ref := refOf(m, d.err)
		w.r.problem(plan, Problem{Ref: ref, Folder: fp.SourceP, Kind: "skipped", Reason: se.Kind + ": " + se.Reason, Code: code, Args: args, Detail: detail})
		w.r.obs.Event(Event{Type: "skip", Folder: fp.SourceP, Ref: ref, Reason: se.Kind + ": " + se.Reason, Code: code, Args: args, Detail: detail})
	case "error":
		fp.Errors++
		ref := refOf(m, d.err)
		detail := detailOf(d.err, ref)
		w.r.problem(plan, Problem{Ref: ref, Folder: fp.SourceP, Kind: "error", Reason: d.err.Error(), Code: CodeReadError, Detail: detail})
		w.r.obs.Event(Event{Type: "error", Folder: fp.SourceP, Ref: ref, Reason: d.err.Error(), Code: CodeReadError, Detail: detail})
	}
}

func refOf(m *importers.Message, err error) string {
	if m != nil && m.Ref != "" {
		return m.Ref
	}
	var me *importers.MessageError
	if errors.As(err, &me) {
		return me.Ref
	}
	return ""
}
