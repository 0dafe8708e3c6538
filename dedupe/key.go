package dedupe

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
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

// MaxMessageIDBytes bounds a usable Message-ID field value (unfolded,
// trimmed). A longer value is treated as no Message-ID, on every side
// alike: Of stops keeping it after this many bytes, FromHeader and
// NormalizeMessageID refuse it, so a 16-64 KB Message-ID line keys the
// same from a file, a partial IMAP header fetch and a whole body.
const MaxMessageIDBytes = 998

// maxFieldBytes bounds what Of keeps of each fallback field value; the rest
// of a longer value is not part of the key (the content check decides).
const maxFieldBytes = 8 << 10

// NormalizeMessageID returns the canonical form of a Message-ID field
// value, or "" when it is missing or malformed. The canonical form is the
// addr-spec without angle brackets, comments and folding white space, with
// the domain part (after the last "@") lower-cased (RFC 5322 3.6.4; domains
// are case-insensitive, the local part is not).
func NormalizeMessageID(v string) string {
	if len(v) > MaxMessageIDBytes {
		return ""
	}
	v = stripComments(v)
	v = strings.TrimSpace(v)
	if i := strings.IndexByte(v, '<'); i >= 0 {
		j := strings.IndexByte(v[i:], '>')
		if j < 0 {
			return ""
		}
		v = v[i+1 : i+j]
	}
	// Remove folding white space anywhere inside the id, and every byte a
	// server may alter: NUL and 8-bit bytes (Dovecot stores NUL as 0x80,
	// some servers replace 8-bit header bytes with "?"), other controls,
	// and "?" itself. This can only make two ids equal, never split one;
	// the key only finds candidates, the content decides (see Index).
	v = strings.Map(func(r rune) rune {
		if r <= ' ' || r > '~' || r == '?' {
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
