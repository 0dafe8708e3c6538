package imap

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/mailferry/mailferry/dedupe"
	"github.com/mailferry/mailferry/exporters"
	"github.com/mailferry/mailferry/importers"
	"github.com/mailferry/mailferry/internal/failure"
	ic "github.com/mailferry/mailferry/internal/imapclient"
)

// Target is one mailbox of a Sink.
type Target struct {
	s      *Sink
	name   string
	folder importers.Folder
	exists bool
	// sweepFrom is the first UID that was not there when the folder was
	// first keyed (1 when this run created it); 0: never keyed (sweep.go).
	sweepFrom imap.UID
	// validity is the UIDVALIDITY of the last examineAll.
	validity uint32
	// suspects are stored messages whose headers the server may have
	// altered (alter.go).
	suspects []suspect
	// keptHeaders is the header bytes the suspects keep (maxKeptHeaders).
	keptHeaders int
}

var _ exporters.Target = (*Target)(nil)

// Name is the server's mailbox name ("INBOX.Archive").
func (t *Target) Name() string { return t.name }

// Exists implements exporters.Target.
func (t *Target) Exists() bool { return t.exists }

// Create makes the mailbox with CREATE (the server makes the parents) and
// subscribes to it, so that mail clients show it. An existing mailbox is
// not an error. When the server refuses the name (characters it does not
// allow, see Sink.safeMailbox), the mailbox is created under its safe
// name, and Name returns that name from then on; a later Resolve of the
// same folder finds it.
func (t *Target) Create(ctx context.Context) error {
	if t.exists {
		return nil
	}
	c, stop, err := t.s.conn(ctx)
	if err != nil {
		return err
	}
	defer stop()
	if err := t.create(ctx, c, t.name); err != nil {
		alt := t.s.safeMailbox(t.folder)
		var ie *imap.Error
		if !errors.As(err, &ie) || alt == t.name {
			return err
		}
		if aerr := t.create(ctx, c, alt); aerr != nil {
			return err
		}
		t.name = alt
	}
	// A refused SUBSCRIBE does not stop the copy: the mail is there.
	_ = c.C.Subscribe(t.name).Wait()
	t.exists = true
	t.sweepFrom = 1
	if t.s.lookup(t.name) == nil {
		t.s.list = append(t.s.list, ic.MailboxInfo{Name: t.name, Folder: t.folder})
	}
	return nil
}

// create sends CREATE; a NO is fine when the mailbox is there now
// (ALREADYEXISTS, or a server that says NO without a code).
func (t *Target) create(ctx context.Context, c *ic.Conn, name string) error {
	err := c.C.Create(name, nil).Wait()
	if err == nil {
		return nil
	}
	var ie *imap.Error
	if !errors.As(err, &ie) {
		return ctxErr(ctx, c.Err(fmt.Errorf("imap: CREATE %q: %w", name, err)))
	}
	if _, lerr := t.s.mailboxes(ctx, true); lerr != nil {
		return lerr
	}
	if mi := t.s.lookup(name); mi == nil || mi.NoSelect {
		return c.Err(fmt.Errorf("imap: CREATE %q: %w", name, err))
	}
	return nil
}

// examineAll opens the mailbox read-only for a read of all its messages,
// always afresh: this Sink may have appended since (here or on its
// MULTIAPPEND connection), and a cached selection has old counts. It
// notes where a sweep of late commits starts. c is nil (and err nil) when
// there is nothing to read: no mailbox, or no message; else the caller
// calls stop when done.
func (t *Target) examineAll(ctx context.Context) (c *ic.Conn, stop func() bool, err error) {
	if !t.exists {
		return nil, nil, nil
	}
	c, stop, err = t.s.conn(ctx)
	if err != nil {
		return nil, nil, err
	}
	sel, err := c.Reselect(t.name, true)
	if err != nil {
		stop()
		return nil, nil, ctxErr(ctx, c.Err(fmt.Errorf("imap: EXAMINE %q: %w", t.name, err)))
	}
	t.validity = sel.UIDValidity
	if t.sweepFrom == 0 {
		t.sweepFrom = imap.UID(max(sel.UIDNext, 1))
	}
	if sel.NumMessages == 0 {
		stop()
		return nil, nil, nil
	}
	return c, stop, nil
}

// keyFields are fetched for Keys: the Message-ID, and the fields of the
// fallback key so that the body is fetched only when it is needed.
var keyFields = []string{"MESSAGE-ID"}

// scanHeaders fetches the UID, the RFC822.SIZE (withSize; else size is
// -1) and the key header fields of every message of the mailbox c has
// selected, and calls each with them: hdr is nil when the server sent no
// header, cut when its answer was longer than kept. After each failed,
// the answers are read to the end and its error returned.
func (t *Target) scanHeaders(ctx context.Context, c *ic.Conn, withSize bool, each func(uid imap.UID, size int64, hdr map[string][]string, cut bool) error) error {
	var all imap.UIDSet
	all.AddRange(1, 0)
	return t.scanHeadersOf(ctx, c, all, withSize, each)
}

// scanHeadersOf is scanHeaders for the messages of the UID set all.
func (t *Target) scanHeadersOf(ctx context.Context, c *ic.Conn, all imap.UIDSet, withSize bool, each func(uid imap.UID, size int64, hdr map[string][]string, cut bool) error) error {
	fo := &imap.FetchOptions{UID: true, RFC822Size: withSize, BodySection: []*imap.FetchItemBodySection{
		{Specifier: imap.PartSpecifierHeader, HeaderFields: keyFields, Peek: true},
	}}
	var fnErr, readErr error
	cmd := c.C.Fetch(all, fo)
msgs:
	for msg := cmd.Next(); msg != nil; msg = cmd.Next() {
		var uid imap.UID
		size := int64(-1)
		var hdr map[string][]string
		cut := false
		for item := msg.Next(); item != nil; item = msg.Next() {
			switch it := item.(type) {
			case imapclient.FetchItemDataUID:
				uid = it.UID
			case imapclient.FetchItemDataRFC822Size:
				size = it.Size
			case imapclient.FetchItemDataBodySection:
				if it.Literal != nil {
					b, err := ic.ReadHeader(it.Literal, 64<<10)
					if err != nil {
						readErr = err
						break msgs
					}
					hdr, cut = ic.ParseHeader(b), it.Literal.Size() > 64<<10
				}
			}
		}
		if fnErr == nil && uid != 0 {
			fnErr = each(uid, size, hdr, cut)
		}
	}
	if readErr != nil {
		// The connection broke inside a literal: do not touch the command
		// again (see internal/imapclient Conn.Abandon), drop the connection.
		t.s.sess.Drop()
		return ctxErr(ctx, c.Err(fmt.Errorf("imap: UID FETCH in %q: %w", t.name, readErr)))
	}
	if err := cmd.Close(); err != nil {
		return ctxErr(ctx, c.Err(fmt.Errorf("imap: UID FETCH in %q: %w", t.name, err)))
	}
	return fnErr
}

// scanSizes fetches the UID and RFC822.SIZE of every message of the
// mailbox c has selected (the server's index answers it) and calls each
// with them. After each failed, the answers are read to the end and its
// error returned.
func (t *Target) scanSizes(ctx context.Context, c *ic.Conn, each func(uid imap.UID, size int64) error) error {
	var all imap.UIDSet
	all.AddRange(1, 0)
	var fnErr error
	cmd := c.C.Fetch(all, &imap.FetchOptions{UID: true, RFC822Size: true})
	for msg := cmd.Next(); msg != nil; msg = cmd.Next() {
		var uid imap.UID
		size := int64(-1)
		for item := msg.Next(); item != nil; item = msg.Next() {
			switch it := item.(type) {
			case imapclient.FetchItemDataUID:
				uid = it.UID
			case imapclient.FetchItemDataRFC822Size:
				size = it.Size
			}
		}
		if fnErr == nil && uid != 0 {
			fnErr = each(uid, size)
		}
	}
	if err := cmd.Close(); err != nil {
		return ctxErr(ctx, c.Err(fmt.Errorf("imap: UID FETCH in %q: %w", t.name, err)))
	}
	return fnErr
}

// Keys implements exporters.Target: it opens the mailbox read-only and
// fetches BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)] of every message; only a
// message without a usable Message-ID is fetched whole for its fallback
// key.
func (t *Target) Keys(ctx context.Context, fn func(k dedupe.Key) error) error {
	c, stop, err := t.examineAll(ctx)
	if c == nil {
		return err
	}
	defer stop()
	var missing []imap.UID
	err = t.scanHeaders(ctx, c, false, func(uid imap.UID, _ int64, hdr map[string][]string, _ bool) error {
		if k, ok := dedupe.FromHeader(hdr); ok {
			return fn(k)
		}
		missing = append(missing, uid)
		return nil
	})
	if err != nil {
		return err
	}
	for len(missing) > 0 {
		n := min(len(missing), 100)
		if err := t.fullKeys(ctx, c, missing[:n], fn); err != nil {
			return err
		}
		missing = missing[n:]
	}
	return nil
}

// fullKeys fetches whole messages and keys them with dedupe.Of, streaming.
func (t *Target) fullKeys(ctx context.Context, c *ic.Conn, uids []imap.UID, fn func(k dedupe.Key) error) error {
	var set imap.UIDSet
	for _, u := range uids {
		set.AddNum(u)
	}
	cmd := c.C.Fetch(set, &imap.FetchOptions{UID: true, BodySection: []*imap.FetchItemBodySection{{Peek: true}}})
	var firstErr error
	for msg := cmd.Next(); msg != nil; msg = cmd.Next() {
		for item := msg.Next(); item != nil; item = msg.Next() {
			it, ok := item.(imapclient.FetchItemDataBodySection)
			if !ok || it.Literal == nil || firstErr != nil {
				continue
			}
			k, _, err := dedupe.Of(it.Literal)
			if err == nil {
				err = fn(k)
			}
			if err != nil {
				firstErr = err
			}
		}
	}
	if err := cmd.Close(); err != nil {
		return ctxErr(ctx, c.Err(fmt.Errorf("imap: UID FETCH BODY.PEEK[] in %q: %w", t.name, err)))
	}
	return firstErr
}

// Append implements exporters.Target with one APPEND carrying the flags and
// the internal date. When r yields fewer or more than size bytes, the
// literal cannot be completed honestly: the connection is dropped, so the
// server discards the command, and the next operation dials again.
func (t *Target) Append(ctx context.Context, m *importers.Message, size int64, r io.Reader) error {
	return t.appendData(ctx, m, size, r, nil)
}

// appendData is Append; data, when not nil, is what r reads (a batch
// item), which spares reading m's body again for an 8-bit header.
func (t *Target) appendData(ctx context.Context, m *importers.Message, size int64, r io.Reader, data []byte) error {
	if !t.exists {
		if err := t.Create(ctx); err != nil {
			return err
		}
	}
	c, stop, err := t.s.conn(ctx)
	if err != nil {
		return err
	}
	defer stop()
	opts := &imap.AppendOptions{Flags: ic.AppendFlags(m.Flags)}
	if !m.InternalDate.IsZero() {
		opts.Time = m.InternalDate
	}
	head := &headCapture{r: r}
	r = head
	cmd := c.C.Append(t.name, size, opts)
	n, werr := io.Copy(cmd, io.LimitReader(r, size))
	if werr == nil && n != size {
		werr = fmt.Errorf("message %s: body ended after %d of %d bytes", m.Ref, n, size)
	}
	if werr == nil {
		var one [1]byte
		if k, _ := io.ReadFull(r, one[:]); k > 0 {
			werr = fmt.Errorf("message %s: body longer than its size %d", m.Ref, size)
		}
	}
	if werr != nil {
		// Without this the server would take what follows as the rest of
		// the literal.
		t.s.sess.Drop()
		cmd.Close()
		_, serr := cmd.Wait()
		if code := responseCode(serr); code != "" {
			// The server refused before the literal (synchronizing
			// literal): the body was never sent.
			return t.appendError(serr)
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return c.Err(fmt.Errorf("imap: APPEND to %q: %w", t.name, werr))
	}
	if err := cmd.Close(); err != nil {
		t.s.sess.Drop()
		return ctxErr(ctx, c.Err(fmt.Errorf("imap: APPEND to %q: %w", t.name, err)))
	}
	ad, err := cmd.Wait()
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return c.Err(t.appendError(err))
	}
	if hdr, eightBit := head.header(); eightBit && ad != nil {
		t.noteSent(m, data, hdr, size, ad.UIDValidity, ad.UID)
	}
	return nil
}

func responseCode(err error) imap.ResponseCode {
	var ie *imap.Error
	if errors.As(err, &ie) {
		if ie.Code == "" {
			return "NO"
		}
		return ie.Code
	}
	return ""
}

// appendError maps the server's answer to an APPEND.
func (t *Target) appendError(err error) error {
	var ie *imap.Error
	if !errors.As(err, &ie) {
		return fmt.Errorf("imap: APPEND to %q: %w", t.name, err)
	}
	switch ie.Code {
	case imap.ResponseCodeOverQuota:
		return fmt.Errorf("imap: APPEND to %q: %s: %w", t.name, ie.Text, exporters.ErrOverQuota)
	case imap.ResponseCodeTryCreate:
		t.exists = false
		return &exporters.RejectedError{Reason: "mailbox " + t.name + " does not exist (TRYCREATE)", Err: err}
	case imap.ResponseCodeTooBig:
		return &exporters.RejectedError{Reason: "too big for the server", Err: err}
	}
	if ie.Type == imap.StatusResponseTypeBad {
		return &exporters.RejectedError{Reason: "server answered BAD", Err: err}
	}
	if ok, _ := ic.Throttled(err); ok {
		// Not this message's fault: the engine tries again after its
		// backoff (failure: a retryable store error).
		return failure.Transient(fmt.Errorf("imap: APPEND to %q: the server is throttling (%s): %w", t.name, ie.Text, err))
	}
	// QUIRK: Dovecot before 2.3 says "Quota exceeded" without the
	// OVERQUOTA code.
	if strings.Contains(strings.ToLower(ie.Text), "quota") {
		return fmt.Errorf("imap: APPEND to %q: %s: %w", t.name, ie.Text, exporters.ErrOverQuota)
	}
	return &exporters.RejectedError{Reason: ie.Text, Err: err}
}

var _ exporters.Inventoried = (*Target)(nil)

// Inventory implements exporters.Inventoried: one UID FETCH of UID,
// RFC822.SIZE (the CRLF size the engine compares, at no extra cost) and
// BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]; a message without a usable
// Message-ID, or whose header answer was longer than kept, is fetched
// whole for its fallback key and content hash. With an inventory cache of
// the mailbox (invcache.go) the first FETCH asks for UID and RFC822.SIZE
// only, and the header only of the messages the cache does not know.
func (t *Target) Inventory(ctx context.Context, fn func(exporters.Stored) error) error {
	c, stop, err := t.examineAll(ctx)
	if c == nil {
		return err
	}
	defer stop()
	inv := t.s.inv()
	var found []invEntry // keyed by Message-ID: the cache's next entries
	var missing []imap.UID
	each := func(uid imap.UID, size int64, hdr map[string][]string, cut bool) error {
		if st, ok := t.storedAs(t.validity, uid); ok { // the server altered it (alter.go)
			return fn(st)
		}
		if k, ok := dedupe.FromHeader(hdr); ok && size >= 0 && !cut { // a cut answer proves nothing
			found = append(found, invEntry{uid: uid, size: size, key: k})
			return fn(exporters.Stored{Key: k, Size: size, Loc: uint64(uid)})
		}
		missing = append(missing, uid)
		return nil
	}
	if cached := inv.lookup(t.name, t.validity); len(cached) > 0 && t.cacheHolds(ctx, c, cached) {
		var unknown imap.UIDSet
		err = t.scanSizes(ctx, c, func(uid imap.UID, size int64) error {
			if _, altered := t.storedAs(t.validity, uid); !altered {
				if st, ok := cachedStored(cached, uid, size); ok {
					invHits.Add(1)
					found = append(found, invEntry{uid: uid, size: size, key: st.Key})
					return fn(st)
				}
			}
			unknown.AddNum(uid)
			return nil
		})
		if err == nil && len(unknown) > 0 {
			err = t.scanHeadersOf(ctx, c, unknown, true, each)
		}
	} else {
		err = t.scanHeaders(ctx, c, true, each)
	}
	if err != nil {
		return err
	}
	inv.replace(t.name, t.validity, found)
	for _, uid := range missing {
		rc, err := t.openStored(ctx, c, uid)
		if err != nil {
			return err
		}
		sp, err := importers.Spool(rc, importers.DefaultSpoolMem, "")
		rc.Close()
		if err != nil {
			return ctxErr(ctx, fmt.Errorf("imap: UID FETCH %d in %q: %w", uid, t.name, err))
		}
		st, err := storedOf(sp, uint64(uid))
		sp.Release()
		if err != nil {
			return err
		}
		if err := fn(st); err != nil {
			return err
		}
	}
	return nil
}

// storedOf keys a whole message held in b.
func storedOf(b importers.Body, loc uint64) (exporters.Stored, error) {
	r, err := b.Open()
	if err != nil {
		return exporters.Stored{}, err
	}
	k, _, err := dedupe.Of(r)
	r.Close()
	if err != nil {
		return exporters.Stored{}, err
	}
	r, err = b.Open()
	if err != nil {
		return exporters.Stored{}, err
	}
	s, err := dedupe.Content(r)
	r.Close()
	if err != nil {
		return exporters.Stored{}, err
	}
	return exporters.Stored{Key: k, Size: b.Len(), Loc: loc, Sum: &s}, nil
}

// OpenStored implements exporters.Inventoried: the message with UID loc,
// spooled (memory, then a temporary file) and returned as a reader.
func (t *Target) OpenStored(ctx context.Context, loc uint64) (io.ReadCloser, error) {
	c, stop, err := t.s.conn(ctx)
	if err != nil {
		return nil, err
	}
	defer stop()
	if _, err := c.Reselect(t.name, true); err != nil {
		return nil, ctxErr(ctx, fmt.Errorf("imap: EXAMINE %q: %w", t.name, err))
	}
	return t.openStored(ctx, c, imap.UID(loc))
}

func (t *Target) openStored(ctx context.Context, c *ic.Conn, uid imap.UID) (io.ReadCloser, error) {
	var set imap.UIDSet
	set.AddNum(uid)
	cmd := c.C.Fetch(set, &imap.FetchOptions{UID: true, BodySection: []*imap.FetchItemBodySection{{Peek: true}}})
	var body importers.Body
	var readErr error
	for msg := cmd.Next(); msg != nil; msg = cmd.Next() {
		for item := msg.Next(); item != nil; item = msg.Next() {
			it, ok := item.(imapclient.FetchItemDataBodySection)
			if !ok || it.Literal == nil || body != nil || readErr != nil {
				continue
			}
			b, err := ic.SpoolLiteral(it.Literal, "")
			if err != nil {
				readErr = err
				continue
			}
			body = b
		}
	}
	if readErr != nil {
		t.s.sess.Drop()
		return nil, ctxErr(ctx, fmt.Errorf("imap: UID FETCH %d BODY.PEEK[] in %q: %w", uid, t.name, readErr))
	}
	if err := cmd.Close(); err != nil {
		if body != nil {
			body.Release()
		}
		return nil, ctxErr(ctx, fmt.Errorf("imap: UID FETCH %d BODY.PEEK[] in %q: %w", uid, t.name, err))
	}
	if body == nil {
		return nil, fmt.Errorf("imap: message UID %d of %q is gone", uid, t.name)
	}
	r, err := body.Open()
	if err != nil {
		body.Release()
		return nil, err
	}
	return releasing{r, body}, nil
}

type releasing struct {
	io.ReadCloser
	b importers.Body
}

func (r releasing) Close() error {
	err := r.ReadCloser.Close()
	r.b.Release()
	return err
}
