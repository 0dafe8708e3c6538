package imap

import (
	"testing"

	"github.com/emersion/go-imap/v2"
	ic "github.com/mailferry/mailferry/internal/imapclient"
)

func TestParseAppendUID(t *testing.T) {
	v, uids, ok := ic.ParseAppendUID("[APPENDUID 38505 3955:3957,3960] APPEND completed")
	if !ok || v != 38505 || len(uids) != 4 || uids[0] != 3955 || uids[2] != 3957 || uids[3] != imap.UID(3960) {
		t.Errorf("got %d %v %v", v, uids, ok)
	}
	for _, bad := range []string{"APPEND completed", "[APPENDUID 0 1] x", "[APPENDUID 1 5:3] x", "[UIDNEXT 4] x", "[APPENDUID 1] x"} {
		if _, _, ok := ic.ParseAppendUID(bad); ok {
			t.Errorf("%q parsed", bad)
		}
	}
}

func TestHeaderOf(t *testing.T) {
	hdr, eight, ok := headerOf([]byte("Subject: \xe4\xbc\x9a\r\n\r\nbody \xff"))
	if !ok || !eight || string(hdr) != "Subject: \xe4\xbc\x9a\r\n\r\n" {
		t.Errorf("8-bit header: %q %v %v", hdr, eight, ok)
	}
	if _, eight, _ := headerOf([]byte("Subject: x\r\n\r\nbody \xff")); eight {
		t.Error("8-bit body taken for an 8-bit header")
	}
	h := &headCapture{}
	h.buf = []byte("Subject: \xe4\r\n")
	if hdr, eight := h.header(); !eight || len(hdr) == 0 {
		t.Error("a message without body: its whole text is the header")
	}
}
