package labserver

import (
	"fmt"
	"os"
	"testing"

	"github.com/emersion/go-imap/v2"
)

func TestZZStressQuota(t *testing.T) {
	if os.Getenv("ZZ") == "" {
		t.Skip()
	}
	for i := 0; i < 6; i++ {
		k := Cyrus
		if i%2 == 1 {
			k = CyrusUnix
		}
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			t.Parallel()
			s := Start(t, k, nil)
			for _, u := range Users() {
				data, err := s.Dial(t, u).GetQuotaRoot("INBOX").Wait()
				if err != nil {
					t.Fatal(err)
				}
				want := int64(DefaultQuotaBytes / 1024)
				if u == "small" {
					want = SmallQuotaBytes / 1024
				}
				if len(data) != 1 || data[0].Resources[imap.QuotaResourceStorage].Limit != want {
					t.Errorf("%s %s: quota %+v, want %d KiB", k, u, data, want)
				}
			}
		})
	}
}
