package imap_test

import (
	"context"
	"sort"
	"strings"
	"testing"

	"github.com/emersion/go-imap/v2"
	"github.com/mailferry/mailferry/exporters"
	"github.com/mailferry/mailferry/exporters/exportertest"
	imapexp "github.com/mailferry/mailferry/exporters/imap"
	"github.com/mailferry/mailferry/importers"
	imapimp "github.com/mailferry/mailferry/importers/imap"
	"github.com/mailferry/mailferry/internal/labserver"
)

// TestExporterConformanceServers runs the exporter conformance suite
// against Cyrus IMAP (Debian's "INBOX." + "." layout and upstream's "/"
// layout) and Courier-IMAP, the server as the subtest name (issue 22; the
// Dovecot run is TestExporterConformanceDovecot). What was written is read
// back with the IMAP importer. Without the extracted servers the subtests
// skip (see internal/labserver).
func TestExporterConformanceServers(t *testing.T) {
	for _, k := range labserver.Kinds() {
		t.Run(string(k), func(t *testing.T) {
			srv := labserver.Start(t, k, nil)
			url := "imap://alice@" + srv.Addr
			opts := &importers.Options{Password: func(string, string) (string, error) { return labserver.Password, nil }}
			open := func(t *testing.T) exporters.Sink {
				s, err := imapexp.Open(context.Background(), url, opts)
				if err != nil {
					t.Fatal(err)
				}
				return s
			}
			exportertest.Run(t, exportertest.Opt{
				New: func(t *testing.T) (exporters.Sink, func(t *testing.T) importers.Source) {
					emptyAccount(t, srv, "alice")
					return open(t), func(t *testing.T) importers.Source {
						src, err := imapimp.Open(context.Background(), url, opts)
						if err != nil {
							t.Fatal(err)
						}
						t.Cleanup(func() { src.Close() })
						return src
					}
				},
				Reopen: open,
			})
		})
	}
}

// emptyAccount expunges every mailbox of user and deletes those without a
// special use (deepest first), as dovecottest's ResetUser does for
// Dovecot. Cyrus refuses to delete a special-use mailbox ("NO SPECIAL-USE
// flag conflict"), so those stay, empty. Courier takes 2 s for each DELETE
// of a mailbox that held mail, which is why its subtests take ~10 s.
func emptyAccount(t *testing.T, srv *labserver.Server, user string) {
	t.Helper()
	c := srv.Dial(t, user)
	defer c.Close()
	l, err := c.List("", "*", &imap.ListOptions{ReturnSpecialUse: srv.Kind != labserver.Courier}).Collect()
	if err != nil {
		t.Fatalf("%s: LIST: %v", srv.Kind, err)
	}
	var del []string
	noSelect := map[string]bool{}
	for _, mb := range l {
		if hasAttr(mb.Attrs, imap.MailboxAttrNonExistent) {
			continue
		}
		if hasAttr(mb.Attrs, imap.MailboxAttrNoSelect) {
			// Cyrus keeps a \Noselect parent that must go before its
			// own parent. Courier's (Maildir++) is only implied by its
			// children and goes with them; a DELETE of it is refused,
			// and Courier answers a refused DELETE only after seconds.
			if srv.Kind != labserver.Courier {
				noSelect[mb.Mailbox] = true
				del = append(del, mb.Mailbox)
			}
			continue
		}
		if _, err := c.Select(mb.Mailbox, nil).Wait(); err != nil {
			t.Fatalf("%s: SELECT %q: %v", srv.Kind, mb.Mailbox, err)
		}
		all := imap.SeqSet{}
		all.AddRange(1, 0)
		if err := c.Store(all, &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagDeleted}}, nil).Close(); err != nil {
			t.Fatalf("%s: STORE %q: %v", srv.Kind, mb.Mailbox, err)
		}
		if err := c.Expunge().Close(); err != nil {
			t.Fatalf("%s: EXPUNGE %q: %v", srv.Kind, mb.Mailbox, err)
		}
		if !strings.EqualFold(mb.Mailbox, "INBOX") && !specialUse(mb.Attrs) {
			del = append(del, mb.Mailbox)
		}
	}
	// CLOSE, not UNSELECT: Courier has no UNSELECT.
	if err := c.UnselectAndExpunge().Wait(); err != nil {
		t.Fatalf("%s: CLOSE: %v", srv.Kind, err)
	}
	sort.Slice(del, func(i, j int) bool { return len(del[i]) > len(del[j]) })
	for _, n := range del {
		if err := c.Delete(n).Wait(); err != nil && !noSelect[n] {
			t.Fatalf("%s: DELETE %q: %v", srv.Kind, n, err)
		}
	}
}

func hasAttr(l []imap.MailboxAttr, a imap.MailboxAttr) bool {
	for _, x := range l {
		if strings.EqualFold(string(x), string(a)) {
			return true
		}
	}
	return false
}

func specialUse(l []imap.MailboxAttr) bool {
	for _, a := range []imap.MailboxAttr{imap.MailboxAttrAll, imap.MailboxAttrArchive, imap.MailboxAttrDrafts,
		imap.MailboxAttrFlagged, imap.MailboxAttrJunk, imap.MailboxAttrSent, imap.MailboxAttrTrash} {
		if hasAttr(l, a) {
			return true
		}
	}
	return false
}
