package maildir_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/mailferry/mailferry/exporters"
	"github.com/mailferry/mailferry/importers"
	maildirimp "github.com/mailferry/mailferry/importers/maildir"
)

// Issue 13 item 5: files renamed over in a Maildir target (the keywords
// file, the state) are refused when hard-linked; the outside file stays.
func TestHardLinkedFilesRefused(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir)
	defer s.Close()
	appendOne(t, s, importers.Folder{"INBOX"}, "Message-ID: <1@x>\n\none\n")
	outside := filepath.Join(t.TempDir(), "victim")
	os.WriteFile(outside, []byte("precious"), 0o600)
	if err := os.Link(outside, filepath.Join(dir, maildirimp.KeywordsFile)); err != nil {
		t.Skip(err)
	}
	ctx := context.Background()
	tg, _ := s.Resolve(ctx, importers.Folder{"INBOX"}, "")
	raw := "Message-ID: <2@x>\n\ntwo\n"
	m := &importers.Message{Ref: "t", Folder: importers.Folder{"INBOX"}, Flags: []imap.Flag{"$Label1"},
		InternalDate: time.Now(), Body: importers.BytesBody(raw)}
	if err := tg.Append(ctx, m, int64(len(raw)), strings.NewReader(raw)); err == nil || !strings.Contains(err.Error(), "hard links") {
		t.Errorf("keywords file over a hard link: %v", err)
	}
	os.Link(outside, filepath.Join(dir, exporters.StateFileName))
	if err := s.SaveState([]byte("{}")); err == nil || !strings.Contains(err.Error(), "hard links") {
		t.Errorf("state over a hard link: %v", err)
	}
	if b, _ := os.ReadFile(outside); string(b) != "precious" {
		t.Errorf("outside file changed: %q", b)
	}
}
