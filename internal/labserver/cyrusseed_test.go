package labserver

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// TestCyrusMailboxesOwnStorage: mailboxes created at the same second on
// separate connections hold their own messages. A guard for
// cyrusSeedShim: without the shim, same-second imapd processes draw the
// same mailbox ids and folders can share one spool directory. (Measured:
// without the shim about half of all launches gave alice's INBOX another
// user's id; this test itself passed 2 of 3 times without it, so it
// guards, the launch check in launchCyrus proves.)
func TestCyrusMailboxesOwnStorage(t *testing.T) {
	for _, k := range []Kind{Cyrus, CyrusUnix} {
		t.Run(string(k), func(t *testing.T) {
			s := Start(t, k, nil)
			const n = 4
			conns := make([]*imapclient.Client, n)
			for i := range conns {
				conns[i] = s.Dial(t, "alice")
			}
			// Create all folders within one second, each on its own
			// connection.
			start := time.Now()
			var wg sync.WaitGroup
			errs := make([]error, n)
			for i, c := range conns {
				wg.Add(1)
				go func() {
					defer wg.Done()
					errs[i] = c.Create(s.Folder(fmt.Sprintf("F%d", i)), nil).Wait()
				}()
			}
			wg.Wait()
			for _, err := range errs {
				if err != nil {
					t.Fatal(err)
				}
			}
			t.Logf("created %d folders in %v", n, time.Since(start))
			for i, c := range conns {
				msg := fmt.Sprintf("Subject: %d\r\nMessage-ID: <%d@own>\r\n\r\nbody %d\r\n", i, i, i)
				cmd := c.Append(s.Folder(fmt.Sprintf("F%d", i)), int64(len(msg)), nil)
				if _, err := cmd.Write([]byte(msg)); err != nil {
					t.Fatal(err)
				}
				if err := cmd.Close(); err != nil {
					t.Fatal(err)
				}
				if _, err := cmd.Wait(); err != nil {
					t.Fatal(err)
				}
			}
			var bad []string
			for i := range n {
				name := s.Folder(fmt.Sprintf("F%d", i))
				st, err := conns[0].Status(name, &imap.StatusOptions{NumMessages: true}).Wait()
				if err != nil {
					t.Fatal(err)
				}
				if *st.NumMessages != 1 {
					bad = append(bad, fmt.Sprintf("%s holds %d", name, *st.NumMessages))
				}
			}
			if len(bad) > 0 {
				t.Errorf("each folder got one message: %s", strings.Join(bad, ", "))
			}
		})
	}
}
