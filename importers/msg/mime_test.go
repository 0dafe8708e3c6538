package msg

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailferry/mailferry/importers/outlook"
	"github.com/mailferry/mailferry/importers/outlook/outlooktest"
)

// TestFixturesParseAndKeepAttachments: the message built from every .msg
// fixture in testdata/msg (except broken/) and from every fixture
// definition parses with go-message, every part walked and decoded, and
// carries every attachment of its item (name and bytes; embedded
// messages as message/rfc822, recursively). See outlooktest.CheckMessage.
func TestFixturesParseAndKeepAttachments(t *testing.T) {
	root := "../../testdata/msg"
	files := map[string][]byte{}
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.EqualFold(filepath.Ext(p), ".msg") || strings.Contains(p, "broken") {
			return err
		}
		files[p], err = os.ReadFile(p)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for i, m := range []*tmsg{fxUnicodeHTML(), fxANSI(), fxEmbedded(), fxRTFOnly(), fxSignedMsg()} {
		files["definition "+string(rune('0'+i))] = m.bytes()
	}
	if len(files) < 10 {
		t.Fatalf("only %d fixtures", len(files))
	}
	total := 0
	for name, raw := range files {
		it := readItem(t, raw)
		if !outlook.IsMail(it.MessageClass) {
			continue
		}
		n, err := outlooktest.CheckMessage(buildRaw(t, it), it)
		if err != nil {
			t.Errorf("%s: %v", name, err)
		}
		total += n
	}
	if total < 5 {
		t.Errorf("only %d attachments checked", total)
	}
}
