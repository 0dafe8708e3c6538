package pst

import (
	"bytes"
	"io"

	"github.com/mailferry/mailferry/dedupe"
	"github.com/mailferry/mailferry/importers"
	"github.com/mailferry/mailferry/importers/outlook"
)

// A walk with HeadersOnly (the engine's plan) needs of each message its
// length, its key and its CRLF length, not its bytes: the item is built
// into a planWriter that counts and keeps the start only, and the body is
// built again, into a spool, only if it is opened (to prove a duplicate
// by content). The builder is deterministic (its boundaries come from the
// item), so both builds give the same bytes; the copy pass builds its own
// anyway and checks the length.

// planHead is how much of the start of a message a planWriter keeps: the
// header must end within it for the key to be known without the body.
const planHead = 64 << 10

type planWriter struct {
	head []byte
	crlf importers.CRLFCounter
	r    bytes.Reader
	// skipped: bytes of attachments counted, not written (SkipLines).
	skipped int64
}

var _ outlook.Sizer = (*planWriter)(nil)

// SkipLines implements outlook.Sizer: the builder counts an attachment's
// base64 lines instead of reading and encoding it. They end in CRLF and
// follow a part header that ends in CRLF, so they change no CRLF count.
func (w *planWriter) SkipLines(n int64) {
	w.crlf.N += n
	w.skipped += n
}

func (w *planWriter) Write(p []byte) (int, error) {
	if room := planHead - len(w.head); room > 0 {
		w.head = append(w.head, p[:min(room, len(p))]...)
	}
	w.r.Reset(p)
	w.crlf.R = &w.r
	io.Copy(io.Discard, &w.crlf)
	return len(p), nil
}

// key is the message's dedupe key when it follows from the kept start:
// the whole message was kept, or its header ends within it and has a
// Message-ID (a key by Message-ID does not depend on the body).
func (w *planWriter) key() (dedupe.Key, bool) {
	if w.skipped == 0 && w.crlf.N <= int64(len(w.head)) {
		k, _, err := dedupe.Of(bytes.NewReader(w.head))
		return k, err == nil
	}
	end := -1
	if i := bytes.Index(w.head, []byte("\n\n")); i >= 0 {
		end = i + 2
	}
	if i := bytes.Index(w.head, []byte("\n\r\n")); i >= 0 && (end < 0 || i+3 < end) {
		end = i + 3
	}
	if end < 0 {
		return dedupe.Key{}, false
	}
	k, kind, err := dedupe.Of(bytes.NewReader(w.head[:end]))
	return k, err == nil && kind == dedupe.ByMessageID
}

// planBody is the Body of a message of a HeadersOnly walk.
type planBody struct {
	s     *Source
	it    *outlook.Item
	n     int64
	crlf  int64
	key   dedupe.Key
	keyed bool
	spool importers.Body // built on Open
}

var _ importers.KeyCache = (*planBody)(nil)

func (b *planBody) Len() int64 { return b.n }

func (b *planBody) Open() (io.ReadCloser, error) {
	if b.spool == nil {
		body, err := b.s.spool(b.it)
		if err != nil {
			return nil, err
		}
		b.spool = body
	}
	return b.spool.Open()
}

func (b *planBody) Release() error {
	if b.spool != nil {
		return b.spool.Release()
	}
	return nil
}

// CachedKey gives what the build computed (importers.KeyCache).
func (b *planBody) CachedKey() ([16]byte, int64, bool) { return b.key, b.crlf, b.keyed }

// RememberKey: nothing to remember beyond this walk.
func (b *planBody) RememberKey([16]byte, int64) {}

// planned builds it for a HeadersOnly walk: sized (attachments counted,
// not read), and, when that gives no key (the header has no usable
// Message-ID, so the key is the content's), built whole into the
// planWriter like before.
func (s *Source) planned(it *outlook.Item) (body importers.Body, err error) {
	w, failed := s.plan(it, true)
	if !failed && w.skipped > 0 {
		if _, keyed := w.key(); !keyed {
			w, failed = s.plan(it, false)
		}
	}
	if failed {
		return s.spool(it) // the same error, worded as for a full walk
	}
	b := &planBody{s: s, it: it, n: w.crlf.N, crlf: w.crlf.Len()}
	b.key, b.keyed = w.key()
	s.planBuf = w.head[:0] // the next message's: nothing keeps it
	return b, nil
}

// plan builds it into a new planWriter, sizing attachments when sized.
func (s *Source) plan(it *outlook.Item, sized bool) (w *planWriter, failed bool) {
	w = &planWriter{head: s.planBuf[:0]}
	var dst io.Writer = w
	if !sized {
		dst = struct{ io.Writer }{w} // not an outlook.Sizer
	}
	defer func() {
		if recover() != nil {
			failed = true
		}
	}()
	return w, s.hooks.build(dst, it) != nil
}
