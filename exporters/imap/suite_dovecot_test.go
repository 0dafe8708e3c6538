package imap_test

import (
	"context"
	"testing"

	"github.com/mailferry/mailferry/exporters"
	"github.com/mailferry/mailferry/exporters/exportertest"
	imapexp "github.com/mailferry/mailferry/exporters/imap"
	"github.com/mailferry/mailferry/exporters/imap/dovecottest"
	"github.com/mailferry/mailferry/importers"
	imapimp "github.com/mailferry/mailferry/importers/imap"
)

// TestExporterConformanceDovecot runs the exporter conformance suite
// against a real Dovecot, with the default namespace and with the
// "INBOX." prefix and "." delimiter; what was written is read back with
// the IMAP importer.
func TestExporterConformanceDovecot(t *testing.T) {
	for _, prefix := range []string{"", "INBOX."} {
		t.Run("prefix="+prefix, func(t *testing.T) {
			srv := dovecottest.Start(t, &dovecottest.Config{NamespacePrefix: prefix})
			url := "imap://alice@" + srv.Addr
			opts := &importers.Options{Password: func(string, string) (string, error) { return dovecottest.Password, nil }}
			open := func(t *testing.T) exporters.Sink {
				s, err := imapexp.Open(context.Background(), url, opts)
				if err != nil {
					t.Fatal(err)
				}
				return s
			}
			exportertest.Run(t, exportertest.Opt{
				New: func(t *testing.T) (exporters.Sink, func(t *testing.T) importers.Source) {
					srv.ResetUser(t, "alice")
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
