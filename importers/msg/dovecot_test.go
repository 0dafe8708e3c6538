package msg

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailferry/mailferry/exporters/imap/dovecottest"
	"github.com/mailferry/mailferry/importers"
	"github.com/mailferry/mailferry/importers/importertest"
	"github.com/mailferry/mailferry/importers/outlook/outlooktest"
)

// copyFixtureTree copies the .msg files of testdata/msg, except broken/, into a
// new directory.
func copyFixtureTree(t *testing.T) string {
	dst := t.TempDir()
	root := "../../testdata/msg"
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.EqualFold(filepath.Ext(p), ".msg") || strings.Contains(p, "broken") {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Join(dst, filepath.Dir(rel)), 0o755); err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

// TestCopyToDovecot copies .msg trees into a real Dovecot through the
// normal engine and the imap:// sink: the corpus written as .msg files
// (Unicode and ANSI cp932), and the fixtures of testdata/msg (HTML with
// inline image and attachments, RTF-only, embedded message, S/MIME
// signed, a Japanese "Sent Items" folder, an appointment that is
// skipped). Per folder, the server holds what was copied, byte for byte;
// every message parses with go-message; a second run copies nothing
// (outlooktest.CopyToDovecot).
func TestCopyToDovecot(t *testing.T) {
	srv := dovecottest.Start(t, &dovecottest.Config{QuotaBytes: 1 << 30})
	c := importertest.Load(t)
	_, items := outlooktest.Want(t, c)
	for _, tree := range []struct{ name, dir string }{
		{"corpus unicode", writeCorpus(t, c, items, false)},
		{"corpus ansi", writeCorpus(t, c, items, true)},
		{"testdata fixtures", copyFixtureTree(t)},
	} {
		dir := tree.dir
		t.Run(tree.name, func(t *testing.T) {
			srv.ResetUser(t, "alice")
			outlooktest.CopyToDovecot(t, srv, "alice", func(t *testing.T) importers.Source {
				src, err := Open(dir, &importers.Options{SpoolDir: t.TempDir()})
				if err != nil {
					t.Fatal(err)
				}
				return src
			})
		})
	}
}
