package engine_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/mailferry/mailferry/dedupe"
	"github.com/mailferry/mailferry/exporters"
	"github.com/mailferry/mailferry/exporters/exportertest"
	"github.com/mailferry/mailferry/importers"
	"github.com/mailferry/mailferry/internal/engine"
)

// listSource is a Source of one or more folders of given messages; a
// folder named "boom" panics in Walk after its first message.
type listSource struct {
	folders []importers.Folder
	msgs    map[string][]*importers.Message
}

func (s *listSource) Caps() importers.Caps { return importers.Caps{ByteExact: true} }
func (s *listSource) Close() error         { return nil }
func (s *listSource) Folders(ctx context.Context) ([]importers.FolderInfo, error) {
	var out []importers.FolderInfo
	for _, f := range s.folders {
		out = append(out, importers.FolderInfo{Folder: f, Messages: -1, Bytes: -1})
	}
	return out, nil
}
func (s *listSource) Walk(ctx context.Context, f importers.Folder, opts *importers.WalkOptions, fn importers.WalkFunc) error {
	for i, m := range s.msgs[f.String()] {
		if f.String() == "boom" && i == 1 {
			panic("importer bug")
		}
		if err := fn(m, nil); err != nil {
			return err
		}
	}
	return nil
}

func msg(f, id string) *importers.Message {
	raw := fmt.Sprintf("Message-ID: <%s@example.com>\r\nSubject: %s\r\n\r\nbody %s\r\n", id, id, id)
	return &importers.Message{Ref: "test:" + f + "/" + id, Folder: importers.Folder{f}, Body: importers.BytesBody(raw)}
}

// panicBody panics in Open (open) or in Read.
type panicBody struct {
	n    int64
	open bool
}

func (b panicBody) Len() int64     { return b.n }
func (b panicBody) Release() error { return nil }
func (b panicBody) Open() (io.ReadCloser, error) {
	if b.open {
		panic("parser bug in Open")
	}
	return io.NopCloser(panicReader{}), nil
}

type panicReader struct{}

func (panicReader) Read([]byte) (int, error) { panic("parser bug in Read") }

// TestPanicInOneMessageIsItsError: a body that panics (in Open, in Read)
// and a source whose Walk panics are reported as errors; every other
// message is copied and Copy returns normally.
func TestPanicInOneMessageIsItsError(t *testing.T) {
	bad1 := msg("INBOX", "bad1")
	bad1.Body = panicBody{n: 100, open: true}
	bad2 := msg("INBOX", "bad2")
	bad2.Body = panicBody{n: 100}
	src := &listSource{
		folders: []importers.Folder{{"INBOX"}, {"boom"}, {"after"}},
		msgs: map[string][]*importers.Message{
			"INBOX": {msg("INBOX", "a"), bad1, msg("INBOX", "b"), bad2, msg("INBOX", "c")},
			"boom":  {msg("boom", "x"), msg("boom", "never")},
			"after": {msg("after", "y")},
		},
	}
	sink := exportertest.NewMemSink()
	plan, err := (&engine.Engine{Src: src, Sink: sink}).Copy(context.Background())
	if err != nil {
		t.Fatalf("Copy: %v", err)
	}
	tot := plan.Totals()
	if tot.Copied != 5 || sink.Appends != 5 {
		t.Errorf("copied %d (appends %d), want 5 (a, b, c, x, y)", tot.Copied, sink.Appends)
	}
	var panics int
	for _, p := range plan.Problems {
		if strings.Contains(p.Reason, "panic") {
			panics++
		}
	}
	if panics != 3 || !plan.Incomplete() {
		t.Errorf("want 3 panics reported (Open, Read, Walk), problems: %+v", plan.Problems)
	}
}

// flakySink wraps a MemSink: the targets fail the first fails[ref]
// Appends of a message with a connection error, before storing it
// (lost=false) or after (lost=true: the OK was lost with the connection).
// With batch, AppendBatch fails the same way once per batch.
type flakySink struct {
	*exportertest.MemSink
	mu        sync.Mutex
	fails     map[string]int
	lost      bool
	batchFail int
	keysCalls int
}

func (s *flakySink) Resolve(ctx context.Context, f importers.Folder, use imap.MailboxAttr) (exporters.Target, error) {
	t, err := s.MemSink.Resolve(ctx, f, use)
	if err != nil {
		return nil, err
	}
	if bt, ok := t.(exporters.BatchTarget); ok {
		return &flakyBatch{flakyTarget{Target: t, s: s}, bt}, nil
	}
	return &flakyTarget{Target: t, s: s}, nil
}

var errConn = errors.New("connection reset by peer")

type flakyTarget struct {
	exporters.Target
	s *flakySink
}

func (t *flakyTarget) Keys(ctx context.Context, fn func(k dedupe.Key) error) error {
	t.s.mu.Lock()
	t.s.keysCalls++
	t.s.mu.Unlock()
	return t.Target.Keys(ctx, fn)
}

func (t *flakyTarget) Append(ctx context.Context, m *importers.Message, size int64, r io.Reader) error {
	t.s.mu.Lock()
	fail := t.s.fails[m.Ref] > 0
	if fail {
		t.s.fails[m.Ref]--
	}
	t.s.mu.Unlock()
	if !fail {
		return t.Target.Append(ctx, m, size, r)
	}
	if t.s.lost {
		if err := t.Target.Append(ctx, m, size, r); err != nil {
			return err
		}
	}
	return errConn
}

type flakyBatch struct {
	flakyTarget
	bt exporters.BatchTarget
}

func (t *flakyBatch) AppendBatch(ctx context.Context, items []exporters.BatchItem) error {
	t.s.mu.Lock()
	fail := t.s.batchFail > 0
	if fail {
		t.s.batchFail--
	}
	t.s.mu.Unlock()
	if !fail {
		return t.bt.AppendBatch(ctx, items)
	}
	if t.s.lost {
		if err := t.bt.AppendBatch(ctx, items); err != nil {
			return err
		}
	}
	return errConn
}

// fastRetries are options whose retries wait a millisecond.
func fastRetries() engine.Options {
	return engine.Options{RetryDelays: []time.Duration{time.Millisecond, time.Millisecond, time.Millisecond}}
}

// TestRetryAfterConnectionFailure: an Append that fails on the connection
// is retried; when the failed Append had stored the message after all
// (lost OK), the retry finds it and does not store it twice. Same for a
// batch. A message failing more often than there are retries stops the run.
func TestRetryAfterConnectionFailure(t *testing.T) {
	fast := fastRetries()
	src := &listSource{folders: []importers.Folder{{"INBOX"}}, msgs: map[string][]*importers.Message{}}
	for i := 0; i < 10; i++ {
		src.msgs["INBOX"] = append(src.msgs["INBOX"], msg("INBOX", fmt.Sprint("m", i)))
	}
	for _, tc := range []struct {
		name  string
		lost  bool
		batch bool
	}{{"failed-before", false, false}, {"ok-lost", true, false}, {"batch-failed-before", false, true}, {"batch-ok-lost", true, true}} {
		t.Run(tc.name, func(t *testing.T) {
			mem := exportertest.NewMemSink()
			mem.Batch = tc.batch
			s := &flakySink{MemSink: mem, lost: tc.lost, fails: map[string]int{"test:INBOX/m3": 2, "test:INBOX/m7": 1}}
			if tc.batch {
				s.batchFail = 1
			}
			plan, err := (&engine.Engine{Src: src, Sink: s, Opts: fast}).Copy(context.Background())
			if err != nil {
				t.Fatalf("Copy: %v", err)
			}
			if n := len(mem.Boxes["INBOX"].Msgs); n != 10 || plan.Totals().Copied != 10 || plan.Incomplete() {
				t.Errorf("stored %d, copied %d, want 10 each; problems %+v", n, plan.Totals().Copied, plan.Problems)
			}
			seen := map[string]bool{}
			for _, m := range mem.Boxes["INBOX"].Msgs {
				if seen[string(m.Raw)] {
					t.Errorf("stored twice: %.40q", m.Raw)
				}
				seen[string(m.Raw)] = true
			}
		})
	}
	t.Run("gives-up", func(t *testing.T) {
		mem := exportertest.NewMemSink()
		s := &flakySink{MemSink: mem, fails: map[string]int{"test:INBOX/m3": 100}}
		_, err := (&engine.Engine{Src: src, Sink: s, Opts: fast}).Copy(context.Background())
		if !errors.Is(err, errConn) {
			t.Errorf("Copy err = %v, want the connection error after the retries", err)
		}
		if n := len(mem.Boxes["INBOX"].Msgs); n != 3 {
			t.Errorf("stored %d before giving up, want 3", n)
		}
	})
}
