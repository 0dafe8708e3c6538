package dedupe

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"strings"
	"sync"

	"github.com/mailferry/mailferry/importers"
)

// Key identifies a message for de-duplication.
type Key [16]byte

func (k Key) String() string { return hex.EncodeToString(k[:]) }

// Kind says how a Key was made.
type Kind uint8

const (
	// ByMessageID keys are hashes of the normalized Message-ID.
	ByMessageID Kind = iota + 1
	// ByContent keys are hashes of Date, From, To, Subject and the body.
	ByContent
)

func (k Kind) String() string {
	switch k {
	case ByMessageID:
		return "message-id"
	case ByContent:
		return "content"
	}
	return "unknown"
}

// MaxHeaderBytes bounds how much of a message is read as header. A header
// longer than this is treated as having no Message-ID (the content key then
// covers the whole message).
const MaxHeaderBytes = 1 << 20

// NormalizeMessageID returns the canonical form of a Message-ID field
// value, or "" when it is missing or malformed. The canonical form is the
// addr-spec without angle brackets, comments and folding white space, with
// the domain part (after the last "@") lower-cased (RFC 5322 3.6.4; domains
// are case-insensitive, the local part is not).
func NormalizeMessageID(v string) string {
	v = stripComments(v)
	v = strings.TrimSpace(v)
	if i := strings.IndexByte(v, '<'); i >= 0 {
		j := strings.IndexByte(v[i:], '>')
		if j < 0 {
			return ""
		}
		v = v[i+1 : i+j]
	}
	// Remove folding white space anywhere inside the id.
	v = strings.Map(func(r rune) rune {
		switch r {
		case ' ', '\t', '\r', '\n':
			return -1
		}
		return r
	}, v)
	at := strings.LastIndexByte(v, '@')
	if at <= 0 || at == len(v)-1 {
		return ""
	}
	if strings.ContainsAny(v, "<>") {
		return ""
	}
	return v[:at] + "@" + strings.ToLower(v[at+1:])
}

// stripComments removes RFC 5322 comments (parenthesized, nestable) that are
// outside angle brackets: Outlook and Emacs append "(… message of …)".
func stripComments(v string) string {
	if !strings.Contains(v, "(") {
		return v
	}
	var b strings.Builder
	depth := 0
	inAngle := false
	for _, r := range v {
		switch {
		case r == '<' && depth == 0:
			inAngle = true
		case r == '>' && depth == 0:
			inAngle = false
		case r == '(' && !inAngle:
			depth++
			continue
		case r == ')' && !inAngle && depth > 0:
			depth--
			continue
		}
		if depth == 0 {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// FromMessageID returns the key for a normalized Message-ID.
func FromMessageID(id string) Key {
	h := sha256.New()
	h.Write([]byte("mid\x00"))
	h.Write([]byte(id))
	var k Key
	copy(k[:], h.Sum(nil))
	return k
}

// FromHeader returns the key of a message from already parsed header
// fields (keys case-insensitive). ok is false when the Message-ID is missing
// or malformed; the caller then needs Of on the whole message.
func FromHeader(h map[string][]string) (k Key, ok bool) {
	for name, vals := range h {
		if strings.EqualFold(name, "Message-Id") && len(vals) > 0 {
			if id := NormalizeMessageID(vals[0]); id != "" {
				return FromMessageID(id), true
			}
		}
	}
	return Key{}, false
}

// fallbackFields are hashed, in this order, for the content key.
var fallbackFields = []string{"date", "from", "to", "subject"}

// keyFields are the header fields Of keeps.
var keyFields = map[string]bool{"message-id": true, "date": true, "from": true, "to": true, "subject": true}

// readers are Of's 16 KiB buffers, reused: one per message adds up.
var readers = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, 16<<10) }}

// smallFirst caps its first Read at 4 KiB.
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

// Of reads a raw message and returns its key. It stops reading after the
// header when the message has a good Message-ID; otherwise it reads to the
// end. r may use LF, CRLF or CR line endings (even mixed); all give the
// same key.
func Of(r io.Reader) (Key, Kind, error) {
	// The first read is small: most headers end within it, and the body
	// need not be read at all.
	br := readers.Get().(*bufio.Reader)
	br.Reset(&smallFirst{r: r})
	defer func() {
		br.Reset(nil)
		readers.Put(br)
	}()
	fields := map[string]string{}
	var cur string // name of the field being read (lower case)
	var curVal []byte
	headerBytes := 0
	flush := func() {
		if cur != "" {
			if _, seen := fields[cur]; !seen { // first occurrence wins
				fields[cur] = string(curVal)
			}
		}
		cur, curVal = "", nil
	}
	truncated := false
	var stray []byte // header lines that are not fields
	for {
		// A line ends at LF, CRLF or a lone CR (classic Mac OS files):
		// otherwise a CR-only header is one long line and every such
		// message gets the same content key (issue 12).
		line, err := importers.ReadLine(br)
		if errors.Is(err, bufio.ErrBufferFull) {
			// An absurdly long header line: keep going byte-exact in hash
			// terms by treating it as content.
			truncated = true
		}
		headerBytes += len(line)
		trim := bytes.TrimRight(line, "\r\n")
		if len(trim) == 0 && !truncated && (len(line) > 0 || err == nil) {
			flush()
			break // end of header
		}
		if len(line) > 0 {
			if line[0] == ' ' || line[0] == '\t' {
				if cur != "" {
					curVal = append(curVal, ' ')
					curVal = append(curVal, bytes.TrimSpace(trim)...)
				}
			} else if c := bytes.IndexByte(trim, ':'); c > 0 {
				flush()
				cur = strings.ToLower(string(bytes.TrimSpace(trim[:c])))
				if keyFields[cur] {
					curVal = append([]byte(nil), bytes.TrimSpace(trim[c+1:])...)
				} else {
					cur = "" // not part of the key: skip it and its continuation lines
				}
			} else if len(stray) < MaxHeaderBytes {
				// Not a field: a message without a header (or a broken
				// one). Its text must count, or every such message
				// without Date/From/To/Subject would get one key.
				flush()
				stray = append(stray, trim...)
				stray = append(stray, '\n')
			}
		}
		if err == io.EOF {
			flush()
			break
		}
		if err != nil && !errors.Is(err, bufio.ErrBufferFull) {
			return Key{}, 0, err
		}
		truncated = errors.Is(err, bufio.ErrBufferFull)
		if headerBytes > MaxHeaderBytes {
			flush()
			break
		}
	}
	if id := NormalizeMessageID(fields["message-id"]); id != "" {
		return FromMessageID(id), ByMessageID, nil
	}
	h := sha256.New()
	h.Write([]byte("content\x00"))
	for _, f := range fallbackFields {
		h.Write([]byte(f))
		h.Write([]byte{0})
		h.Write([]byte(collapseSpace(fields[f])))
		h.Write([]byte{0})
	}
	if len(stray) > 0 {
		h.Write([]byte("stray\x00"))
		h.Write(stray)
	}
	if err := hashBody(h, br); err != nil {
		return Key{}, 0, err
	}
	var k Key
	copy(k[:], h.Sum(nil))
	return k, ByContent, nil
}

func collapseSpace(s string) string { return strings.Join(strings.Fields(s), " ") }

// hashBody writes the rest of br with CRLF and lone CR turned into LF (an
// IMAP target gets CRLF for both, see importers.CRLFReader) and trailing
// blank lines removed (mbox separators, IMAP servers that add a final CRLF).
func hashBody(w io.Writer, br *bufio.Reader) error {
	pendingNL := 0 // newlines held back until more content proves they are not trailing
	var pendingCR bool
	buf := make([]byte, 32<<10)
	out := make([]byte, 0, 32<<10)
	for {
		n, err := br.Read(buf)
		out = out[:0]
		for _, b := range buf[:n] {
			if pendingCR {
				pendingCR = false
				if b == '\n' {
					pendingNL++
					continue
				}
				// A lone CR ends a line too.
				pendingNL++
			}
			switch b {
			case '\r':
				pendingCR = true
			case '\n':
				pendingNL++
			default:
				for ; pendingNL > 0; pendingNL-- {
					out = append(out, '\n')
				}
				out = append(out, b)
			}
		}
		w.Write(out)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}
