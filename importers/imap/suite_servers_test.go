package imap

import (
	"context"
	"testing"

	"github.com/emersion/go-imap/v2"
	"github.com/mailferry/mailferry/importers"
	"github.com/mailferry/mailferry/importers/importertest"
	"github.com/mailferry/mailferry/internal/labserver"
)

// TestImporterConformanceServers runs the importer conformance suite on
// an account of Cyrus IMAP (Debian's "INBOX." + "." layout and upstream's
// "/" layout) and of Courier-IMAP, the server as the subtest name, filled
// with the fixture corpus by plain APPEND as TestImporterConformanceDovecot
// does (issue 22). Without the extracted servers the subtests skip (see
// internal/labserver).
func TestImporterConformanceServers(t *testing.T) {
	for _, k := range labserver.Kinds() {
		t.Run(string(k), func(t *testing.T) {
			srv := labserver.Start(t, k, nil)
			importertest.Run(t, importertest.Opt{Open: func(t *testing.T, c importertest.Corpus) importers.Source {
				cl := srv.Dial(t, "alice")
				ns := Namespace{Prefix: srv.NamespacePrefix, Delim: srv.Delimiter}
				made := map[string]bool{"INBOX": true}
				for _, it := range c {
					name := ns.Mailbox(it.Folder)
					if !made[name] {
						// An existing one (Cyrus' special-use
						// folders) is fine; a real failure shows
						// in the APPEND below.
						cl.Create(name, nil).Wait()
						made[name] = true
					}
					raw := importertest.ToCRLF(it.Raw)
					cmd := cl.Append(name, int64(len(raw)), &imap.AppendOptions{Flags: it.Flags, Time: it.Date})
					if _, err := cmd.Write(raw); err != nil {
						t.Fatal(err)
					}
					if err := cmd.Close(); err != nil {
						t.Fatal(err)
					}
					if _, err := cmd.Wait(); err != nil {
						t.Fatalf("%s: APPEND %s to %q: %v", k, it.File, name, err)
					}
				}
				src, err := Open(context.Background(), "imap://alice@"+srv.Addr, &importers.Options{
					Password: func(string, string) (string, error) { return labserver.Password, nil },
				})
				if err != nil {
					t.Fatal(err)
				}
				return src
			}})
		})
	}
}
