package all_test

import (
	"errors"
	"testing"

	"github.com/mailferry/mailferry/importers"
	_ "github.com/mailferry/mailferry/importers/all"
	imapimp "github.com/mailferry/mailferry/internal/imapclient"
)

// FuzzParseSpec: any command-line store spec is either parsed or refused
// with a usage error (exit 2), never a panic; an IMAP URL either parses to
// an endpoint with a user and a host, or is a usage error.
func FuzzParseSpec(f *testing.F) {
	for _, s := range []string{"maildir:/x", "mbox:", "thunderbird:", "imaps://a@b@c:993", "imap://u:pw@h",
		"pst:C:\\x.pst", ":", "x", "eml:\x00", "IMAP://A@B", "imap://[::1]:143", "imaps://%40@h:99999", "imap://@h"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sp, err := importers.ParseSpec(s)
		if err != nil {
			if !errors.Is(err, importers.ErrUsage) {
				t.Fatalf("ParseSpec(%q): %v is not a usage error", s, err)
			}
			return
		}
		if sp.Scheme != "imap" && sp.Scheme != "imaps" {
			return
		}
		ep, err := imapimp.ParseURL(sp.Path)
		if err != nil {
			if !errors.Is(err, importers.ErrUsage) {
				t.Fatalf("ParseURL(%q): %v is not a usage error", sp.Path, err)
			}
			return
		}
		if ep.User == "" || ep.Host == "" || ep.Port <= 0 || ep.Port > 65535 {
			t.Fatalf("ParseURL(%q) = %+v", sp.Path, ep)
		}
	})
}
