package maildir

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/emersion/go-imap/v2"
	"github.com/mailferry/mailferry/exporters/localfs"
	"github.com/mailferry/mailferry/importers"
	maildirimp "github.com/mailferry/mailferry/importers/maildir"
)

// TestColonRefused plays a file system that refuses ':' (SMB/NTFS): the
// first write switches to ';' and Windows-safe folder names, records it,
// and folders resolved before the probe get their new names.
func TestColonRefused(t *testing.T) {
	old := colonAllowed
	colonAllowed = func(*localfs.Root, string) bool { return false }
	defer func() { colonAllowed = old }()

	dir := filepath.Join(t.TempDir(), "share")
	s, err := New(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	a, _ := s.Resolve(ctx, importers.Folder{"Re: a"}, "")
	b, _ := s.Resolve(ctx, importers.Folder{"plain"}, "")
	for i, tg := range []*target{a.(*target), b.(*target)} {
		if err := tg.Create(ctx); err != nil {
			t.Fatal(err)
		}
		raw := "Message-ID: <" + string(rune('a'+i)) + "@x>\n\nx\n"
		m := &importers.Message{Ref: "t", Flags: []imap.Flag{imap.FlagSeen}, Body: importers.BytesBody(raw)}
		if err := tg.Append(ctx, m, int64(len(raw)), strings.NewReader(raw)); err != nil {
			t.Fatal(err)
		}
	}
	cfg, _ := os.ReadFile(filepath.Join(dir, maildirimp.ConfigFile))
	if !strings.Contains(string(cfg), `";"`) || !strings.Contains(string(cfg), "true") {
		t.Errorf("config = %s", cfg)
	}
	ents, _ := os.ReadDir(dir)
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	if got := strings.Join(names, " "); got != `.Re\3a a .plain mailferry-maildir.json` {
		t.Errorf("root = %s", got)
	}
	for _, d := range []string{`.Re\3a a`, ".plain"} {
		cur, _ := os.ReadDir(filepath.Join(dir, d, "cur"))
		if len(cur) != 1 || !strings.HasSuffix(cur[0].Name(), ";2,S") {
			t.Errorf("%s/cur = %v", d, cur)
		}
	}
	// A later run reads the choice instead of probing.
	colonAllowed = func(*localfs.Root, string) bool { t.Error("probed again"); return true }
	s2, _ := New(dir, nil)
	tg, _ := s2.Resolve(ctx, importers.Folder{"Re: a"}, "")
	if !tg.Exists() || filepath.Base(tg.Name()) != `.Re\3a a` {
		t.Errorf("second run: %s exists=%v", tg.Name(), tg.Exists())
	}
}
