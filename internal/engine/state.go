package engine

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/mailferry/mailferry/dedupe"
	"github.com/mailferry/mailferry/exporters"
	"github.com/mailferry/mailferry/importers"
)

// Incremental copies.
//
// A source whose folders have UIDs (IMAP) and a sink that can keep a small
// state file (the local exporters) make a copy incremental: after a run,
// the state records, per source folder and target folder, the folder's
// UIDVALIDITY and the highest UID up to which every message is durably in
// the target. The next run walks only the UIDs above it, and a folder
// whose UIDNEXT shows nothing new is not walked (nor is its target
// folder inventoried) at all.
//
// The state is only a shortcut. When it is missing, unreadable, for
// another account, or the folder's UIDVALIDITY changed, the run falls back
// to the full walk with Message-ID de-duplication against the target, so
// losing it costs time, never a duplicate. It advances only past a
// contiguous run of UIDs each of which was written (Append returned, which
// the local exporters make durable) or found already in the target: a
// message that was skipped (too big, unreadable, marked deleted) or
// rejected stops it, and so does a date filter (--since/--before), which
// hides messages. A crash between a write and the state update costs only
// de-duplication work on the next run.

// stateVersion is the format of the state file.
const stateVersion = 1

type stateFile struct {
	Version int           `json:"version"`
	Note    string        `json:"note,omitempty"`
	Entries []*stateEntry `json:"entries"`
}

// stateEntry is one source folder copied to one target folder.
type stateEntry struct {
	Source      string    `json:"source"`
	Mailbox     []string  `json:"mailbox"`
	Target      []string  `json:"target"`
	Dedupe      Scope     `json:"dedupe"`
	UIDValidity uint32    `json:"uidvalidity"`
	UID         uint32    `json:"uid"`
	Updated     time.Time `json:"updated"`
}

func (e *stateEntry) key() string {
	return strings.Join([]string{e.Source, strings.Join(e.Mailbox, "\x00"), strings.Join(e.Target, "\x00"), string(e.Dedupe)}, "\x01")
}

// incState is the state of one run.
type incState struct {
	src     importers.IncrementalSource
	store   exporters.StateStore
	id      string
	scope   Scope
	entries map[string]*stateEntry
	dirty   map[string]bool
	obs     Observer
	// filtered: a date filter hides messages, so nothing is recorded.
	filtered bool
	// failed holds the keys of messages whose write failed in this run: a
	// later duplicate of one is not in the target.
	failed *dedupe.Set
	// mu guards entries and dirty, and the saves, when folders are copied
	// in parallel; a folder's own fields (folderInc) belong to its worker.
	mu sync.Mutex
}

// folderInc is the incremental side of one FolderPlan.
type folderInc struct {
	uidValidity uint32 // 0: the folder is walked in full, nothing recorded
	upToDate    bool   // nothing above FromUID: neither walked nor copied
	// pmark follows the plan's walk: up to pmark.uid every message was in
	// the target already (prefix messages), so Copy starts after it.
	pmark  watermark
	prefix int64
	// planNew and planWalked are the plan's counts, for Copy.
	planNew, planWalked int64
	// mark follows Copy's walk under UIDVALIDITY v; nil records nothing.
	mark      *watermark
	v         uint32
	sinceSave int
}

// incremental returns the run's state, or nil when the source, the sink
// (the caller's pair) or the options do not allow an incremental copy.
func (r *run) incremental() *incState {
	w := r.main()
	src, ok := w.src.(importers.IncrementalSource)
	if !ok {
		return nil
	}
	store, ok := w.sink.(exporters.StateStore)
	if !ok {
		return nil
	}
	id := r.opts.SourceID
	if id == "" {
		if idf, ok := w.src.(importers.Identified); ok {
			id = idf.Identity()
		}
	}
	if id == "" {
		return nil
	}
	st := &incState{src: src, store: store, id: id, scope: r.opts.scope(), obs: r.obs,
		entries: map[string]*stateEntry{}, dirty: map[string]bool{}, failed: dedupe.NewSet(),
		filtered: !r.opts.Walk.Since.IsZero() || !r.opts.Walk.Before.IsZero()}
	if err := st.load(st.entries); err != nil {
		// Not fatal: the full de-duplication takes over.
		st.obs.Event(Event{Type: "warning", Reason: "incremental state ignored: " + err.Error(), Code: CodeStateIgnored, Detail: err.Error()})
	}
	return st
}

// walk walks fp's source folder, above UID from when it is incremental,
// over w's own source connection.
func (w *worker) walk(ctx context.Context, fp *FolderPlan, from uint32, opts *importers.WalkOptions, fn importers.WalkFunc) error {
	if src, ok := w.src.(importers.IncrementalSource); ok && w.r.inc != nil && fp.inc.uidValidity != 0 {
		return src.WalkFrom(ctx, fp.Source, from, opts, fn)
	}
	return w.src.Walk(ctx, fp.Source, opts, fn)
}

func allUpToDate(plan *Plan) bool {
	for _, fp := range plan.Folders {
		if !fp.inc.upToDate {
			return false
		}
	}
	return true
}

func (st *incState) load(into map[string]*stateEntry) error {
	b, err := st.store.LoadState()
	if err != nil || b == nil {
		return err
	}
	var sf stateFile
	if err := json.Unmarshal(b, &sf); err != nil {
		return fmt.Errorf("unreadable: %w", err)
	}
	if sf.Version != stateVersion {
		return fmt.Errorf("version %d, want %d", sf.Version, stateVersion)
	}
	for _, en := range sf.Entries {
		if en != nil {
			into[en.key()] = en
		}
	}
	return nil
}

func (st *incState) entryKey(fp *FolderPlan) string {
	en := stateEntry{Source: st.id, Mailbox: fp.Source, Target: fp.mapped.Folder, Dedupe: st.scope}
	return en.key()
}

// prepare reads the folder's UIDVALIDITY and UIDNEXT and the recorded
// state, and sets fp.FromUID and fp.inc.
func (st *incState) prepare(ctx context.Context, fp *FolderPlan) error {
	if st == nil {
		return nil
	}
	v, next, err := st.src.FolderState(ctx, fp.Source)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return nil // walked in full
	}
	fp.inc.uidValidity = v
	if v == 0 {
		return nil
	}
	k := st.entryKey(fp)
	if en := st.entries[k]; en != nil && en.UIDValidity == v && next > 0 && en.UID >= next {
		// The server hands out UIDs at or below what the state records as
		// copied (restored from a backup with the same UIDVALIDITY): the
		// state is wrong for this mailbox. De-duplication decides, and the
		// state starts again from nothing for it.
		args := []any{fp.Source.String(), en.UID, next}
		st.obs.Event(Event{Type: "warning", Folder: fp.Source.String(), Reason: sentence(CodeStateReset, args...), Code: CodeStateReset, Args: args})
		st.restart(k, fp, v)
	} else if en != nil && en.UIDValidity == v {
		fp.FromUID = en.UID
		fp.inc.upToDate = next > 0 && next-1 <= en.UID
	}
	fp.inc.pmark = watermark{uid: fp.FromUID, last: fp.FromUID}
	return nil
}

// restart replaces the state entry k of fp's folder by an empty one for
// UIDVALIDITY v (nothing recorded as copied) and marks it to be saved.
func (st *incState) restart(k string, fp *FolderPlan, v uint32) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.entries[k] = &stateEntry{Source: st.id, Mailbox: fp.Source, Target: fp.mapped.Folder, Dedupe: st.scope,
		UIDValidity: v, Updated: time.Now().UTC().Truncate(time.Second)}
	st.dirty[k] = true
}

// planned follows the plan's walk: inTarget says the message is in the
// target already (not merely planned).
func (fi *folderInc) planned(uid uint32, inTarget bool) {
	if fi.uidValidity == 0 || fi.pmark.blocked {
		return
	}
	if inTarget {
		fi.pmark.add(uid, wmOK, dedupe.Key{})
	} else {
		fi.pmark.add(uid, wmBad, dedupe.Key{})
	}
	if !fi.pmark.blocked {
		fi.prefix++
	}
}

// copyStart returns the UID after which Copy walks fp, and prepares the
// watermark of the copy when the state may be advanced. src is the
// connection that walks fp (a worker's, parallel.go).
func (st *incState) copyStart(ctx context.Context, src importers.Source, fp *FolderPlan) uint32 {
	if st == nil || fp.inc.uidValidity == 0 {
		return 0
	}
	isrc := st.src
	if s, ok := src.(importers.IncrementalSource); ok {
		isrc = s
	}
	// The plan's UIDs hold only while UIDVALIDITY is the same.
	v, _, err := isrc.FolderState(ctx, fp.Source)
	if err != nil {
		return 0
	}
	from := uint32(0)
	if v == fp.inc.uidValidity {
		from = fp.inc.pmark.uid
		fp.Messages, fp.Duplicates = fp.inc.prefix, fp.inc.prefix
	}
	if !st.filtered && v != 0 {
		fp.inc.v = v
		fp.inc.mark = &watermark{uid: from, last: from}
	}
	return from
}

// walked follows the copy's walk before a message is stored: a new one
// is pending until stored says how its write went.
func (st *incState) walked(fp *FolderPlan, uid uint32, d decision) {
	if st == nil || fp.inc.mark == nil {
		return
	}
	switch {
	case d.kind == "new":
		fp.inc.mark.add(uid, wmPending, d.in.key)
	case d.kind == "dup" && !st.failed.Has(d.in.key):
		fp.inc.mark.add(uid, wmOK, d.in.key)
	default:
		fp.inc.mark.add(uid, wmBad, d.in.key)
	}
}

// stored records the outcome of a write; every stateSaveEvery writes the
// state is saved.
func (st *incState) stored(fp *FolderPlan, uid uint32, ok bool) {
	if st == nil || fp.inc.mark == nil {
		return
	}
	if key, found := fp.inc.mark.settle(uid, ok); found && !ok {
		st.failed.Add(key)
	}
	if fp.inc.sinceSave++; fp.inc.sinceSave >= stateSaveEvery {
		fp.inc.sinceSave = 0
		st.mu.Lock()
		defer st.mu.Unlock()
		st.advance(fp, fp.inc.v, fp.inc.mark.uid)
		st.saveWarn()
	}
}

// copyDone records how far the copy of fp got and saves the state.
func (st *incState) copyDone(fp *FolderPlan) {
	if st == nil || fp.inc.mark == nil {
		return
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	st.advance(fp, fp.inc.v, fp.inc.mark.uid)
	st.saveWarn()
}

// stateSaveEvery is how many writes into one folder are followed by a
// save of the state.
const stateSaveEvery = 1000

// saveWarn saves the state, reporting a failure as a warning: the copy
// itself is fine, the next run de-duplicates.
func (st *incState) saveWarn() {
	if err := st.save(); err != nil {
		st.obs.Event(Event{Type: "warning", Reason: err.Error(), Code: CodeStateNotSaved, Detail: err.Error()})
	}
}

// advance records that every message of fp's source folder up to uid
// (under UIDVALIDITY v) is in the target.
func (st *incState) advance(fp *FolderPlan, v, uid uint32) {
	if v == 0 || uid == 0 {
		return
	}
	k := st.entryKey(fp)
	if en := st.entries[k]; en != nil && en.UIDValidity == v && en.UID >= uid {
		return
	}
	st.entries[k] = &stateEntry{Source: st.id, Mailbox: fp.Source, Target: fp.mapped.Folder, Dedupe: st.scope,
		UIDValidity: v, UID: uid, Updated: time.Now().UTC().Truncate(time.Second)}
	st.dirty[k] = true
}

// save writes the state when it changed, merged with what is on disk now
// (another run may have recorded other folders).
func (st *incState) save() error {
	if len(st.dirty) == 0 {
		return nil
	}
	all := map[string]*stateEntry{}
	if err := st.load(all); err != nil {
		st.obs.Event(Event{Type: "warning", Reason: "incremental state replaced: " + err.Error(), Code: CodeStateReplaced, Detail: err.Error()})
	}
	for k := range st.dirty {
		all[k] = st.entries[k]
	}
	sf := stateFile{Version: stateVersion,
		Note: "mailferry incremental state: the highest source UID copied per folder; safe to delete (the next run then compares Message-IDs)"}
	for _, en := range all {
		sf.Entries = append(sf.Entries, en)
	}
	sortEntries(sf.Entries)
	b, err := marshalState(&sf)
	if err != nil {
		return err
	}
	if err := st.store.SaveState(b); err != nil {
		return fmt.Errorf("saving the incremental state: %w", err)
	}
	clear(st.dirty)
	return nil
}

// marshalState writes the state as JSON with one entry per line.
func marshalState(sf *stateFile) ([]byte, error) {
	head, err := json.Marshal(struct {
		Version int    `json:"version"`
		Note    string `json:"note,omitempty"`
	}{sf.Version, sf.Note})
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	b.Write(head[:len(head)-1])
	b.WriteString(`,"entries":[`)
	for i, en := range sf.Entries {
		if i > 0 {
			b.WriteByte(',')
		}
		line, err := json.Marshal(en)
		if err != nil {
			return nil, err
		}
		b.WriteString("\n")
		b.Write(line)
	}
	b.WriteString("\n]}\n")
	return b.Bytes(), nil
}

func sortEntries(es []*stateEntry) {
	slices.SortFunc(es, func(a, b *stateEntry) int { return strings.Compare(a.key(), b.key()) })
}

// watermark follows a walk in UID order: uid is the highest UID up to
// which every message walked is in the target. Messages whose write is in
// flight (batches) are queued until settled.
type watermark struct {
	uid     uint32
	last    uint32 // the last UID added
	blocked bool   // a message not in the target: uid stays
	q       []wmEntry
}

type wmState uint8

const (
	wmPending wmState = iota
	wmOK
	wmBad
)

type wmEntry struct {
	uid   uint32
	state wmState
	key   dedupe.Key
}

// add appends the next message of the walk.
func (w *watermark) add(uid uint32, s wmState, key dedupe.Key) {
	if w.blocked {
		if s == wmPending {
			// Kept for its key only (settle).
			w.q = append(w.q, wmEntry{uid: uid, state: s, key: key})
		}
		return
	}
	if uid == 0 || uid <= w.last {
		s = wmBad // no UID, or not ascending: trust nothing after
	}
	w.last = max(w.last, uid)
	if n := len(w.q); s == wmOK && n > 0 && w.q[n-1].state == wmOK {
		w.q[n-1].uid = uid // a run of messages in the target
	} else {
		w.q = append(w.q, wmEntry{uid: uid, state: s, key: key})
	}
	w.drain()
}

// settle records the outcome of a pending message and returns its key.
func (w *watermark) settle(uid uint32, ok bool) (dedupe.Key, bool) {
	for i := range w.q {
		if e := &w.q[i]; e.uid == uid && e.state == wmPending {
			e.state = wmBad
			if ok {
				e.state = wmOK
			}
			key := e.key
			if w.blocked {
				w.q = append(w.q[:i], w.q[i+1:]...)
			}
			w.drain()
			return key, true
		}
	}
	return dedupe.Key{}, false
}

func (w *watermark) drain() {
	for len(w.q) > 0 && !w.blocked {
		switch w.q[0].state {
		case wmPending:
			return
		case wmOK:
			w.uid = w.q[0].uid
			w.q = w.q[1:]
		case wmBad:
			w.blocked = true
			// Only the pending messages matter now (their keys).
			w.q = slices.DeleteFunc(w.q, func(e wmEntry) bool { return e.state != wmPending })
		}
	}
}
