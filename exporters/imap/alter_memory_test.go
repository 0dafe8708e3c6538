package imap

import (
	"bytes"
	"crypto/sha256"
	"strings"
	"testing"
)

// Past maxKeptHeaders a suspect keeps the hash of its header only: an
// altered header is still told from an intact one, and named without the
// first differing byte.
func TestSuspectHashOnly(t *testing.T) {
	hdr := []byte("Subject: \xe4\xbc\x9a\xe8\xad\xb0\r\n\r\n")
	kept := suspect{header: bytes.Clone(hdr), hsum: sha256.Sum256(hdr), hlen: len(hdr)}
	hashed := suspect{hsum: sha256.Sum256(hdr), hlen: len(hdr)}
	munged := bytes.ReplaceAll(hdr, []byte("\xe4\xbc\x9a\xe8\xad\xb0"), []byte("XXXXXX"))
	for _, s := range []suspect{kept, hashed} {
		if !s.same(hdr) || s.same(munged) || s.same(hdr[:len(hdr)-2]) {
			t.Fatalf("same: kept header %v", s.header != nil)
		}
	}
	if r := alterationReason(kept.header, kept.hlen, munged); !strings.Contains(r, "byte 10 of the header") || !strings.Contains(r, "munge8bit") {
		t.Errorf("kept header: %s", r)
	}
	if r := alterationReason(nil, hashed.hlen, munged); !strings.Contains(r, "its header differs") || !strings.Contains(r, "munge8bit") {
		t.Errorf("hashed header: %s", r)
	}
}
