package imapclient

import (
	"bytes"
	"net/textproto"
	"strings"
)

// ParseHeader parses a raw header block (as returned by BODY[HEADER] or
// BODY[HEADER.FIELDS (...)]) leniently: folded lines are unfolded with one
// space, lines without a colon are skipped, and the values are kept raw
// (no RFC 2047 decoding). Keys are in canonical MIME form ("Message-Id").
func ParseHeader(b []byte) map[string][]string {
	h := map[string][]string{}
	var key string
	for len(b) > 0 {
		var line []byte
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			line, b = b[:i], b[i+1:]
		} else {
			line, b = b, nil
		}
		line = bytes.TrimRight(line, "\r")
		if len(line) == 0 {
			break
		}
		if line[0] == ' ' || line[0] == '\t' {
			if key != "" {
				vs := h[key]
				vs[len(vs)-1] = strings.TrimSpace(vs[len(vs)-1] + " " + strings.TrimSpace(string(line)))
			}
			continue
		}
		c := bytes.IndexByte(line, ':')
		if c <= 0 {
			key = ""
			continue
		}
		key = textproto.CanonicalMIMEHeaderKey(strings.TrimSpace(string(line[:c])))
		h[key] = append(h[key], strings.TrimSpace(string(line[c+1:])))
	}
	return h
}
