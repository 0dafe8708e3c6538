package exportertest

import (
	"context"
	"fmt"
	"io"
	"sort"
	"sync"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/mailferry/mailferry/dedupe"
	"github.com/mailferry/mailferry/exporters"
	"github.com/mailferry/mailferry/importers"
)

// MemSink is an in-memory Sink that records what it stores, with an
// optional quota, for engine tests (maddy's testutils.Target).
type MemSink struct {
	mu      sync.Mutex
	Boxes   map[string]*MemBox
	CRLF    bool
	MaxSize int64
	// Limit is the storage quota in bytes (<0: none; 0: unknown quota).
	Limit int64
	// AppendErr, when set, is returned by Append for the message with that Ref.
	AppendErr map[string]error
	Appends   int
	// Batch makes its targets BatchTargets (all-or-nothing AppendBatch);
	// Batches counts the batches stored.
	Batch   bool
	Batches int
	// Opened counts the stored messages read back (OpenStored).
	Opened int
}

// MemBox is one folder of a MemSink.
type MemBox struct {
	Folder importers.Folder
	Msgs   []MemMsg
}

// MemMsg is one stored message.
type MemMsg struct {
	Raw   []byte
	Flags []imap.Flag
	Date  time.Time
}

// NewMemSink returns an empty sink with an INBOX and no quota.
func NewMemSink() *MemSink {
	return &MemSink{Boxes: map[string]*MemBox{"INBOX": {Folder: importers.Folder{"INBOX"}}}, Limit: -1}
}

func (s *MemSink) Caps() exporters.Caps {
	return exporters.Caps{CRLF: s.CRLF, MaxSize: s.MaxSize, Flags: true, DatePrecision: time.Second, ByteExact: true}
}
func (s *MemSink) Close() error { return nil }

func (s *MemSink) used() int64 {
	var n int64
	for _, b := range s.Boxes {
		for _, m := range b.Msgs {
			n += int64(len(m.Raw))
		}
	}
	return n
}

func (s *MemSink) Folders(ctx context.Context) ([]importers.FolderInfo, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []importers.FolderInfo
	for _, b := range s.Boxes {
		out = append(out, importers.FolderInfo{Folder: b.Folder, Messages: int64(len(b.Msgs)), Bytes: -1})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Folder.String() < out[j].Folder.String() })
	return out, nil
}

func (s *MemSink) Resolve(ctx context.Context, f importers.Folder, use imap.MailboxAttr) (exporters.Target, error) {
	if f.IsInbox() {
		f = importers.Folder{"INBOX"}
	}
	if s.Batch {
		return &memBatchTarget{memTarget{s: s, f: f}}, nil
	}
	return &memTarget{s: s, f: f}, nil
}

type memBatchTarget struct{ memTarget }

// AppendBatch stores all items or none, like IMAP MULTIAPPEND: an
// AppendErr of any item or the quota refuses the whole batch.
func (t *memBatchTarget) AppendBatch(ctx context.Context, items []exporters.BatchItem) error {
	t.s.mu.Lock()
	defer t.s.mu.Unlock()
	var size int64
	for _, it := range items {
		if err := t.s.AppendErr[it.M.Ref]; err != nil {
			return err
		}
		size += int64(len(it.Data))
	}
	if t.s.Limit > 0 && t.s.used()+size > t.s.Limit {
		return fmt.Errorf("append batch: %w", exporters.ErrOverQuota)
	}
	b := t.s.Boxes[t.Name()]
	if b == nil {
		return fmt.Errorf("folder %s does not exist", t.Name())
	}
	for _, it := range items {
		t.s.Appends++
		b.Msgs = append(b.Msgs, MemMsg{Raw: append([]byte(nil), it.Data...), Flags: it.M.Flags, Date: it.M.InternalDate})
	}
	t.s.Batches++
	return nil
}

func (s *MemSink) Quota(ctx context.Context, targets []exporters.Target) ([]exporters.QuotaRoot, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.Limit == 0 {
		return nil, exporters.ErrQuotaUnknown
	}
	r := exporters.QuotaRoot{Name: "mem", Used: s.used(), Limit: s.Limit, LimitMessages: -1}
	for _, t := range targets {
		r.Targets = append(r.Targets, t.Name())
	}
	return []exporters.QuotaRoot{r}, nil
}

type memTarget struct {
	s *MemSink
	f importers.Folder
}

func (t *memTarget) Name() string { return t.f.String() }
func (t *memTarget) Exists() bool {
	t.s.mu.Lock()
	defer t.s.mu.Unlock()
	return t.s.Boxes[t.Name()] != nil
}
func (t *memTarget) Create(ctx context.Context) error {
	t.s.mu.Lock()
	defer t.s.mu.Unlock()
	if t.s.Boxes[t.Name()] == nil {
		t.s.Boxes[t.Name()] = &MemBox{Folder: t.f}
	}
	return nil
}

func (t *memTarget) Keys(ctx context.Context, fn func(dedupe.Key) error) error {
	t.s.mu.Lock()
	b := t.s.Boxes[t.Name()]
	var raws [][]byte
	if b != nil {
		for _, m := range b.Msgs {
			raws = append(raws, m.Raw)
		}
	}
	t.s.mu.Unlock()
	for _, r := range raws {
		k, _, err := dedupe.Of(bytesReader(r))
		if err != nil {
			return err
		}
		if err := fn(k); err != nil {
			return err
		}
	}
	return nil
}

// Inventory implements exporters.Inventoried: Size is the stored length,
// Loc the message's index.
func (t *memTarget) Inventory(ctx context.Context, fn func(exporters.Stored) error) error {
	t.s.mu.Lock()
	b := t.s.Boxes[t.Name()]
	var raws [][]byte
	if b != nil {
		for _, m := range b.Msgs {
			raws = append(raws, m.Raw)
		}
	}
	t.s.mu.Unlock()
	for i, r := range raws {
		k, _, err := dedupe.Of(bytesReader(r))
		if err != nil {
			return err
		}
		if err := fn(exporters.Stored{Key: k, Size: int64(len(r)), Loc: uint64(i)}); err != nil {
			return err
		}
	}
	return nil
}

// OpenStored implements exporters.Inventoried; Opened counts the calls.
func (t *memTarget) OpenStored(ctx context.Context, loc uint64) (io.ReadCloser, error) {
	t.s.mu.Lock()
	defer t.s.mu.Unlock()
	t.s.Opened++
	b := t.s.Boxes[t.Name()]
	if b == nil || loc >= uint64(len(b.Msgs)) {
		return nil, fmt.Errorf("no message %d in %s", loc, t.Name())
	}
	return io.NopCloser(bytesReader(b.Msgs[loc].Raw)), nil
}

func (t *memTarget) Append(ctx context.Context, m *importers.Message, size int64, r io.Reader) error {
	buf := make([]byte, size)
	if _, err := io.ReadFull(r, buf); err != nil {
		return err
	}
	t.s.mu.Lock()
	defer t.s.mu.Unlock()
	if err := t.s.AppendErr[m.Ref]; err != nil {
		return err
	}
	if t.s.Limit > 0 && t.s.used()+size > t.s.Limit {
		return fmt.Errorf("append: %w", exporters.ErrOverQuota)
	}
	b := t.s.Boxes[t.Name()]
	if b == nil {
		return fmt.Errorf("folder %s does not exist", t.Name())
	}
	t.s.Appends++
	b.Msgs = append(b.Msgs, MemMsg{Raw: buf, Flags: m.Flags, Date: m.InternalDate})
	return nil
}

// Source returns the sink's contents as a Source.
func (s *MemSink) Source() importers.Source { return &memSinkSource{s} }

type memSinkSource struct{ s *MemSink }

func (m *memSinkSource) Caps() importers.Caps {
	return importers.Caps{Flags: true, DatePrecision: time.Second, ByteExact: true}
}
func (m *memSinkSource) Close() error { return nil }
func (m *memSinkSource) Folders(ctx context.Context) ([]importers.FolderInfo, error) {
	return m.s.Folders(ctx)
}
func (m *memSinkSource) Walk(ctx context.Context, f importers.Folder, _ *importers.WalkOptions, fn importers.WalkFunc) error {
	m.s.mu.Lock()
	b := m.s.Boxes[f.String()]
	var msgs []MemMsg
	if b != nil {
		msgs = append(msgs, b.Msgs...)
	}
	m.s.mu.Unlock()
	for i, mm := range msgs {
		msg := &importers.Message{Ref: fmt.Sprintf("memsink:%s#%d", f, i), Folder: f, Flags: mm.Flags, InternalDate: mm.Date, Body: importers.BytesBody(mm.Raw)}
		if err := fn(msg, nil); err != nil {
			return err
		}
	}
	return nil
}
