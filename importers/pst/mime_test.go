package pst

import (
	"path/filepath"
	"testing"

	"github.com/mailferry/mailferry/importers/outlook/outlooktest"
)

// TestMessagesParseAndKeepAttachments: every message built from the PST
// samples (go-pst's enron.pst and support.pst, and the generated
// fixtures) parses with go-message, every part walked and decoded, and
// carries every attachment of its item (name and bytes; embedded
// messages as message/rfc822, recursively). See outlooktest.CheckMessage.
func TestMessagesParseAndKeepAttachments(t *testing.T) {
	paths := []string{samplePath(t, "enron.pst"), samplePath(t, "support.pst")}
	for _, n := range []string{"ansi-932.pst", "ansi-plain.pst", "unicode-cyclic.pst"} {
		paths = append(paths, fixturePath(n))
	}
	for _, path := range paths {
		t.Run(filepath.Base(path), func(t *testing.T) {
			s, _ := openTest(t, path)
			byNID := map[uint32]nbtEntry{}
			for _, l := range s.st.msgs {
				for _, e := range l {
					byNID[e.nid] = e
				}
			}
			msgs, atts, bad := 0, 0, 0
			for _, g := range walkAll(t, s) {
				if g.err != nil {
					t.Errorf("%s: %v", g.ref, g.err)
					continue
				}
				it, err := s.st.readItem(s.f.nodeOf(byNID[nidOf(t, g.ref)]), 0, nil)
				if err != nil {
					t.Fatalf("%s: readItem: %v", g.ref, err)
				}
				n, err := outlooktest.CheckMessage(g.raw, it)
				if err != nil {
					if bad++; bad <= 10 {
						t.Errorf("%s (%q): %v", g.ref, it.Subject, err)
					}
					continue
				}
				msgs++
				atts += n
			}
			if bad > 0 {
				t.Errorf("%d messages failed", bad)
			}
			t.Logf("%s: %d messages parsed, %d attachments (embedded messages included) kept", filepath.Base(path), msgs, atts)
		})
	}
}
