package outlook

import (
	"bufio"
	"bytes"
	"testing"
)

// sizer is a Build destination that wants lengths (a Sizer).
type sizer struct {
	bytes.Buffer
	skipped int64
}

func (s *sizer) SkipLines(n int64) { s.skipped += n }

// A Sizer gets the same bytes as a plain writer except the base64 of the
// attachments with a Size, whose lengths it is told instead, at their
// place: every attachment length around the 76-character line.
func TestSizerSameLength(t *testing.T) {
	for n := 0; n < 200; n++ {
		data := bytes.Repeat([]byte{0xa5, 'x', 0}, n)[:n]
		it := richItem()
		it.Attachments[1].Open, it.Attachments[1].Size = opener(data), int64(n)
		var whole bytes.Buffer
		if err := Build(&whole, it); err != nil {
			t.Fatal(err)
		}
		s := &sizer{}
		if err := Build(s, it); err != nil {
			t.Fatal(err)
		}
		got := int64(s.Len()) + s.skipped
		if got != int64(whole.Len()) {
			t.Fatalf("%d-byte attachment: sized %d bytes + %d counted, whole build %d", n, s.Len(), s.skipped, whole.Len())
		}
		// png has its Size too: both are counted, nothing else.
		if n > 0 && s.skipped != Base64Len(int64(n))+Base64Len(it.Attachments[0].Size) {
			t.Fatalf("%d-byte attachment: %d counted, want %d", n, s.skipped, Base64Len(int64(n))+Base64Len(it.Attachments[0].Size))
		}
	}
}

func TestBase64Len(t *testing.T) {
	for n := int64(0); n < 500; n++ {
		var b bytes.Buffer
		bl := &builder{w: &trackWriter{w: bufio.NewWriter(&b)}}
		if err := bl.base64(bytes.NewReader(make([]byte, n))); err != nil {
			t.Fatal(err)
		}
		bl.w.w.Flush()
		if int64(b.Len()) != Base64Len(n) {
			t.Fatalf("Base64Len(%d) = %d, base64 wrote %d", n, Base64Len(n), b.Len())
		}
	}
}
