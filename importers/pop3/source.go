// Package pop3 reads a POP3 maildrop (pop3://user@host, STLS; pop3s://,
// implicit TLS) as a Source with one folder, INBOX.
//
// The plan needs no bodies: LIST gives the sizes, UIDL the identities and
// TOP n 0 the header fields dedupe uses (Message-ID, Date, From, Subject),
// so de-duplication against the target and the quota preflight happen
// before any RETR. A server without TOP has every message downloaded for
// its header (said once in the log); one without UIDL is read by message
// number. A connection lost mid-RETR is retried on a new connection
// (internal/failure.Do) and the walk goes on after the last message
// delivered, found again by its UIDL: nothing is lost, nothing given twice.
package pop3

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/mail"
	"strconv"
	"time"

	"github.com/mailferry/mailferry/importers"
	"github.com/mailferry/mailferry/internal/failure"
	imapimp "github.com/mailferry/mailferry/internal/imapclient"
)

func init() {
	for _, scheme := range []string{"pop3", "pop3s"} {
		importers.Register(scheme, func(ctx context.Context, spec importers.Spec, opts *importers.Options) (importers.Source, error) {
			return Open(ctx, spec.Path, opts)
		})
	}
}

// Inbox is the one folder of a maildrop.
var Inbox = importers.Folder{"INBOX"}

// Source reads one POP3 maildrop. It is used by one goroutine at a time.
type Source struct {
	ep   Endpoint
	opts *importers.Options
	c    *conn
	// nums maps a UIDL to its message number in the current session.
	nums map[string]int
	// warned: the slow path (no TOP / no UIDL) was logged.
	warnedTop, warnedUIDL bool
	// cache holds the headers TOP returned (cache.go).
	cache *headerCache
}

var (
	_ importers.Source  = (*Source)(nil)
	_ importers.Counter = (*Source)(nil)
)

// Open parses a pop3:// or pop3s:// URL, connects and logs in.
func Open(ctx context.Context, url string, opts *importers.Options) (*Source, error) {
	ep, err := ParseURL(url)
	if err != nil {
		return nil, err
	}
	if opts == nil {
		opts = &importers.Options{}
	}
	s := &Source{ep: ep, opts: opts}
	s.cache = loadCache(s.Identity())
	if err := s.do(ctx, "login", func(*conn) error { return nil }); err != nil {
		return nil, err
	}
	return s, nil
}

// Identity names the account for the incremental state: "pop3s://user@host:995".
func (s *Source) Identity() string { return s.ep.String() }

// Caps: no flags, no internal date (taken from the Date: header), the
// bytes as the server sends them (dot-unstuffed).
func (s *Source) Caps() importers.Caps { return importers.Caps{ByteExact: true} }

// Close ends the session with QUIT.
func (s *Source) Close() error {
	s.cache.save(s.Identity())
	if s.c == nil {
		return nil
	}
	err := s.c.quit()
	s.c = nil
	return err
}

// do runs op on the session, connecting first when there is none; a
// retryable failure drops the connection and op runs again on a new one
// (failure.Do, within the retry budget).
func (s *Source) do(ctx context.Context, what string, op func(c *conn) error) error {
	err := failure.Do(ctx, retryPolicy(s.opts, what), func(attempt int) error {
		if s.c == nil {
			c, err := connect(ctx, s.ep, s.opts, roleOf(s.opts))
			if err != nil {
				return err
			}
			s.c = c
			if attempt > 0 || s.nums != nil {
				if err := s.renumber(); err != nil {
					return s.drop(err)
				}
			}
		}
		stop := context.AfterFunc(ctx, func() { s.c.nc.Close() })
		err := op(s.c)
		stop()
		if err != nil {
			return s.drop(err)
		}
		return nil
	})
	if err != nil && ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}

// drop closes the connection after a network failure (its state is
// unknown); a -ERR answer keeps it.
func (s *Source) drop(err error) error {
	var se *serverError
	if !errors.As(err, &se) && s.c != nil {
		s.c.nc.Close()
		s.c = nil
	}
	return err
}

// renumber maps the UIDLs to this session's message numbers.
func (s *Source) renumber() error {
	es, err := s.c.list()
	if err != nil {
		return err
	}
	s.nums = map[string]int{}
	for _, e := range es {
		if e.uidl != "" {
			s.nums[e.uidl] = e.num
		}
	}
	return nil
}

func roleOf(o *importers.Options) string {
	if o.Role != "" {
		return o.Role
	}
	return "source"
}

// entries lists the maildrop.
func (s *Source) entries(ctx context.Context) ([]entry, error) {
	var es []entry
	err := s.do(ctx, "LIST", func(c *conn) error {
		var err error
		es, err = c.list()
		if err == nil {
			s.nums = map[string]int{}
			for _, e := range es {
				if e.uidl != "" {
					s.nums[e.uidl] = e.num
				}
			}
		}
		return err
	})
	return es, err
}

// Folders returns the one folder, INBOX, with the maildrop's LIST count
// and sizes.
func (s *Source) Folders(ctx context.Context) ([]importers.FolderInfo, error) {
	es, err := s.entries(ctx)
	if err != nil {
		return nil, err
	}
	var n int64
	for _, e := range es {
		n += e.size
	}
	return []importers.FolderInfo{{Folder: Inbox, Messages: int64(len(es)), Bytes: n}}, nil
}

// CountItems is the LIST count of the maildrop.
func (s *Source) CountItems(ctx context.Context, f importers.Folder) (int64, error) {
	if !f.IsInbox() {
		return 0, fmt.Errorf("pop3: no folder %q (a maildrop has only INBOX)", f)
	}
	es, err := s.entries(ctx)
	return int64(len(es)), err
}

// num returns e's message number in the current session; ok is false
// when the message is gone (deleted by another client).
func (s *Source) num(e entry) (int, bool) {
	if e.uidl == "" {
		return e.num, true
	}
	n, ok := s.nums[e.uidl]
	return n, ok
}

func ref(e entry) string {
	if e.uidl != "" {
		return "pop3:INBOX;UIDL=" + e.uidl
	}
	return "pop3:INBOX;MSG=" + strconv.Itoa(e.num)
}

// goneError is a message listed by the plan but no longer in the maildrop.
type goneError struct{ ref string }

func (e *goneError) Error() string {
	return "pop3: " + e.ref + ": no longer in the maildrop (deleted by another client?)"
}
func (e *goneError) FailureClass() failure.Class { return failure.Class{Kind: failure.Message} }

// Walk calls fn for every message of the maildrop in maildrop order. With
// opts.HeadersOnly only TOP n 0 is read (when the server has TOP); the
// Body is then fetched by RETR on its first Open.
func (s *Source) Walk(ctx context.Context, f importers.Folder, opts *importers.WalkOptions, fn importers.WalkFunc) error {
	if !f.IsInbox() {
		return fmt.Errorf("pop3: no folder %q (a maildrop has only INBOX)", f)
	}
	if opts == nil {
		opts = &importers.WalkOptions{}
	}
	es, err := s.entries(ctx)
	if err != nil {
		return err
	}
	s.cache.prune(es)
	defer s.cache.save(s.Identity())
	if len(es) > 0 && es[0].uidl == "" && !s.warnedUIDL {
		s.warnedUIDL = true
		s.opts.Log().Warn("pop3: the server has no UIDL: messages are read by number (a re-run compares every message with the target)", "server", s.ep.Addr())
	}
	for _, e := range es {
		if err := ctx.Err(); err != nil {
			return err
		}
		m := &importers.Message{Ref: ref(e), Folder: Inbox, UID: uint32(e.num)}
		if max := s.opts.MaxMessageSize; max > 0 && e.size > max {
			if err := fn(m, fmt.Errorf("pop3: %s: %d bytes, larger than --max-size %d: not downloaded", m.Ref, e.size, max)); err != nil {
				return err
			}
			continue
		}
		var merr error
		if opts.HeadersOnly {
			merr = s.headers(ctx, e, m)
		} else {
			merr = s.fetch(ctx, e, m)
		}
		if merr != nil {
			if !isMessageErr(merr) {
				return merr
			}
			m.Body = nil
			if err := fn(m, merr); err != nil {
				return err
			}
			continue
		}
		if m.Header != nil {
			m.InternalDate = headerDate(m.Header)
		}
		if !opts.InDateRange(m.InternalDate) {
			m.Body.Release()
			continue
		}
		err := fn(m, nil)
		m.Body.Release()
		if err != nil {
			return err
		}
	}
	return nil
}

// isMessageErr: the message, not the maildrop, failed (a -ERR to its
// RETR/TOP, gone, too big for the spool).
func isMessageErr(err error) bool {
	var se *serverError
	if errors.As(err, &se) {
		return true
	}
	return failure.Classify(err).Kind == failure.Message
}

// headers fills m for a plan walk: TOP n 0, or the whole body on a
// server without TOP.
func (s *Source) headers(ctx context.Context, e entry, m *importers.Message) error {
	if h, ok := s.cache.get(e); ok {
		m.Header = h
		m.Body = &lazyBody{s: s, ctx: ctx, e: e, ref: m.Ref}
		return nil
	}
	var hdr []byte
	var hasTop bool
	err := s.do(ctx, "TOP", func(c *conn) error {
		n, ok := s.num(e)
		if !ok {
			return &goneError{ref: m.Ref}
		}
		var err error
		hdr, hasTop, err = c.top(n)
		return err
	})
	if err != nil {
		return err
	}
	if !hasTop {
		if !s.warnedTop {
			s.warnedTop = true
			s.opts.Log().Warn("pop3: the server has no TOP: every message is downloaded to read its header (slower)", "server", s.ep.Addr())
		}
		return s.fetch(ctx, e, m)
	}
	m.Header = imapimp.ParseHeader(hdr)
	s.cache.put(e, m.Header)
	m.Body = &lazyBody{s: s, ctx: ctx, e: e, ref: m.Ref}
	return nil
}

// fetch downloads the message (RETR) into m.Body, spooled.
func (s *Source) fetch(ctx context.Context, e entry, m *importers.Message) error {
	b, err := s.retr(ctx, e, m.Ref)
	if err != nil {
		return err
	}
	m.Body = b
	rc, err := b.Open()
	if err == nil {
		hdr, _ := io.ReadAll(io.LimitReader(rc, maxHeader))
		rc.Close()
		m.Header = imapimp.ParseHeader(hdr)
	}
	return nil
}

// retr downloads one message whole; a cut connection is retried on a new
// one, so the Body is complete or there is an error.
func (s *Source) retr(ctx context.Context, e entry, ref string) (importers.Body, error) {
	if e.size > importers.DefaultSpoolMem {
		if err := importers.SpoolFits(e.size, s.opts.SpoolDir); err != nil {
			return nil, failure.Permanent(failure.Message, fmt.Errorf("pop3: %s: %w", ref, err))
		}
	}
	var body importers.Body
	err := s.do(ctx, "RETR", func(c *conn) error {
		n, ok := s.num(e)
		if !ok {
			return &goneError{ref: ref}
		}
		r, err := c.retr(n)
		if err != nil {
			return err
		}
		b, err := importers.SpoolSize(r, e.size, importers.DefaultSpoolMem, s.opts.SpoolDir)
		if err != nil {
			return err
		}
		if dr := r.(*dotReader); !dr.done {
			// SpoolSize stopped at EOF of the dot reader, so done is set
			// unless the stream broke.
			b.Release()
			if dr.err != nil {
				return dr.err
			}
			return failure.Transient(io.ErrUnexpectedEOF)
		}
		body = b
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("pop3: RETR %s: %w", ref, err)
	}
	return body, nil
}

func headerDate(h map[string][]string) time.Time {
	if v := h["Date"]; len(v) > 0 {
		if t, err := mail.ParseDate(v[0]); err == nil {
			return t
		}
	}
	return time.Time{}
}

// lazyBody is the Body of a plan walk: Len is the LIST size until the
// first Open downloads it (RETR), then the length received.
type lazyBody struct {
	s        *Source
	ctx      context.Context
	e        entry
	ref      string
	spooled  importers.Body
	released bool
}

func (b *lazyBody) Len() int64 {
	if b.spooled != nil {
		return b.spooled.Len()
	}
	return b.e.size
}

func (b *lazyBody) Open() (io.ReadCloser, error) {
	if b.released {
		return nil, errors.New("pop3: body opened after Release")
	}
	if b.spooled == nil {
		body, err := b.s.retr(b.ctx, b.e, b.ref)
		if err != nil {
			return nil, err
		}
		b.spooled = body
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
