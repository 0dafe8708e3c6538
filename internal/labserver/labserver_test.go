package labserver

import (
	"strings"
	"testing"

	"github.com/emersion/go-imap/v2"
)

// TestServers starts every kind and checks the greeting, login, layout,
// quotas and capabilities the integration tests rely on.
func TestServers(t *testing.T) {
	for _, k := range Kinds() {
		t.Run(string(k), func(t *testing.T) {
			t.Parallel()
			s := Start(t, k, nil)
			c := s.Dial(t, "small")
			caps := c.Caps()
			if got := caps.Has(imap.Cap("MULTIAPPEND")); got != s.MultiAppend {
				t.Errorf("MULTIAPPEND advertised: %v, Server.MultiAppend %v", got, s.MultiAppend)
			}
			boxes, err := c.List("", "*", nil).Collect()
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, b := range boxes {
				names = append(names, b.Mailbox)
				if b.Delim != s.Delimiter {
					t.Errorf("%s: delimiter %q, want %q", b.Mailbox, b.Delim, s.Delimiter)
				}
			}
			t.Logf("folders: %v", names)
			q, err := c.GetQuotaRoot("INBOX").Wait()
			if err != nil {
				t.Fatal(err)
			}
			if len(q) != 1 || q[0].Resources[imap.QuotaResourceStorage].Limit != SmallQuotaBytes/1024 {
				t.Errorf("quota of small: %+v", q)
			}
			if err := s.SetQuota("small", 0, 10); err != nil {
				t.Fatal(err)
			}
			q, err = c.GetQuotaRoot("INBOX").Wait()
			if err != nil {
				t.Fatal(err)
			}
			if len(q) != 1 || q[0].Resources[imap.QuotaResourceMessage].Limit != 10 {
				t.Errorf("after SetQuota(small, 0, 10): %+v", q)
			}
			if err := c.Create(s.Folder("Archive/2019"), nil).Wait(); err != nil && !strings.Contains(err.Error(), "exists") {
				t.Errorf("create: %v", err)
			}
		})
	}
}

// TestAppendAndLeftovers appends to every server and checks that Stop
// leaves no process behind (Courier's gam_server included).
func TestAppendAndLeftovers(t *testing.T) {
	for _, k := range Kinds() {
		t.Run(string(k), func(t *testing.T) {
			s := Start(t, k, nil)
			c := s.Dial(t, "alice")
			msg := "From: a@example.org\r\nSubject: hi\r\nMessage-ID: <1@x>\r\n\r\nbody\r\n"
			for i := 0; i < 3; i++ {
				cmd := c.Append("INBOX", int64(len(msg)), nil)
				cmd.Write([]byte(msg))
				cmd.Close()
				if _, err := cmd.Wait(); err != nil {
					t.Fatal(err)
				}
			}
			sel, err := c.Select("INBOX", nil).Wait()
			if err != nil || sel.NumMessages != 3 {
				t.Fatalf("select: %v %+v", err, sel)
			}
			c.Close()
			pgid := s.cmd.Process.Pid
			if err := s.Stop(); err != nil {
				t.Fatal(err)
			}
			if groupAlive(pgid) {
				t.Errorf("processes of group %d still run after Stop", pgid)
			}
		})
	}
}

// TestQuotaRootsPerUser: every user sees its own quota (Cyrus 3.6 showed
// every user the root set last until "quota -f").
func TestQuotaRootsPerUser(t *testing.T) {
	for _, k := range Kinds() {
		t.Run(string(k), func(t *testing.T) {
			s := Start(t, k, nil)
			for _, u := range Users() {
				q, err := s.Dial(t, u).GetQuotaRoot("INBOX").Wait()
				if err != nil {
					t.Fatal(err)
				}
				want := int64(DefaultQuotaBytes / 1024)
				if u == "small" {
					want = SmallQuotaBytes / 1024
				}
				if len(q) != 1 || q[0].Resources[imap.QuotaResourceStorage].Limit != want {
					t.Errorf("%s: quota %+v, want a limit of %d KiB", u, q, want)
				}
			}
		})
	}
}
