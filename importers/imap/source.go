package imap

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"
	goimap "github.com/emersion/go-imap/v2/imapclient"
	"github.com/mailferry/mailferry/importers"
	"github.com/mailferry/mailferry/internal/failure"
	ic "github.com/mailferry/mailferry/internal/imapclient"
)

func init() {
	for _, scheme := range []string{"imap", "imaps"} {
		importers.Register(scheme, func(ctx context.Context, spec importers.Spec, opts *importers.Options) (importers.Source, error) {
			return Open(ctx, spec.Path, opts)
		})
	}
}

// Defaults of the walk's batching.
const (
	// DefaultBatch is how many messages one UID FETCH of message data
	// (flags, dates, sizes, the header fields keys need) covers: their
	// parsed headers are held until the batch is delivered.
	DefaultBatch = 500
	// DefaultBatchBytes bounds the body bytes one batch holds in memory;
	// bodies larger than importers.DefaultSpoolMem go to spool files and
	// count with that size only.
	DefaultBatchBytes = 16 << 20
	// minChunkBytes is the body bytes the first FETCH of a walk asks for
	// (at most batchBytes): the read-ahead grows from there only while
	// the server's round trip, not the transfer, is what a FETCH waits
	// for (see grow), so that a fast server costs little memory and a
	// distant one still gets large FETCHes.
	minChunkBytes = 512 << 10
)

// Source reads an IMAP account. It is used by one goroutine at a time; it
// reconnects by itself when its connection was lost between operations.
type Source struct {
	sess *ic.Session
	opts *importers.Options

	batch      int
	batchBytes int64
	// chunk is the body bytes one FETCH asks for now (0: not set yet):
	// from minChunkBytes up to batchBytes (grow).
	chunk int64
}

var _ importers.Source = (*Source)(nil)

// Open parses an imap:// or imaps:// URL, connects and logs in.
func Open(ctx context.Context, url string, opts *importers.Options) (*Source, error) {
	ep, err := ic.ParseURL(url)
	if err != nil {
		return nil, err
	}
	if opts == nil {
		opts = &importers.Options{}
	}
	s := &Source{sess: ic.NewSession(ep, opts, "source"), opts: opts, batch: DefaultBatch, batchBytes: DefaultBatchBytes}
	if opts.MemBudget > 0 {
		s.batchBytes = opts.MemBudget
	}
	if _, err := s.sess.Conn(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// Caps implements importers.Source.
func (s *Source) Caps() importers.Caps {
	return importers.Caps{Flags: true, DatePrecision: time.Second, ByteExact: true}
}

// Close logs out.
func (s *Source) Close() error { return s.sess.Close() }

// ctxErr prefers the context's error: a cancelled operation closes the
// connection, and the resulting network error says less.
func ctxErr(ctx context.Context, err error) error {
	if err != nil && ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}

// Folders lists the folders with their special use, their message count
// (STATUS MESSAGES) and, when the server has STATUS=SIZE, their size.
func (s *Source) Folders(ctx context.Context) ([]importers.FolderInfo, error) {
	c, err := s.sess.Conn(ctx)
	if err != nil {
		return nil, err
	}
	stop := c.Watch(ctx)
	defer stop()
	so := &imap.StatusOptions{NumMessages: true}
	if c.Caps.Has(imap.CapStatusSize) {
		so.Size = true
	}
	l, err := c.List(so)
	for _, name := range c.TakeSkipped() {
		s.opts.Log().Warn("imap: mailbox skipped: "+ic.SkippedReason, "mailbox", name)
	}
	if err != nil {
		return nil, ctxErr(ctx, c.Err(fmt.Errorf("imap: %w", err)))
	}
	out := make([]importers.FolderInfo, 0, len(l))
	for _, mi := range l {
		fi := importers.FolderInfo{Folder: mi.Folder, Use: mi.Use, NoSelect: mi.NoSelect, Messages: -1, Bytes: -1}
		if mi.NoSelect {
			fi.Messages, fi.Bytes = 0, 0
		}
		if st := mi.Status; st != nil {
			if st.NumMessages != nil {
				fi.Messages = int64(*st.NumMessages)
			}
			if st.Size != nil {
				fi.Bytes = *st.Size
			}
		}
		out = append(out, fi)
	}
	return out, nil
}

// FolderState returns the UIDVALIDITY and UIDNEXT of folder f. A later run
// can walk only the messages that arrived since with WalkFrom(uidNext-1),
// provided UIDVALIDITY is still the same.
func (s *Source) FolderState(ctx context.Context, f importers.Folder) (uidValidity, uidNext uint32, err error) {
	c, err := s.sess.Conn(ctx)
	if err != nil {
		return 0, 0, err
	}
	stop := c.Watch(ctx)
	defer stop()
	name := c.Mailbox(f)
	if sel := c.Selection(); sel != nil && strings.EqualFold(sel.Name, name) {
		// RFC 3501 6.3.10: no STATUS on the selected mailbox; select it
		// again for fresh values.
		sel, err := c.Reselect(name, true)
		if err != nil {
			return 0, 0, ctxErr(ctx, fmt.Errorf("imap: EXAMINE %q: %w", name, err))
		}
		return sel.UIDValidity, sel.UIDNext, nil
	}
	d, err := c.C.Status(name, &imap.StatusOptions{UIDValidity: true, UIDNext: true}).Wait()
	if err != nil {
		return 0, 0, ctxErr(ctx, fmt.Errorf("imap: STATUS %q: %w", name, err))
	}
	return d.UIDValidity, uint32(d.UIDNext), nil
}

// Walk implements importers.Source: WalkFrom with minUID 0.
func (s *Source) Walk(ctx context.Context, f importers.Folder, opts *importers.WalkOptions, fn importers.WalkFunc) error {
	return s.WalkFrom(ctx, f, 0, opts, fn)
}

// headerFields are the fields the Source fetches with the message list,
// enough for dedupe (Message-ID, or the fallback fields) and for reports.
var headerFields = []string{"MESSAGE-ID", "DATE", "FROM", "TO", "SUBJECT"}

// maxHeaderFetch bounds what is kept of a HEADER.FIELDS answer.
const maxHeaderFetch = 64 << 10

// meta is what the message list says about one message.
type meta struct {
	uid    uint32
	flags  []imap.Flag
	date   time.Time
	size   int64
	header map[string][]string
	body   importers.Body
	// seq is the message sequence number; dup marks a UID the server
	// gave to several messages (Ref then names the sequence number too).
	seq uint32
	dup bool
	// err: the message cannot be read (a duplicate UID, a body refused
	// or garbled); it goes to the WalkFunc as a MessageError.
	err error
}

// WalkFrom walks the messages of f whose UID is greater than minUID, in UID
// order. The folder is opened with EXAMINE and read with BODY.PEEK, so no
// flag changes on the server. Messages are listed with UID SEARCH (narrowed
// by opts.Since/Before), then fetched in batches: first UID, FLAGS,
// INTERNALDATE, RFC822.SIZE and a few header fields, then the bodies,
// spooled (see DefaultBatchBytes). With opts.HeadersOnly the bodies are
// fetched only when a WalkFunc opens one. Bodies are released after fn
// returns.
func (s *Source) WalkFrom(ctx context.Context, f importers.Folder, minUID uint32, opts *importers.WalkOptions, fn importers.WalkFunc) error {
	if opts == nil {
		opts = &importers.WalkOptions{}
	}
	if cur := s.sess.Current(); cur != nil {
		cur.ForgetSelection() // EXAMINE again for a fresh message count
	}
	var name string
	var uidValidity uint32
	var uids []uint32
	empty := false
	err := s.retry(ctx, func() error {
		c, stop, err := s.examine(ctx, f, 0)
		if err != nil {
			return err
		}
		name = c.Mailbox(f)
		// Selected, not Selection: go-imap may not have recorded the
		// selected mailbox yet when SELECT's Wait returns.
		sel := c.Selected()
		if sel == nil {
			stop()
			return fmt.Errorf("imap: EXAMINE %q: no mailbox selected", name)
		}
		uidValidity = sel.UIDValidity
		if sel.NumMessages == 0 {
			stop()
			empty = true
			return nil
		}
		uids, err = c.SearchUIDs(minUID, opts.Since, opts.Before)
		stop()
		if err != nil {
			return ctxErr(ctx, c.Err(fmt.Errorf("imap: UID SEARCH in %q: %w", name, err)))
		}
		return nil
	})
	if err != nil || empty {
		return err
	}
	folder := slices.Clone(f)
	for len(uids) > 0 {
		batch := uids[:min(len(uids), s.batch)]
		uids = uids[len(batch):]
		var metas []*meta
		err := s.retry(ctx, func() error {
			c, stop, err := s.examine(ctx, f, uidValidity)
			if err != nil {
				return err
			}
			metas, err = fetchMeta(c, batch)
			stop()
			if err != nil {
				return ctxErr(ctx, c.Err(fmt.Errorf("imap: UID FETCH in %q: %w", name, err)))
			}
			return nil
		})
		if err != nil {
			return err
		}
		metas = slices.DeleteFunc(metas, func(m *meta) bool { return !opts.InDateRange(m.date) })
		if err := s.deliver(ctx, f, folder, name, uidValidity, metas, opts.HeadersOnly, fn); err != nil {
			return err
		}
	}
	return nil
}

// examine gets the connection with f selected read-only, bound to ctx;
// the caller calls stop when the command is done. With uidValidity != 0 it
// fails when the folder's UIDVALIDITY changed (the UIDs mean other
// messages now).
func (s *Source) examine(ctx context.Context, f importers.Folder, uidValidity uint32) (*ic.Conn, func() bool, error) {
	c, err := s.sess.Conn(ctx)
	if err != nil {
		return nil, nil, err
	}
	stop := c.Watch(ctx)
	name := c.Mailbox(f)
	sel, err := c.Select(name, true)
	if err != nil {
		stop()
		return nil, nil, ctxErr(ctx, c.Err(fmt.Errorf("imap: EXAMINE %q: %w", name, err)))
	}
	if uidValidity != 0 && sel.UIDValidity != uidValidity {
		stop()
		return nil, nil, failure.Permanent(failure.Folder, fmt.Errorf("imap: %q: UIDVALIDITY changed from %d to %d while reading it", name, uidValidity, sel.UIDValidity))
	}
	return c, stop, nil
}

// fetchMeta fetches the message list data of uids, in uids order.
// Messages expunged in the meantime are left out.
func fetchMeta(c *ic.Conn, uids []uint32) ([]*meta, error) {
	fo := &imap.FetchOptions{
		UID: true, Flags: true, InternalDate: true, RFC822Size: true,
		BodySection: []*imap.FetchItemBodySection{{Specifier: imap.PartSpecifierHeader, HeaderFields: headerFields, Peek: true}},
	}
	c.TakeUnsolicited()
	cmd := c.C.Fetch(ic.UIDSet(uids), fo)
	got := make(map[uint32]*meta, len(uids))
	dups := map[uint32][]*meta{}
	var readErr error
msgs:
	for msg := cmd.Next(); msg != nil; msg = cmd.Next() {
		m := &meta{seq: msg.SeqNum}
		for item := msg.Next(); item != nil; item = msg.Next() {
			switch it := item.(type) {
			case goimap.FetchItemDataUID:
				m.uid = uint32(it.UID)
			case goimap.FetchItemDataFlags:
				m.flags = it.Flags
			case goimap.FetchItemDataInternalDate:
				m.date = it.Time
			case goimap.FetchItemDataRFC822Size:
				m.size = it.Size
			case goimap.FetchItemDataBodySection:
				if it.Literal != nil {
					b, err := ic.ReadHeader(it.Literal, maxHeaderFetch)
					if err != nil {
						// Not a step further with this command (abandon).
						readErr = err
						break msgs
					}
					m.header = ic.ParseHeader(b)
				}
			}
		}
		switch {
		case m.uid == 0:
		case got[m.uid] == nil:
			got[m.uid] = m
		case got[m.uid].seq != m.seq:
			dups[m.uid] = append(dups[m.uid], m)
		}
	}
	if readErr != nil {
		c.Abandon()
		return nil, readErr
	}
	if err := cmd.Close(); err != nil {
		return nil, err
	}
	for uid, seqs := range c.TakeUnsolicited() {
		if m := got[uid]; m != nil {
			for _, seq := range seqs {
				if seq != m.seq {
					dups[uid] = append(dups[uid], &meta{uid: uid, seq: seq})
				}
			}
		}
	}
	out := make([]*meta, 0, len(got))
	for _, u := range uids {
		m := got[u]
		if m == nil {
			continue
		}
		if len(dups[u]) == 0 {
			out = append(out, m)
			continue
		}
		// QUIRK: a broken server gave this UID to several messages; a
		// UID FETCH cannot tell them apart. Each is named, none dropped.
		all := append([]*meta{m}, dups[u]...)
		seqs := make([]string, len(all))
		for i, d := range all {
			seqs[i] = fmt.Sprint(d.seq)
		}
		for _, d := range all {
			d.dup = true
			d.err = fmt.Errorf("the server gives UID %d to %d messages (sequence numbers %s): they cannot be told apart, not copied",
				u, len(all), strings.Join(seqs, ", "))
			out = append(out, d)
		}
	}
	return out, nil
}

// refusedError is a body not read because of its announced size.
type refusedError struct {
	uid  uint32
	size int64
	why  string
	err  error
}

func (e *refusedError) Error() string {
	return fmt.Sprintf("body of UID %d announced at %d bytes: refused (%s)", e.uid, e.size, e.why)
}

func (e *refusedError) Unwrap() error { return e.err }

// FailureClass implements failure.Classifier: the message is refused, and
// asking again gets the same size.
func (e *refusedError) FailureClass() failure.Class { return failure.Class{Kind: failure.Message} }

// refuse checks a body literal's announced size against --max-size and
// the spool's free space, before a byte of it is read.
func (s *Source) refuse(uid uint32, size, listed int64) error {
	if listed > 0 && size > 2*listed+importers.DefaultSpoolMem {
		// QUIRK: some servers' RFC822.SIZE is a little off (Exchange
		// converts); far more than announced is a broken or hostile one.
		return &refusedError{uid: uid, size: size, why: fmt.Sprintf("far larger than its RFC822.SIZE %d", listed)}
	}
	if max := s.opts.MaxMessageSize; max > 0 && size > max && listed <= max {
		// (A message listed over --max-size is fetched only when the
		// user asks for it.)
		return &refusedError{uid: uid, size: size, why: fmt.Sprintf("larger than --max-size %d", max)}
	}
	if size > importers.DefaultSpoolMem {
		if err := importers.SpoolFits(size, s.opts.SpoolDir); err != nil {
			return &refusedError{uid: uid, size: size, why: err.Error(), err: err}
		}
	}
	return nil
}

// fetchBodies fetches BODY.PEEK[] of metas into spools. On error every
// spooled body is released.
func (s *Source) fetchBodies(c *ic.Conn, metas []*meta) error {
	byUID := make(map[uint32]*meta, len(metas))
	uids := make([]uint32, 0, len(metas))
	for _, m := range metas {
		byUID[m.uid] = m
		uids = append(uids, m.uid)
	}
	fo := &imap.FetchOptions{UID: true, BodySection: []*imap.FetchItemBodySection{{Peek: true}}}
	start := time.Now()
	var first time.Time
	var got int64
	cmd := c.C.Fetch(ic.UIDSet(uids), fo)
	var spoolErr error
	for msg := cmd.Next(); msg != nil; msg = cmd.Next() {
		if first.IsZero() {
			first = time.Now()
		}
		var uid uint32
		var body importers.Body
		for item := msg.Next(); item != nil; item = msg.Next() {
			switch it := item.(type) {
			case goimap.FetchItemDataUID:
				uid = uint32(it.UID)
			case goimap.FetchItemDataBodySection:
				if it.Literal == nil || body != nil || spoolErr != nil {
					continue
				}
				var listed int64
				if m := byUID[uid]; m != nil {
					listed = m.size
				}
				if err := s.refuse(uid, it.Literal.Size(), listed); err != nil {
					// Not a byte of it is read: the connection goes.
					c.AbandonLiteral(it.Literal)
					releaseAll(metas)
					return err
				}
				b, err := ic.SpoolLiteral(it.Literal, s.opts.SpoolDir)
				if errors.Is(err, io.ErrUnexpectedEOF) {
					err = fmt.Errorf("body of UID %d: %w (%d bytes announced)", uid, err, it.Literal.Size())
				}
				if err != nil {
					spoolErr = err
					c.Abandon()
					releaseAll(metas)
					return err
				}
				body = b
				got += min(b.Len(), importers.DefaultSpoolMem)
			}
		}
		if m := byUID[uid]; m != nil && body != nil && m.body == nil {
			m.body = body
		} else if body != nil {
			body.Release()
		}
	}
	err := cmd.Close()
	if err == nil {
		err = spoolErr
	}
	if err != nil {
		releaseAll(metas)
		return err
	}
	if !first.IsZero() {
		s.grow(first.Sub(start), time.Since(first), got)
	}
	return nil
}

// grow doubles the read-ahead (up to batchBytes) after a FETCH of got
// body bytes that filled it at least half, when the wait for the
// server's first answer was longer than the transfer: the round trip,
// not the bytes, limited that FETCH. (On a busy machine a local server's
// first answer can take a quarter of a small FETCH's transfer time: that
// does not grow it.)
func (s *Source) grow(wait, transfer time.Duration, got int64) {
	if s.chunk == 0 || s.chunk >= s.batchBytes || 2*got < s.chunk || wait <= transfer {
		return
	}
	s.chunk = min(2*s.chunk, s.batchBytes)
}

func releaseAll(metas []*meta) {
	for _, m := range metas {
		if m.body != nil {
			m.body.Release()
			m.body = nil
		}
	}
}

// ref is the Message.Ref of a UID.
func ref(mailbox string, uidValidity, uid uint32) string {
	return fmt.Sprintf("imap:%s;UIDVALIDITY=%d;UID=%d", mailbox, uidValidity, uid)
}

// dropRecent removes \Recent, which no store can set.
func dropRecent(flags []imap.Flag) []imap.Flag {
	out := flags[:0:0]
	for _, f := range flags {
		if !strings.EqualFold(string(f), `\Recent`) {
			out = append(out, f)
		}
	}
	return out
}

// deliver fetches the bodies of metas (unless headersOnly) and calls fn for
// each, releasing every body once fn returned.
func (s *Source) deliver(ctx context.Context, f, folder importers.Folder, name string, uidValidity uint32, metas []*meta, headersOnly bool, fn importers.WalkFunc) error {
	for len(metas) > 0 {
		// A chunk: as many messages as the read-ahead allows.
		if s.chunk == 0 {
			s.chunk = min(minChunkBytes, s.batchBytes)
		}
		n, budget := 0, s.chunk
		for n < len(metas) && (n == 0 || budget > 0) {
			budget -= min(max(metas[n].size, 1), importers.DefaultSpoolMem)
			n++
		}
		chunk := metas[:n]
		metas = metas[n:]
		if headersOnly {
			for _, m := range chunk {
				if m.err == nil {
					m.body = &lazyBody{s: s, ctx: ctx, f: f, uidValidity: uidValidity, uid: m.uid, size: m.size}
				}
			}
		} else {
			// Over --max-size: the engine lists it as too big without
			// opening it, so its body is not fetched unless opened.
			for _, m := range chunk {
				if max := s.opts.MaxMessageSize; max > 0 && m.size > max && m.err == nil {
					m.body = &lazyBody{s: s, ctx: ctx, f: f, uidValidity: uidValidity, uid: m.uid, size: m.size}
				}
			}
			if err := s.fetchChunk(ctx, f, name, uidValidity, chunk); err != nil {
				return err
			}
		}
		for i, m := range chunk {
			msg := &importers.Message{
				Ref: ref(name, uidValidity, m.uid), Folder: folder, Flags: dropRecent(m.flags),
				InternalDate: m.date, Header: m.header, CRLF: true, UID: m.uid,
			}
			if m.dup {
				msg.Ref += fmt.Sprintf(";SEQ=%d", m.seq)
			}
			var err error
			if m.err != nil {
				if m.body != nil {
					m.body.Release()
					m.body = nil
				}
				err = fn(msg, &importers.MessageError{Ref: msg.Ref, Folder: folder, Err: m.err})
			} else if m.body == nil {
				err = fn(msg, &importers.MessageError{Ref: msg.Ref, Folder: folder,
					Err: errors.New("the server returned no body (expunged while reading?)")})
			} else {
				msg.Body = m.body
				err = fn(msg, nil)
				m.body.Release()
				m.body = nil
			}
			if err == nil {
				err = ctx.Err()
			}
			if err != nil {
				releaseAll(chunk[i+1:])
				return err
			}
		}
	}
	return nil
}

// fetchChunk fetches the bodies of chunk (those without an error) with
// retries. A body refused for its size gets its error and the others are
// fetched again without it; a response the client cannot parse (garbage
// from the server) makes each message be fetched alone, so that only the
// one with the garbage fails.
func (s *Source) fetchChunk(ctx context.Context, f importers.Folder, name string, uidValidity uint32, chunk []*meta) error {
	todo := slices.DeleteFunc(slices.Clone(chunk), func(m *meta) bool { return m.err != nil || m.body != nil })
	for len(todo) > 0 {
		err := s.retry(ctx, func() error {
			c, stop, err := s.examine(ctx, f, uidValidity)
			if err != nil {
				return err
			}
			err = s.fetchBodies(c, todo)
			stop()
			if err != nil {
				return ctxErr(ctx, c.Err(fmt.Errorf("imap: UID FETCH BODY.PEEK[] in %q: %w", name, err)))
			}
			return nil
		})
		var re *refusedError
		switch {
		case err == nil:
			return nil
		case ctx.Err() != nil:
			return err
		case errors.As(err, &re):
			todo = slices.DeleteFunc(todo, func(m *meta) bool {
				if m.uid == re.uid {
					m.err = re
					return true
				}
				return false
			})
		case ic.Garbage(err) && len(todo) > 1:
			for _, m := range todo {
				if err := s.fetchChunk(ctx, f, name, uidValidity, []*meta{m}); err != nil {
					releaseAll(todo)
					return err
				}
			}
			return nil
		case ic.Garbage(err):
			todo[0].err = fmt.Errorf("the server's answer cannot be read: %w", err)
			return nil
		default:
			return err
		}
	}
	return nil
}

// lazyBody is the Body of a HeadersOnly walk: Len is RFC822.SIZE until the
// body has been fetched (on the first Open, spooled), then the length
// actually received.
type lazyBody struct {
	s           *Source
	ctx         context.Context
	f           importers.Folder
	uidValidity uint32
	uid         uint32
	size        int64
	spooled     importers.Body
	released    bool
}

func (b *lazyBody) Len() int64 {
	if b.spooled != nil {
		return b.spooled.Len()
	}
	return b.size
}

func (b *lazyBody) Open() (io.ReadCloser, error) {
	if b.released {
		return nil, errors.New("imap: body opened after Release")
	}
	if b.spooled == nil {
		m := &meta{uid: b.uid, size: b.size}
		err := b.s.retry(b.ctx, func() error {
			c, stop, err := b.s.examine(b.ctx, b.f, b.uidValidity)
			if err != nil {
				return err
			}
			err = b.s.fetchBodies(c, []*meta{m})
			stop()
			if err != nil {
				return ctxErr(b.ctx, c.Err(fmt.Errorf("imap: UID FETCH %d BODY.PEEK[]: %w", b.uid, err)))
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		if m.body == nil {
			return nil, fmt.Errorf("imap: UID %d: the server returned no body (expunged?)", b.uid)
		}
		b.spooled = m.body
	}
	return b.spooled.Open()
}

func (b *lazyBody) Release() error {
	b.released = true
	if b.spooled != nil {
		err := b.spooled.Release()
		b.spooled = nil
		return err
	}
	return nil
}
