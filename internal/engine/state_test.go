package engine_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"testing"
	"time"

	"github.com/mailferry/mailferry/exporters"
	"github.com/mailferry/mailferry/exporters/exportertest"
	"github.com/mailferry/mailferry/importers"
	"github.com/mailferry/mailferry/importers/importertest"
	"github.com/mailferry/mailferry/internal/engine"
	imapimp "github.com/mailferry/mailferry/internal/imapclient"
)

// uidSource is an IncrementalSource in memory: generated messages with
// UIDs, a UIDVALIDITY per folder, and counters of what was read.
type uidSource struct {
	gen     importertest.GenOptions
	folders []importers.Folder
	boxes   map[string]*uidBox

	walks      int // WalkFrom calls
	delivered  int // messages given to a WalkFunc
	bodyWalked int // messages delivered by walks with bodies
	bodyOpens  int // Body.Open in HeadersOnly walks
	states     int // FolderState calls
}

type uidBox struct {
	validity uint32
	next     uint32
	msgs     []uidMsg
}

type uidMsg struct {
	uid uint32
	i   int // generated message number
}

func newUIDSource(count int, folders ...importers.Folder) *uidSource {
	s := &uidSource{gen: importertest.GenOptions{Count: count, AvgSize: 2 << 10, Folders: folders}, folders: folders, boxes: map[string]*uidBox{}}
	for fi, f := range folders {
		b := &uidBox{validity: 100 + uint32(fi), next: 1}
		s.boxes[f.String()] = b
		for i := fi; i < count; i += len(folders) {
			b.add(i)
		}
	}
	return s
}

func (b *uidBox) add(i int) {
	b.msgs = append(b.msgs, uidMsg{uid: b.next, i: i})
	b.next++
}

// recreate gives the folder a new UIDVALIDITY and new UIDs, as a server
// does when the mailbox is deleted and made again with the same messages.
func (b *uidBox) recreate() {
	b.validity += 1000
	b.next = 1
	old := b.msgs
	b.msgs = nil
	for _, m := range old {
		b.add(m.i)
	}
}

func (s *uidSource) Caps() importers.Caps {
	return importers.Caps{Flags: true, DatePrecision: time.Second, ByteExact: true}
}
func (s *uidSource) Close() error { return nil }
func (s *uidSource) Folders(ctx context.Context) ([]importers.FolderInfo, error) {
	var out []importers.FolderInfo
	for _, f := range s.folders {
		out = append(out, importers.FolderInfo{Folder: f, Messages: int64(len(s.boxes[f.String()].msgs)), Bytes: -1})
	}
	return out, nil
}
func (s *uidSource) FolderState(ctx context.Context, f importers.Folder) (uint32, uint32, error) {
	s.states++
	b := s.boxes[f.String()]
	return b.validity, b.next, nil
}
func (s *uidSource) Walk(ctx context.Context, f importers.Folder, opts *importers.WalkOptions, fn importers.WalkFunc) error {
	return s.WalkFrom(ctx, f, 0, opts, fn)
}
func (s *uidSource) WalkFrom(ctx context.Context, f importers.Folder, minUID uint32, opts *importers.WalkOptions, fn importers.WalkFunc) error {
	s.walks++
	b := s.boxes[f.String()]
	hdrOnly := opts != nil && opts.HeadersOnly
	for _, um := range b.msgs {
		if um.uid <= minUID {
			continue
		}
		m := importertest.GenMessage(s.gen, um.i)
		if opts != nil && !opts.Since.IsZero() && m.InternalDate.Before(opts.Since) {
			continue
		}
		m.Folder, m.UID = f, um.uid
		m.Ref = fmt.Sprintf("uid:%s;%d;%d", f, b.validity, um.uid)
		m.Header = headerOf(m)
		if hdrOnly {
			m.Body = &countingBody{Body: m.Body, n: &s.bodyOpens}
		} else {
			s.bodyWalked++
		}
		s.delivered++
		if err := fn(m, nil); err != nil {
			return err
		}
	}
	return nil
}

// headerOf parses the header of m, as an IMAP source has it.
func headerOf(m *importers.Message) map[string][]string {
	rc, _ := m.Body.Open()
	defer rc.Close()
	raw, _ := io.ReadAll(rc)
	return imapimp.ParseHeader(raw)
}

type countingBody struct {
	importers.Body
	n *int
}

func (b *countingBody) Open() (io.ReadCloser, error) {
	*b.n++
	return b.Body.Open()
}

// stateSink is a MemSink that keeps the incremental state.
type stateSink struct {
	*exportertest.MemSink
	state []byte
	saves int
}

func (s *stateSink) LoadState() ([]byte, error) { return s.state, nil }
func (s *stateSink) SaveState(b []byte) error {
	s.state = append([]byte(nil), b...)
	s.saves++
	return nil
}

func (s *stateSink) entries(t *testing.T) map[string][2]uint32 {
	t.Helper()
	var sf struct {
		Entries []struct {
			Mailbox     []string
			UIDValidity uint32
			UID         uint32
		}
	}
	if s.state == nil {
		return nil
	}
	if err := json.Unmarshal(s.state, &sf); err != nil {
		t.Fatal(err)
	}
	out := map[string][2]uint32{}
	for _, e := range sf.Entries {
		out[importers.Folder(e.Mailbox).String()] = [2]uint32{e.UIDValidity, e.UID}
	}
	return out
}

func (s *stateSink) total() int {
	n := 0
	for _, b := range s.Boxes {
		n += len(b.Msgs)
	}
	return n
}

var incFolders = []importers.Folder{{"INBOX"}, {"Archive"}, {"仕事", "重要"}}

func runCopy(t *testing.T, src *uidSource, sink *stateSink, opts engine.Options) *engine.Plan {
	t.Helper()
	if opts.SourceID == "" {
		opts.SourceID = "imaps://alice@example.com:993"
	}
	eng := &engine.Engine{Src: src, Sink: sink, Opts: opts}
	plan, err := eng.Copy(context.Background())
	if err != nil {
		t.Fatalf("Copy: %v", err)
	}
	return plan
}

func (s *uidSource) reset() {
	s.walks, s.delivered, s.bodyWalked, s.bodyOpens, s.states = 0, 0, 0, 0, 0
}

func TestIncrementalRuns(t *testing.T) {
	for _, batch := range []bool{false, true} {
		t.Run(fmt.Sprintf("batch=%v", batch), func(t *testing.T) {
			src := newUIDSource(300, incFolders...)
			sink := &stateSink{MemSink: exportertest.NewMemSink()}
			sink.Batch = batch
			p := runCopy(t, src, sink, engine.Options{})
			if got := p.Totals().Copied; got != 300 || sink.total() != 300 {
				t.Fatalf("first run copied %d, sink holds %d, want 300", got, sink.total())
			}
			st := sink.entries(t)
			for _, f := range incFolders {
				b := src.boxes[f.String()]
				if st[f.String()] != [2]uint32{b.validity, b.next - 1} {
					t.Errorf("state of %s = %v, want %v", f, st[f.String()], [2]uint32{b.validity, b.next - 1})
				}
			}

			// Second run: nothing walked, nothing read, nothing written.
			src.reset()
			p = runCopy(t, src, sink, engine.Options{})
			if p.Totals().Copied != 0 || src.walks != 0 || src.delivered != 0 || sink.total() != 300 {
				t.Errorf("second run: copied %d, %d walks, %d messages read; want nothing", p.Totals().Copied, src.walks, src.delivered)
			}

			// A new message: the third run reads it only.
			src.reset()
			inbox := src.boxes["INBOX"]
			inbox.add(1000)
			p = runCopy(t, src, sink, engine.Options{})
			if p.Totals().Copied != 1 || src.delivered != 2 || src.bodyWalked+src.bodyOpens != 1 {
				t.Errorf("third run: copied %d, read %d messages (%d bodies); want 1 copied, read twice (plan, copy), 1 body",
					p.Totals().Copied, src.delivered, src.bodyWalked+src.bodyOpens)
			}
			if got := sink.entries(t)["INBOX"][1]; got != inbox.next-1 {
				t.Errorf("INBOX state UID %d, want %d", got, inbox.next-1)
			}

			// UIDVALIDITY changed: full walk, no body read for messages
			// with a Message-ID, no duplicate, state follows.
			src.reset()
			inbox.recreate()
			p = runCopy(t, src, sink, engine.Options{})
			if p.Totals().Copied != 0 || sink.total() != 301 {
				t.Errorf("after UIDVALIDITY change: copied %d, sink holds %d; want 0, 301", p.Totals().Copied, sink.total())
			}
			if src.bodyWalked != 0 {
				t.Errorf("after UIDVALIDITY change: %d bodies walked, want none", src.bodyWalked)
			}
			if got := sink.entries(t)["INBOX"]; got != [2]uint32{inbox.validity, inbox.next - 1} {
				t.Errorf("INBOX state %v after UIDVALIDITY change, want %v", got, [2]uint32{inbox.validity, inbox.next - 1})
			}

			// State lost: no duplicates, no bodies beyond those without a
			// Message-ID (keyed by content).
			src.reset()
			sink.state = nil
			p = runCopy(t, src, sink, engine.Options{})
			if p.Totals().Copied != 0 || sink.total() != 301 {
				t.Errorf("state lost: copied %d, sink holds %d; want 0, 301", p.Totals().Copied, sink.total())
			}
			if src.bodyWalked != 0 || src.bodyOpens > 10 {
				t.Errorf("state lost: %d bodies walked, %d opened; want 0 and only those without Message-ID", src.bodyWalked, src.bodyOpens)
			}
			if len(sink.entries(t)) != len(incFolders) {
				t.Errorf("state lost: state not rebuilt: %v", sink.entries(t))
			}
			src.reset()
			runCopy(t, src, sink, engine.Options{})
			if src.delivered != 0 {
				t.Errorf("run after the rebuilt state read %d messages", src.delivered)
			}
		})
	}
}

// A message that could not be written keeps the state below it: the next
// run tries it again.
func TestIncrementalStopsAtFailure(t *testing.T) {
	for _, batch := range []bool{false, true} {
		t.Run(fmt.Sprintf("batch=%v", batch), func(t *testing.T) {
			src := newUIDSource(30, importers.Folder{"INBOX"})
			sink := &stateSink{MemSink: exportertest.NewMemSink()}
			sink.Batch = batch
			sink.AppendErr = map[string]error{"uid:INBOX;100;11": &exporters.RejectedError{Reason: "no"}}
			p := runCopy(t, src, sink, engine.Options{})
			if p.Totals().Copied != 29 || p.Totals().Failed != 1 {
				t.Fatalf("copied %d failed %d, want 29, 1", p.Totals().Copied, p.Totals().Failed)
			}
			if got := sink.entries(t)["INBOX"][1]; got != 10 {
				t.Errorf("state UID %d, want 10 (below the failed message)", got)
			}
			sink.AppendErr = nil
			p = runCopy(t, src, sink, engine.Options{})
			if p.Totals().Copied != 1 || sink.total() != 30 {
				t.Errorf("rerun copied %d (sink %d), want 1 (30)", p.Totals().Copied, sink.total())
			}
			if got := sink.entries(t)["INBOX"][1]; got != 30 {
				t.Errorf("state UID %d after the rerun, want 30", got)
			}
		})
	}
}

// Too-big messages, a date filter and another account or target folder do
// not advance or use the state wrongly.
func TestIncrementalGuards(t *testing.T) {
	src := newUIDSource(40, importers.Folder{"INBOX"})
	sink := &stateSink{MemSink: exportertest.NewMemSink()}
	since := importertest.GenMessage(src.gen, 20).InternalDate
	p := runCopy(t, src, sink, engine.Options{Walk: importers.WalkOptions{Since: since}})
	if p.Totals().Copied != 20 || sink.state != nil {
		t.Fatalf("filtered run copied %d, state %q; want 20 and no state", p.Totals().Copied, sink.state)
	}
	p = runCopy(t, src, sink, engine.Options{})
	if p.Totals().Copied != 20 || sink.total() != 40 {
		t.Fatalf("unfiltered run copied %d (sink %d), want 20 (40)", p.Totals().Copied, sink.total())
	}
	// Another account into the same target: its state is its own.
	src.reset()
	p = runCopy(t, src, sink, engine.Options{SourceID: "imaps://bob@example.com:993"})
	if src.delivered == 0 || p.Totals().Copied != 0 {
		t.Errorf("other account: read %d, copied %d; want a full walk, 0 copied", src.delivered, p.Totals().Copied)
	}
	// Another target folder (--into): full walk, copies everything there.
	src.reset()
	p = runCopy(t, src, sink, engine.Options{Mapper: engine.Mapper{Into: importers.Folder{"Backup"}}})
	if p.Totals().Copied != 40 {
		t.Errorf("into another folder: copied %d, want 40", p.Totals().Copied)
	}
	// Too big: state stops below it.
	src2 := newUIDSource(10, importers.Folder{"INBOX"})
	sink2 := &stateSink{MemSink: exportertest.NewMemSink()}
	var big int64
	var bigUID uint32
	for i := 0; i < 10; i++ {
		if n := importertest.GenMessage(src2.gen, i).Body.Len(); n > big {
			big, bigUID = n, uint32(i+1)
		}
	}
	p = runCopy(t, src2, sink2, engine.Options{MaxSize: big - 1})
	if p.Totals().TooBig != 1 {
		t.Fatalf("too big: %d, want 1", p.Totals().TooBig)
	}
	if got := sink2.entries(t)["INBOX"][1]; got >= bigUID {
		t.Errorf("state UID %d, want below the too-big message (UID %d)", got, bigUID)
	}
}

// failingStore loses every save, as a crash right after the writes would.
type failingStore struct{ *stateSink }

func (s failingStore) SaveState(b []byte) error { return fmt.Errorf("disk on fire") }

// A state that could not be saved (or a crash before it was) costs only
// de-duplication: the next run copies nothing twice. A corrupt state file
// is ignored with a warning and replaced.
func TestIncrementalStateLossAndCorruption(t *testing.T) {
	src := newUIDSource(60, incFolders...)
	sink := &stateSink{MemSink: exportertest.NewMemSink()}
	var warnings []string
	obs := engine.ObserverFunc(func(ev engine.Event) {
		if ev.Type == "warning" {
			warnings = append(warnings, ev.Reason)
		}
	})
	eng := &engine.Engine{Src: src, Sink: failingStore{sink}, Opts: engine.Options{SourceID: "x", Observer: obs}}
	p, err := eng.Copy(context.Background())
	if err != nil || p.Totals().Copied != 60 {
		t.Fatalf("copy with a failing state store: %v, copied %d", err, p.Totals().Copied)
	}
	if len(warnings) == 0 || sink.state != nil {
		t.Errorf("failing save: warnings %q, state %q", warnings, sink.state)
	}
	src.reset()
	p = runCopy(t, src, sink, engine.Options{SourceID: "x"})
	if p.Totals().Copied != 0 || sink.total() != 60 || src.bodyWalked != 0 {
		t.Errorf("run after the lost save: copied %d, sink %d, %d bodies walked", p.Totals().Copied, sink.total(), src.bodyWalked)
	}
	sink.state = []byte("{not json")
	warnings = nil
	eng = &engine.Engine{Src: src, Sink: sink, Opts: engine.Options{SourceID: "x", Observer: obs}}
	if p, err = eng.Copy(context.Background()); err != nil || p.Totals().Copied != 0 {
		t.Fatalf("copy with a corrupt state: %v, copied %d", err, p.Totals().Copied)
	}
	if len(warnings) == 0 || len(sink.entries(t)) != len(incFolders) {
		t.Errorf("corrupt state: warnings %q, entries %v", warnings, sink.entries(t))
	}
}

// recreatingSource recreates its folder (new UIDVALIDITY, same messages
// in another UID order) between the plan and the copy.
type recreatingSource struct {
	*uidSource
	at, calls int
}

func (s *recreatingSource) FolderState(ctx context.Context, f importers.Folder) (uint32, uint32, error) {
	if s.calls++; s.calls == s.at {
		b := s.boxes[f.String()]
		slices.Reverse(b.msgs) // new UIDs in another order
		b.recreate()
	}
	return s.uidSource.FolderState(ctx, f)
}

// A UIDVALIDITY that changes between the plan and the copy: the copy
// walks the folder in full (the plan's UIDs mean nothing now), copies
// only what is new and records the new UIDVALIDITY.
func TestIncrementalValidityChangesDuringRun(t *testing.T) {
	base := newUIDSource(40, importers.Folder{"INBOX"})
	sink := &stateSink{MemSink: exportertest.NewMemSink()}
	runCopy(t, base, sink, engine.Options{})
	inbox := base.boxes["INBOX"]
	inbox.add(500)                                   // one new message
	src := &recreatingSource{uidSource: base, at: 2} // 1: plan, 2: copy
	eng := &engine.Engine{Src: src, Sink: sink, Opts: engine.Options{SourceID: "imaps://alice@example.com:993"}}
	p, err := eng.Copy(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if p.Totals().Copied != 1 || sink.total() != 41 {
		t.Errorf("copied %d, sink holds %d; want 1, 41", p.Totals().Copied, sink.total())
	}
	if got := sink.entries(t)["INBOX"]; got != [2]uint32{inbox.validity, inbox.next - 1} {
		t.Errorf("state %v, want %v", got, [2]uint32{inbox.validity, inbox.next - 1})
	}
}
