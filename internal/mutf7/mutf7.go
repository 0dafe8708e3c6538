// Package mutf7 is the modified UTF-7 of IMAP mailbox names (RFC 3501
// section 5.1.3), shared by the IMAP client (internal/imapclient) and the
// Maildir stores (importers/maildir, exporters/maildir), whose Maildir++
// folder directories use the same encoding.
package mutf7

import (
	"encoding/base64"
	"errors"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// The modified UTF-7 of IMAP mailbox names (RFC 3501 section 5.1.3), which
// Dovecot and Courier also use for Maildir++ folder directory names:
// printable US-ASCII except "&" stands for itself, "&" is "&-", and every
// other run of characters is UTF-16BE in base64 (with "," instead of "/",
// no padding) between "&" and "-". go-imap has this codec only in an
// internal package, hence this one.

var mutf7Enc = base64.NewEncoding("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,").WithPadding(base64.NoPadding)

// ErrBad is returned by Decode for a string that is not valid
// modified UTF-7.
var ErrBad = errors.New("invalid modified UTF-7")

func isDirectMUTF7(r rune) bool { return r >= 0x20 && r <= 0x7e }

// Encode returns s (UTF-8) in modified UTF-7. Invalid UTF-8 bytes are
// encoded as U+FFFD; callers that must round-trip arbitrary bytes escape
// them first (see importers/maildir.EncodeElement).
func Encode(s string) string {
	var b strings.Builder
	var run []rune
	flush := func() {
		if len(run) == 0 {
			return
		}
		u := utf16.Encode(run)
		buf := make([]byte, 0, 2*len(u))
		for _, c := range u {
			buf = append(buf, byte(c>>8), byte(c))
		}
		b.WriteByte('&')
		b.WriteString(mutf7Enc.EncodeToString(buf))
		b.WriteByte('-')
		run = run[:0]
	}
	for _, r := range s {
		switch {
		case r == '&':
			flush()
			b.WriteString("&-")
		case isDirectMUTF7(r):
			flush()
			b.WriteRune(r)
		default:
			run = append(run, r)
		}
	}
	flush()
	return b.String()
}

// Decode returns the UTF-8 form of a modified UTF-7 string. It is
// strict where RFC 3501 is: no 8-bit bytes, no base64 of printable ASCII,
// no padding bits set, no unpaired surrogates, every "&" closed by "-".
func Decode(s string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x80 || c < 0x20 || c == 0x7f {
			return "", ErrBad
		}
		if c != '&' {
			b.WriteByte(c)
			i++
			continue
		}
		j := strings.IndexByte(s[i+1:], '-')
		if j < 0 {
			return "", ErrBad
		}
		enc := s[i+1 : i+1+j]
		i += j + 2
		if enc == "" {
			b.WriteByte('&')
			continue
		}
		raw, err := mutf7Enc.Strict().DecodeString(enc)
		if err != nil || len(raw)%2 != 0 {
			return "", ErrBad
		}
		u := make([]uint16, len(raw)/2)
		for k := range u {
			u[k] = uint16(raw[2*k])<<8 | uint16(raw[2*k+1])
		}
		for k := 0; k < len(u); k++ {
			r := rune(u[k])
			if utf16.IsSurrogate(r) {
				if k+1 >= len(u) {
					return "", ErrBad
				}
				r = utf16.DecodeRune(r, rune(u[k+1]))
				if r == utf8.RuneError {
					return "", ErrBad
				}
				k++
			}
			if isDirectMUTF7(r) {
				// RFC 3501: printable ASCII must not be base64-encoded.
				return "", ErrBad
			}
			b.WriteRune(r)
		}
	}
	return b.String(), nil
}
