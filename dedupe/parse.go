package dedupe

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"hash"
	"io"
	"strings"
	"sync"
)

// The one header parse every key comes from (Of, Content, and through them
// every target inventory and every source without parsed header fields).
//
// Lines end at LF, CRLF or a lone CR. A line of any length is read in
// pieces of at most the buffer size, so memory stays bounded whatever the
// input (a 64 KB Message-ID line, a header of several MiB, binary data).
// The header ends at the first empty line (or the end of the message);
// it is read to its end, however long, so a Message-ID after 1 MiB of
// header is found as an IMAP server finds it. NUL bytes are read as 0x80
// (Dovecot stores them so).

// pieces yields a message as pieces of lines.
type pieces struct {
	br  *bufio.Reader
	tmp []byte
}

// next returns the next piece of the current line (without its line end),
// whether the line ended after it, and io.EOF at the end of the input. The
// piece is valid until the next call; NUL bytes in it are read as 0x80.
func (p *pieces) next() (piece []byte, ended bool, err error) {
	br := p.br
	if _, err := br.Peek(1); err != nil {
		return nil, false, err
	}
	buf, _ := br.Peek(br.Buffered())
	i := bytes.IndexAny(buf, "\r\n")
	switch {
	case i < 0:
		br.Discard(len(buf))
		return mapNUL(buf), false, nil
	case buf[i] == '\n':
		br.Discard(i + 1)
		return mapNUL(buf[:i]), true, nil
	case i+1 < len(buf):
		if buf[i+1] == '\n' {
			br.Discard(i + 2)
		} else {
			br.Discard(i + 1)
		}
		return mapNUL(buf[:i]), true, nil
	}
	// A CR as the last buffered byte: copy the piece (the buffer may be
	// refilled), consume it and the CR, then an LF that follows.
	p.tmp = append(p.tmp[:0], buf[:i]...)
	br.Discard(i + 1)
	if b, err := br.Peek(1); err == nil && b[0] == '\n' {
		br.Discard(1)
	}
	return mapNUL(p.tmp), true, nil
}

// mapNUL replaces NUL by 0x80 in place (the buffer belongs to the reader).
func mapNUL(b []byte) []byte {
	for {
		i := bytes.IndexByte(b, 0)
		if i < 0 {
			return b
		}
		b[i] = 0x80
	}
}

// readers are Of's 16 KiB buffers, reused: one per message adds up.
var readers = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, 16<<10) }}

// smallFirst caps its first Read at 4 KiB: most headers end within it.
type smallFirst struct {
	r    io.Reader
	done bool
}

func (s *smallFirst) Read(p []byte) (int, error) {
	if !s.done {
		s.done = true
		if len(p) > 4<<10 {
			p = p[:4<<10]
		}
	}
	return s.r.Read(p)
}

// header walks a message's header, calling field for the pieces of each
// field line (name lower-cased, the value's pieces as they come, cont
// true for continuation lines) and stray for lines that are not fields.
// It returns at the empty line that ends the header (true) or at EOF.
type headerWalker struct {
	p *pieces
	// field is called with each piece of a field's value: start marks the
	// first piece of a field line (name set), cont a continuation line.
	field func(name string, piece []byte, start, cont bool)
	// line is called with every piece of every header line (raw), with
	// the field name the line belongs to ("" for stray lines).
	line func(name string, piece []byte, ended bool)
}

// maxNameBytes bounds a field name; a longer "name" makes a stray line.
const maxNameBytes = 256

func (hw *headerWalker) walk() (ended bool, err error) {
	var cur string // field of the last field line (for continuations)
	var lineName string
	lineStart := true // the next piece starts a line
	naming := false   // a line's start is collected while its colon is to come
	var name []byte
	for {
		piece, eol, err := hw.p.next()
		if err == io.EOF {
			if naming && hw.line != nil {
				hw.line("", name, true)
			}
			return false, nil
		}
		if err != nil {
			return false, err
		}
		switch {
		case lineStart && !naming && len(piece) == 0 && eol:
			return true, nil // the empty line
		case lineStart && (piece[0] == ' ' || piece[0] == '\t'):
			lineName = cur
			if hw.field != nil && cur != "" {
				hw.field(cur, piece, false, true)
			}
			if hw.line != nil {
				hw.line(cur, piece, eol)
			}
			lineStart = eol
			continue
		case lineStart || naming:
			if !naming {
				name = append(name[:0], piece...)
			} else {
				name = append(name, piece...)
			}
			lineStart = false
			naming = !eol && len(name) <= maxNameBytes && bytes.IndexByte(name, ':') < 0
			if naming {
				continue
			}
			piece = name
		default:
			// The rest of a long line.
			if hw.field != nil && lineName != "" {
				hw.field(lineName, piece, false, false)
			}
			if hw.line != nil {
				hw.line(lineName, piece, eol)
			}
			lineStart = eol
			continue
		}
		// piece is the start of a line, with its colon or too long for one.
		c := bytes.IndexByte(piece, ':')
		lineName = ""
		if c > 0 && c <= maxNameBytes {
			lineName = strings.ToLower(string(bytes.TrimSpace(piece[:c])))
		}
		cur = lineName
		if lineName != "" && hw.field != nil {
			hw.field(lineName, piece[c+1:], true, false)
		}
		if hw.line != nil {
			hw.line(lineName, piece, eol)
		}
		lineStart = eol
	}
}

// fieldAcc accumulates one field value as ParseHeader-style text: trimmed,
// continuation lines joined by one space, at most limit bytes (over is
// set when the value was longer).
type fieldAcc struct {
	seen  bool
	done  bool // the first occurrence is complete (a later one is ignored)
	val   []byte
	over  bool
	limit int
	lead  bool // leading white space of a line is still being skipped
	sep   bool // a continuation line's space is due before its text
}

func (a *fieldAcc) add(piece []byte, start, cont bool) {
	if a.done {
		return
	}
	if start {
		if a.seen {
			a.done = true // first occurrence wins
			return
		}
		a.seen = true
		a.lead = true
	} else if cont {
		a.val = bytes.TrimRight(a.val, " \t")
		a.lead, a.sep = true, len(a.val) > 0
	}
	if a.lead {
		piece = bytes.TrimLeft(piece, " \t")
		if len(piece) == 0 {
			return
		}
		a.lead = false
	}
	if a.sep {
		a.sep = false
		a.put([]byte{' '})
	}
	a.put(piece)
}

func (a *fieldAcc) put(b []byte) {
	if a.over {
		return
	}
	if len(a.val)+len(b) > a.limit {
		a.over = true
		return
	}
	a.val = append(a.val, b...)
}

func (a *fieldAcc) value() string { return string(bytes.TrimSpace(a.val)) }

// fallbackFields are hashed, in this order, for the content key.
var fallbackFields = []string{"date", "from", "to", "subject"}

// Of reads a raw message and returns its key. It stops reading after the
// header when the message has a good Message-ID; otherwise it reads to the
// end. r may use LF, CRLF or CR line endings; all give the same key.
func Of(r io.Reader) (Key, Kind, error) {
	br := readers.Get().(*bufio.Reader)
	br.Reset(&smallFirst{r: r})
	defer func() {
		br.Reset(nil)
		readers.Put(br)
	}()
	p := &pieces{br: br}
	id := &fieldAcc{limit: MaxMessageIDBytes}
	fb := map[string]*fieldAcc{}
	for _, f := range fallbackFields {
		fb[f] = &fieldAcc{limit: maxFieldBytes}
	}
	stray := sha256.New()
	strayN := 0
	hw := &headerWalker{p: p,
		field: func(name string, piece []byte, start, cont bool) {
			if name == "message-id" {
				id.add(piece, start, cont)
			} else if a := fb[name]; a != nil {
				a.add(piece, start, cont)
			}
		},
		line: func(name string, piece []byte, ended bool) {
			if name != "" {
				return
			}
			// Not a field: a message without a header (or a broken one).
			// Its text must count, or every such message without
			// Date/From/To/Subject would get one key.
			stray.Write(piece)
			strayN += len(piece) + 1
			if ended {
				stray.Write(newline)
			}
		},
	}
	if _, err := hw.walk(); err != nil {
		return Key{}, 0, err
	}
	if !id.over {
		if v := NormalizeMessageID(id.value()); v != "" {
			return FromMessageID(v), ByMessageID, nil
		}
	}
	h := sha256.New()
	h.Write([]byte("content\x00"))
	for _, f := range fallbackFields {
		h.Write([]byte(f))
		h.Write([]byte{0})
		h.Write([]byte(collapseSpace(fb[f].value())))
		h.Write([]byte{0})
	}
	if strayN > 0 {
		h.Write([]byte("stray\x00"))
		h.Write(stray.Sum(nil))
	}
	if err := hashLines(h, p, 0); err != nil {
		return Key{}, 0, err
	}
	var k Key
	copy(k[:], h.Sum(nil))
	return k, ByContent, nil
}

func collapseSpace(s string) string { return strings.Join(strings.Fields(s), " ") }

// hashLines writes the rest of the message to h as lines ending in LF,
// with trailing line ends dropped (mbox separators, stores that add a
// final CRLF). pendingNL are line ends already seen and held back.
func hashLines(h hash.Hash, p *pieces, pendingNL int) error {
	for {
		piece, eol, err := p.next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if len(piece) > 0 {
			for ; pendingNL > 0; pendingNL-- {
				h.Write(newline)
			}
			h.Write(piece)
		}
		if eol {
			pendingNL++
		}
	}
}

// Sum is the content hash of a message (see Content).
type Sum [16]byte

// Ignored lists the header fields Content leaves out: state that mail
// clients and local stores write into a message they keep (Thunderbird's
// X-Mozilla-*, X-Account-Key and X-UIDL; the mbox Status, X-Status,
// X-Keywords, X-UID, X-IMAP, X-IMAPbase, Content-Length and Lines of
// mutt, Dovecot and UW-IMAP). They are not part of the message as it was
// sent or delivered; delivery trace fields (Return-Path, Delivered-To,
// Received) are, and count.
var Ignored = map[string]bool{
	"x-mozilla-status": true, "x-mozilla-status2": true, "x-mozilla-keys": true,
	"x-account-key": true, "x-uidl": true,
	"status": true, "x-status": true, "x-keywords": true, "x-uid": true,
	"x-imap": true, "x-imapbase": true, "content-length": true, "lines": true,
}

// Content returns the content hash of a raw message: SHA-256 (first 16
// bytes) of the message with every line end (LF, CRLF, lone CR) as LF,
// trailing line ends dropped, NUL read as 0x80, and the header fields in
// Ignored left out. The same mail read from a Thunderbird mbox, a Maildir
// and an IMAP server has one Sum; it reads r to the end, streaming.
func Content(r io.Reader) (Sum, error) {
	br := readers.Get().(*bufio.Reader)
	br.Reset(r)
	defer func() {
		br.Reset(nil)
		readers.Put(br)
	}()
	p := &pieces{br: br}
	h := sha256.New()
	h.Write([]byte("sum\x00"))
	pendingNL := 0
	hw := &headerWalker{p: p,
		line: func(name string, piece []byte, ended bool) {
			if Ignored[name] {
				return
			}
			if len(piece) > 0 {
				for ; pendingNL > 0; pendingNL-- {
					h.Write(newline)
				}
				h.Write(piece)
			}
			if ended {
				pendingNL++
			}
		},
	}
	ended, err := hw.walk()
	if err != nil {
		return Sum{}, err
	}
	if ended {
		pendingNL++ // the empty line
	}
	if err := hashLines(h, p, pendingNL); err != nil {
		return Sum{}, err
	}
	var s Sum
	copy(s[:], h.Sum(nil))
	return s, nil
}

// newline is written for held-back line ends; a slice literal passed to
// hash.Hash.Write would be allocated once per line.
var newline = []byte{'\n'}
