package pst

import (
	"path/filepath"
	"testing"

	"github.com/mailferry/mailferry/exporters/imap/dovecottest"
	"github.com/mailferry/mailferry/importers"
	"github.com/mailferry/mailferry/importers/outlook/outlooktest"
)

// TestCopyToDovecot copies PST stores into a real Dovecot through the
// normal engine and the imap:// sink: support.pst (go-pst's sample) and
// the Japanese ANSI fixture (cp932 folder names, attachments, an embedded
// message, S/MIME, meeting request), and enron.pst (2,178 items, 27
// folders). Per folder, the server holds what
// was copied, byte for byte; every message parses with go-message; a
// second run copies nothing (outlooktest.CopyToDovecot).
func TestCopyToDovecot(t *testing.T) {
	srv := dovecottest.Start(t, &dovecottest.Config{QuotaBytes: 1 << 30})
	for _, path := range []string{samplePath(t, "support.pst"), fixturePath("ansi-932.pst"), samplePath(t, "enron.pst")} {
		t.Run(filepath.Base(path), func(t *testing.T) {
			srv.ResetUser(t, "alice")
			plan := outlooktest.CopyToDovecot(t, srv, "alice", func(t *testing.T) importers.Source {
				s, _ := openTest(t, path)
				return s
			})
			if tot := plan.Totals(); tot.Copied < 9 {
				t.Errorf("copied %d messages", tot.Copied)
			}
		})
	}
}
