package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/mailferry/mailferry/dedupe"
	"github.com/mailferry/mailferry/exporters"
	"github.com/mailferry/mailferry/importers"
)

// Scope says which target messages a source message is compared with.
type Scope string

const (
	ScopeFolder Scope = "folder" // the mapped target folder (default)
	ScopeGlobal Scope = "global" // every folder of the target
	ScopeOff    Scope = "off"    // no dedupe: every message is copied
)

// Options configure Plan and Copy. The zero value uses the defaults.
type Options struct {
	Mapper Mapper
	Dedupe Scope // "" means ScopeFolder
	// QuotaHeadroom is the share of a quota limit a copy may fill (0.9 by
	// default): a plan that would leave usage above it is refused.
	QuotaHeadroom float64
	IgnoreQuota   bool
	// MaxSize skips messages larger than this (0: the target's own limit).
	MaxSize int64
	// KeepDeleted copies messages the source client marked deleted but had
	// not yet expunged or compacted.
	KeepDeleted bool
	// Walk filters the source by date.
	Walk   importers.WalkOptions
	DryRun bool
	// NoBatch stores every message on its own even when the target can
	// take several at once (BatchTarget).
	NoBatch bool
	// Observer receives progress events; nil discards them.
	Observer Observer
	// SourceID names the source account ("imaps://user@host:993") for the
	// incremental state (see state.go); "" asks the source (Identified).
	SourceID string
	// Stop, when closed, ends the run after the message (or batch) in
	// flight: Copy returns ErrInterrupted with the outcome so far (Ctrl-C).
	// Cancelling ctx instead aborts what is in flight.
	Stop <-chan struct{}
	// RetryDelays are the waits before each retry of a store that failed
	// on the target's connection (nil: failure.Backoff); RetryBudget
	// bounds the time one message's retries take from its first attempt
	// (0: failure.DefaultBudget, like importers.Options.RetryBudget on the
	// source side).
	RetryDelays []time.Duration
	RetryBudget time.Duration
	// Connections is how many source/target pairs plan and copy folders
	// in parallel (parallel.go); 0 or 1: one folder at a time. More than
	// one needs Engine.Open.
	Connections int
}

func (o *Options) headroom() float64 {
	if o.QuotaHeadroom <= 0 || o.QuotaHeadroom > 1 {
		return 0.9
	}
	return o.QuotaHeadroom
}

func (o *Options) scope() Scope {
	if o.Dedupe == "" {
		return ScopeFolder
	}
	return o.Dedupe
}

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
	Kind   string `json:"kind"` // "error", "too-big", "rejected", "skipped", "unaccounted"
	Size   int64  `json:"size,omitempty"`
	Reason string `json:"reason"`
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
// too big, rejected, not accounted for).
func (p *Plan) Incomplete() bool {
	t := p.Totals()
	return t.Errors > 0 || t.TooBig > 0 || t.Failed > 0 || t.Unaccounted != 0
}

// Engine plans and runs copies.
type Engine struct {
	Src  importers.Source
	Sink exporters.Sink
	Opts Options

	// Open opens one more source and sink like Src and Sink (another
	// connection each), for Options.Connections; nil: one pair only.
	Open func(ctx context.Context) (importers.Source, exporters.Sink, error)

	caps exporters.Caps
	obs  Observer
	inc  *incState   // nil: not incremental (state.go)
	mu   *sync.Mutex // guards the Plan's Problems while workers run (parallel.go)
	// workers are the engines of the other connections (parallel.go),
	// opened by the plan, used by the copy too, closed at the end.
	workers []*Engine
	opened  bool
}

func (e *Engine) init() {
	e.caps = e.Sink.Caps()
	e.obs = e.Opts.Observer
	if e.obs == nil {
		e.obs = nopObserver{}
	}
}

// inspected is what the engine learns of a message before it decides.
type inspected struct {
	key  dedupe.Key
	wire int64 // bytes to send
}

// inspect keys a message and computes its wire size in one read. skip
// tells, from the key, that the message will not be written whatever its
// size (a duplicate): its size after CRLF conversion, which costs reading
// the whole body, is not counted then, and wire is its source length.
func (e *Engine) inspect(m *importers.Message, skip func(dedupe.Key) bool) (inspected, error) {
	var in inspected
	needCount := e.caps.CRLF && !m.CRLF
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
	if n, max := m.Body.Len(), e.maxSize(); skip != nil && (max == 0 || n > max || 2*n <= max) && skip(k) {
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
	return in, nil
}

func (e *Engine) maxSize() int64 {
	max := e.caps.MaxSize
	if e.Opts.MaxSize > 0 && (max == 0 || e.Opts.MaxSize < max) {
		max = e.Opts.MaxSize
	}
	return max
}

// sets holds the dedupe indexes by target name (or one global index).
type sets struct {
	scope  Scope
	global *dedupe.Index
	by     map[string]*dedupe.Index
	// targets are the global index's stores (dedupe store numbers).
	targets []exporters.Target
}

func (s *sets) get(target string) *dedupe.Index {
	switch s.scope {
	case ScopeGlobal:
		return s.global
	case ScopeOff:
		return nil
	}
	if s.by[target] == nil {
		s.by[target] = dedupe.NewIndex()
	}
	return s.by[target]
}

func (s *sets) clone() *sets {
	c := &sets{scope: s.scope, by: map[string]*dedupe.Index{}, targets: s.targets}
	if s.global != nil {
		c.global = s.global.Clone()
	}
	for k, v := range s.by {
		c.by[k] = v.Clone()
	}
	return c
}

// existing keys the target's current contents.
func (e *Engine) existing(ctx context.Context, plan *Plan) (*sets, error) {
	s := &sets{scope: e.Opts.scope(), by: map[string]*dedupe.Index{}}
	switch s.scope {
	case ScopeOff:
		return s, nil
	case ScopeGlobal:
		s.global = dedupe.NewIndex()
		if allUpToDate(plan) {
			return s, nil
		}
		fis, err := e.Sink.Folders(ctx)
		if err != nil {
			return nil, err
		}
		for _, fi := range fis {
			if fi.NoSelect {
				continue
			}
			t, err := e.Sink.Resolve(ctx, fi.Folder, "")
			if err != nil {
				return nil, err
			}
			s.targets = append(s.targets, t)
			if err := e.inventoryInto(ctx, t, uint32(len(s.targets)-1), s.global); err != nil {
				return nil, fmt.Errorf("reading target folder %s: %w", t.Name(), err)
			}
		}
		return s, nil
	}
	done := map[string]bool{}
	needed := map[string]bool{}
	for _, fp := range plan.Folders {
		needed[fp.Target] = needed[fp.Target] || !fp.inc.upToDate
	}
	for _, fp := range plan.Folders {
		if done[fp.Target] || !fp.target.Exists() || !needed[fp.Target] {
			continue
		}
		done[fp.Target] = true
		if err := e.inventory(ctx, fp.target, s.get(fp.Target)); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// inventory adds what target t holds to set.
func (e *Engine) inventory(ctx context.Context, t exporters.Target, set *dedupe.Index) error {
	e.obs.Event(Event{Type: "inventory", Folder: t.Name()})
	if err := e.inventoryInto(ctx, t, 0, set); err != nil {
		return fmt.Errorf("reading target folder %s: %w", t.Name(), err)
	}
	return nil
}

// Plan lists the source, maps folders, keys the target and the source,
// and checks quota. It writes nothing.
func (e *Engine) Plan(ctx context.Context) (*Plan, *sets, error) {
	defer e.closeWorkers()
	return e.plan(ctx)
}

func (e *Engine) plan(ctx context.Context) (*Plan, *sets, error) {
	e.init()
	start := time.Now()
	plan := &Plan{DryRun: e.Opts.DryRun}
	if n, ok := e.Src.(importers.Noter); ok {
		plan.Notes = n.Notes()
	}
	e.inc = e.incremental()
	fis, err := e.Src.Folders(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("listing source folders: %w", err)
	}
	mapped := e.Opts.Mapper.MapAll(fis, e.Sink) // distinct folders stay distinct (mapping.go)
	for i, fi := range fis {
		if fi.NoSelect || !e.Opts.Mapper.Selected(fi.Folder) {
			continue
		}
		mp := mapped[i]
		t, err := e.Sink.Resolve(ctx, mp.Folder, mp.Use)
		if err != nil {
			return nil, nil, fmt.Errorf("mapping folder %s: %w", fi.Folder, err)
		}
		fp := &FolderPlan{
			Source: fi.Folder, SourceP: fi.Folder.String(), Target: t.Name(), TargetP: mp.Folder.String(), Use: mp.Use,
			Exists: t.Exists(), target: t, mapped: mp, listed: fi.Messages, Found: -1,
		}
		plan.Folders = append(plan.Folders, fp)
		if err := e.inc.prepare(ctx, fp); err != nil {
			return nil, nil, err
		}
	}
	var ex *sets
	if units := e.planUnits(plan); e.parallel(len(units)) {
		ex, err = e.planParallel(ctx, plan, units) // parallel.go
	} else {
		ex, err = e.planSequential(ctx, plan)
	}
	if err != nil {
		return nil, nil, err
	}
	e.quota(ctx, plan)
	plan.Elapsed = time.Since(start)
	return plan, ex, nil
}

// planSequential keys the targets, then the source folders, over the
// plan's connections.
func (e *Engine) planSequential(ctx context.Context, plan *Plan) (*sets, error) {
	ex, err := e.existing(ctx, plan)
	if err != nil {
		return nil, err
	}
	work := ex.clone()
	for _, fp := range plan.Folders {
		if fp.inc.upToDate {
			continue
		}
		if err := e.scan(ctx, plan, fp, fp.target, ex, work.get(fp.Target), ex.get(fp.Target)); err != nil {
			return nil, err
		}
	}
	for _, fp := range plan.Folders {
		ex.get(fp.Target).MergeMulti(work.get(fp.Target)) // dedupe.go
	}
	return ex, nil
}

// scan walks fp's source folder reading headers and decides each message
// against set (the target's keys and what the plan took so far; have: the
// target's keys alone). An unreadable folder is a problem of the plan; the
// error returned stops the plan (cancelled, interrupted).
func (e *Engine) scan(ctx context.Context, plan *Plan, fp *FolderPlan, t exporters.Target, ex *sets, set, have *dedupe.Index) error {
	hdrOnly := e.Opts.Walk
	hdrOnly.HeadersOnly = true
	e.obs.Event(Event{Type: "scan", Folder: fp.SourceP})
	err := e.accountedWalk(ctx, plan, fp, fp.FromUID, &hdrOnly, false, func(m *importers.Message, rerr error) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		fp.Messages++
		d := e.decide(ctx, m, rerr, set, ex.opener(ctx, t), true)
		e.account(plan, fp, m, d, false)
		fp.inc.planned(m.UID, d.kind == "dup" && d.stored)
		return nil
	})
	if set != nil && set.Multi() > 0 {
		// Some key is ambiguous (dedupe.go): the plan's size matches in
		// this folder are estimates, the copy decides them again.
		fp.inc.pmark = watermark{uid: fp.FromUID, last: fp.FromUID}
		fp.inc.prefix = 0
	}
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if errors.Is(err, ErrInterrupted) {
			return err
		}
		fp.Errors++
		e.problem(plan, Problem{Ref: fp.SourceP, Folder: fp.SourceP, Kind: "error", Reason: err.Error()})
	}
	return nil
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
func (e *Engine) decide(ctx context.Context, m *importers.Message, rerr error, set *dedupe.Index, open dedupe.Opener, estimate bool) (d decision) {
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
	if !e.Opts.KeepDeleted && m.HasFlag(imap.FlagDeleted) {
		return decision{kind: "deleted"}
	}
	// The size is always counted: it is the first content comparison.
	in, err := e.inspect(m, nil)
	if err != nil {
		return decision{kind: "error", err: &importers.MessageError{Ref: m.Ref, Folder: m.Folder, Err: err}}
	}
	if max := e.maxSize(); max > 0 && in.wire > max {
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
func (e *Engine) account(plan *Plan, fp *FolderPlan, m *importers.Message, d decision, copying bool) {
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
		e.problem(plan, Problem{Ref: m.Ref, Folder: fp.SourceP, Kind: "too-big", Size: d.in.wire,
			Reason: fmt.Sprintf("%d bytes is over the limit of %d", d.in.wire, e.maxSize())})
		e.obs.Event(Event{Type: "skip", Folder: fp.SourceP, Ref: m.Ref, Reason: "too-big", Bytes: d.in.wire})
	case "skipped":
		fp.Skipped++
		var se *importers.SkipError
		errors.As(d.err, &se)
		e.problem(plan, Problem{Ref: refOf(m, d.err), Folder: fp.SourceP, Kind: "skipped", Reason: se.Kind + ": " + se.Reason})
		e.obs.Event(Event{Type: "skip", Folder: fp.SourceP, Ref: refOf(m, d.err), Reason: se.Kind + ": " + se.Reason})
	case "error":
		fp.Errors++
		e.problem(plan, Problem{Ref: refOf(m, d.err), Folder: fp.SourceP, Kind: "error", Reason: d.err.Error()})
		e.obs.Event(Event{Type: "error", Folder: fp.SourceP, Ref: refOf(m, d.err), Reason: d.err.Error()})
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

// quota fills plan.Quota from the sink.
func (e *Engine) quota(ctx context.Context, plan *Plan) {
	var targets []exporters.Target
	need := map[string]int64{}
	needMsgs := map[string]int64{}
	seen := map[string]bool{}
	for _, fp := range plan.Folders {
		need[fp.Target] += fp.NewBytes
		needMsgs[fp.Target] += fp.New
		if !seen[fp.Target] {
			seen[fp.Target] = true
			targets = append(targets, fp.target)
		}
	}
	roots, err := e.Sink.Quota(ctx, targets)
	if err != nil {
		plan.QuotaErr = err.Error()
		return
	}
	h := e.Opts.headroom()
	for _, r := range roots {
		c := QuotaCheck{Root: r.Name, Known: true, Used: r.Used, Limit: r.Limit, Headroom: h,
			UsedMsgs: r.UsedMessages, LimitMsgs: r.LimitMessages}
		type tn struct {
			name string
			n    int64
		}
		var largest []tn
		for _, t := range r.Targets {
			c.Need += need[t]
			c.NeedMsgs += needMsgs[t]
			if need[t] > 0 {
				largest = append(largest, tn{t, need[t]})
			}
		}
		sort.Slice(largest, func(i, j int) bool { return largest[i].n > largest[j].n })
		for i, l := range largest {
			if i == 5 {
				break
			}
			c.Largest = append(c.Largest, fmt.Sprintf("%s (%s)", l.name, HumanBytes(l.n)))
		}
		c.Fits = true
		if r.Limit >= 0 {
			c.Available = int64(float64(r.Limit)*h) - r.Used
			if c.Need > 0 && c.Need > c.Available {
				c.Fits = false
			}
		} else {
			c.Available = -1
		}
		if r.LimitMessages >= 0 && c.NeedMsgs > 0 && float64(r.UsedMessages+c.NeedMsgs) > float64(r.LimitMessages)*h {
			c.Fits = false
		}
		plan.Quota = append(plan.Quota, c)
	}
}

// Copy plans, checks quota, and copies. It returns the plan with the
// outcome filled in. A quota refusal returns a *QuotaError and writes
// nothing. Per-message problems do not make Copy fail: see Plan.Incomplete.
func (e *Engine) Copy(ctx context.Context) (*Plan, error) {
	defer e.closeWorkers()
	plan, ex, err := e.plan(ctx)
	if err != nil {
		return plan, err
	}
	e.obs.Event(Event{Type: "plan", Plan: plan})
	if !plan.Fits() && !e.Opts.IgnoreQuota {
		var bad []QuotaCheck
		for _, q := range plan.Quota {
			if q.Known && !q.Fits {
				bad = append(bad, q)
			}
		}
		return plan, &QuotaError{Plan: plan, Checks: bad}
	}
	if e.Opts.DryRun {
		return plan, nil
	}
	start := time.Now()
	// The copy pass recomputes its decisions from the same existing keys,
	// so a source that changed in between is handled, not trusted.
	tot := plan.Totals()
	e.obs.Event(Event{Type: "start", Messages: tot.New, Bytes: tot.NewBytes})
	work := ex.clone()
	settled := map[string]bool{}
	for _, fp := range plan.Folders {
		fp.inc.planNew, fp.inc.planWalked = fp.New, fp.Messages-fp.inc.prefix
		// Nothing new: reading the folder again would only confirm it (a
		// re-run costs the plan's header reads, not two passes). A message
		// that arrives in the source meanwhile is for the next run, as
		// with mbsync. Incremental folders have their own shortcut.
		if fp.New == 0 && fp.inc.uidValidity == 0 && work.get(fp.Target).Multi() == 0 {
			fp.settled = true
			settled[fp.SourceP] = true
			continue
		}
		fp.New, fp.NewBytes, fp.Duplicates, fp.SameIDKept, fp.TooBig, fp.TooBigB, fp.Deleted, fp.Errors, fp.Skipped, fp.Messages = 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
	}
	// The copy pass lists its own problems, but for the settled folders.
	plan.Problems = slices.DeleteFunc(plan.Problems, func(p Problem) bool { return !settled[p.Folder] })
	if units := e.units(plan); e.parallel(len(units)) {
		err = e.copyParallel(ctx, plan, work, units) // parallel.go
	} else {
		err = e.copySequential(ctx, plan, work)
	}
	if err == nil {
		err = e.createEmpty(ctx, plan) // folders.go
	}
	plan.Elapsed = time.Since(start)
	return plan, err
}

// copySequential copies the folders one after the other over the plan's
// connections, then sweeps the targets written.
func (e *Engine) copySequential(ctx context.Context, plan *Plan, work *sets) error {
	for _, fp := range plan.Folders {
		if err := e.copyFolder(ctx, plan, fp, work, work.get(fp.Target)); err != nil {
			return err
		}
	}
	e.sweep(ctx, plan.Folders) // resilience.go
	return nil
}

func (e *Engine) copyFolder(ctx context.Context, plan *Plan, fp *FolderPlan, ex *sets, set *dedupe.Index) error {
	if fp.inc.upToDate || fp.settled {
		return nil // the incremental state and UIDNEXT, or the plan, say nothing is new
	}
	e.obs.Event(Event{Type: "folder", Folder: fp.SourceP, Target: fp.Target})
	created := fp.target.Exists()
	var batch *batcher
	if bt, ok := fp.target.(exporters.BatchTarget); ok && !e.Opts.NoBatch {
		batch = &batcher{bt: bt}
	}
	wopts := e.Opts.Walk
	// When the plan found most messages in the target already, fetch only
	// the new ones' bodies (on Body.Open), not every message's.
	wopts.HeadersOnly = fp.inc.planNew*8 <= fp.inc.planWalked
	from := e.inc.copyStart(ctx, e.Src, fp)
	defer e.inc.copyDone(fp)
	err := e.accountedWalk(ctx, plan, fp, from, &wopts, true, func(m *importers.Message, rerr error) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		fp.Messages++
		d := e.decide(ctx, m, rerr, set, ex.opener(ctx, fp.target), false)
		e.inc.walked(fp, m.UID, d)
		if d.kind != "new" {
			e.account(plan, fp, m, d, true)
			if d.kind == "dup" {
				e.obs.Event(Event{Type: "dup", Folder: fp.SourceP, Ref: m.Ref})
			}
			return nil
		}
		if d.sameID {
			fp.SameIDKept++
		}
		if !created {
			if err := fp.target.Create(ctx); err != nil {
				return fmt.Errorf("creating target folder %s: %w", fp.Target, err)
			}
			created = true
			fp.Exists = true
		}
		if batch != nil && d.in.wire <= batchMaxMessage {
			item, err := e.load(m, d.in.wire)
			if err != nil {
				return e.outcome(plan, fp, m, d.in.wire, err)
			}
			batch.items = append(batch.items, item)
			batch.bytes += d.in.wire
			if len(batch.items) < batchMaxItems && batch.bytes < batchMaxBytes {
				return nil
			}
			return e.flush(ctx, plan, fp, batch)
		}
		if batch != nil {
			// Keep the source's order: what is pending goes first.
			err := e.flush(ctx, plan, fp, batch)
			if err == nil {
				err = e.drain(ctx, plan, fp, batch)
			}
			if err != nil {
				return err
			}
		}
		return e.outcome(plan, fp, m, d.in.wire, e.appendRetry(ctx, fp, m, d.in))
	})
	if batch != nil {
		if err == nil {
			err = e.flush(ctx, plan, fp, batch)
		}
		// Even after an error: what was stored is accounted for.
		if derr := e.drain(ctx, plan, fp, batch); err == nil {
			err = derr
		}
	}
	if err != nil {
		var qe *QuotaError
		if ctx.Err() != nil || errors.As(err, &qe) || errors.Is(err, ErrInterrupted) {
			return err
		}
		if isWalkFatal(err) {
			return err
		}
		fp.Errors++
		e.problem(plan, Problem{Ref: fp.SourceP, Folder: fp.SourceP, Kind: "error", Reason: err.Error()})
	}
	return nil
}

// problem records a message or folder that was not copied.
func (e *Engine) problem(plan *Plan, p Problem) {
	if e.mu != nil {
		e.mu.Lock()
		defer e.mu.Unlock()
	}
	plan.Problems = append(plan.Problems, p)
}

// isWalkFatal tells a failure of the target (stop the run) from a source
// folder that could not be read (count it, go on).
func isWalkFatal(err error) bool {
	var we *targetError
	return errors.As(err, &we)
}

// openWire opens m's body as the target stores it: converted to CRLF when
// the target wants CRLF and the source does not have it.
func (e *Engine) openWire(m *importers.Message) (io.ReadCloser, error) {
	rc, err := m.Body.Open()
	if err != nil {
		return nil, &importers.MessageError{Ref: m.Ref, Folder: m.Folder, Err: err}
	}
	if e.caps.CRLF && !m.CRLF {
		return struct {
			io.Reader
			io.Closer
		}{importers.CRLFReader(rc), rc}, nil
	}
	return rc, nil
}

func (e *Engine) appendOne(ctx context.Context, fp *FolderPlan, m *importers.Message, wire int64) error {
	r, err := e.openWire(m)
	if err != nil {
		return err
	}
	defer r.Close()
	err = fp.target.Append(ctx, m, wire, r)
	if err == nil || errors.Is(err, exporters.ErrOverQuota) {
		return err
	}
	var rej *exporters.RejectedError
	var me *importers.MessageError
	if errors.As(err, &rej) || errors.As(err, &me) {
		return err
	}
	return &targetError{err}
}
