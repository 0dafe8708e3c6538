package mbox

// Issue 12: the mbox reader (importers/mbox) ends lines at a lone CR too,
// so the writer must quote a "From " line that follows one, or a CR-only
// message would come back split or with a '>' less.

import (
	"bufio"
	"bytes"
	"io"
	"testing"
	"time"

	mboxr "github.com/mailferry/mailferry/importers/mbox"
)

func TestWriteQuotesAfterLoneCR(t *testing.T) {
	msg := "Subject: classic Mac\rTo: a@example.org\r\rbody\rFrom x\rLooks-Like: a header\r>From y\rend\r\n"
	var out bytes.Buffer
	w := bufio.NewWriter(&out)
	if err := writeMessage(w, time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC), bytes.NewReader([]byte(msg))); err != nil {
		t.Fatal(err)
	}
	w.Flush()
	data := out.Bytes()
	r := mboxr.NewReader(bytes.NewReader(data), int64(len(data)), mboxr.ReaderOptions{})
	e, err := r.Next()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Next(); err != io.EOF {
		t.Fatalf("the message came back split: %q", data)
	}
	if e.Len() != int64(len(msg)) {
		t.Fatalf("read back %d bytes, wrote %d: %q", e.Len(), len(msg), data)
	}
}
