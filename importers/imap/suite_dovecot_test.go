package imap

import (
	"context"
	"testing"

	"github.com/emersion/go-imap/v2"
	"github.com/mailferry/mailferry/exporters/imap/dovecottest"
	"github.com/mailferry/mailferry/importers"
	"github.com/mailferry/mailferry/importers/importertest"
)

// TestImporterConformanceDovecot runs the importer conformance suite on an
// account of a real Dovecot filled with the fixture corpus by plain APPEND
// (CRLF, flags, internal dates; the corpus's exact duplicate twice), with
// the default namespace and with the "INBOX." prefix and "." delimiter.
func TestImporterConformanceDovecot(t *testing.T) {
	for _, prefix := range []string{"", "INBOX."} {
		t.Run("prefix="+prefix, func(t *testing.T) {
			srv := dovecottest.Start(t, &dovecottest.Config{NamespacePrefix: prefix})
			importertest.Run(t, importertest.Opt{Open: func(t *testing.T, c importertest.Corpus) importers.Source {
				cl := srv.Dial(t, "alice")
				ns := Namespace{Prefix: srv.NamespacePrefix, Delim: srv.Delimiter}
				made := map[string]bool{"INBOX": true}
				for _, it := range c {
					name := ns.Mailbox(it.Folder)
					if !made[name] {
						// Dovecot creates the parents; an existing one
						// (special-use) is fine.
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
						t.Fatalf("APPEND %s to %q: %v", it.File, name, err)
					}
				}
				src, err := Open(context.Background(), "imap://alice@"+srv.Addr, &importers.Options{
					Password: func(string, string) (string, error) { return dovecottest.Password, nil },
				})
				if err != nil {
					t.Fatal(err)
				}
				return src
			}})
		})
	}
}
