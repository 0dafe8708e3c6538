// Package backuptest holds the integration tests of issue 3's backup:
// an IMAP account on a real Dovecot pulled into each local exporter,
// incrementally; and path safety against a malicious server.
package backuptest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/mailferry/mailferry/exporters"
	"github.com/mailferry/mailferry/exporters/imap/dovecottest"
	"github.com/mailferry/mailferry/importers"
	"github.com/mailferry/mailferry/importers/importertest"
	"github.com/mailferry/mailferry/internal/engine"
)

// backupCount is the size of the account: several thousand messages,
// small ones so that CI stays quick.
const backupCount = 3000

var formats = []string{"maildir", "mbox", "eml"}

// stored is what a test knows about one message.
type stored = importertest.Digest

func key(s stored, flags bool) string {
	f := ""
	if flags {
		f = s.Flags
	}
	return fmt.Sprintf("%s %s [%s] %s", s.Folder, s.Hash, f, time.Unix(s.Date, 0).UTC().Format(time.RFC3339))
}

func password(string, string) (string, error) { return dovecottest.Password, nil }

// seed copies a generated account into user's mailbox through the engine
// and the IMAP exporter.
func seed(t testing.TB, srv *dovecottest.Server, user string, o importertest.GenOptions) {
	t.Helper()
	ctx := context.Background()
	sink, err := exporters.Open(ctx, "imap://"+user+"@"+srv.Addr, &importers.Options{Password: password, Role: "target"})
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close()
	eng := &engine.Engine{Src: &importertest.GenSource{Opt: o}, Sink: sink, Opts: engine.Options{Dedupe: engine.ScopeOff}}
	plan, err := eng.Copy(ctx)
	if err != nil {
		t.Fatalf("seeding %s: %v", user, err)
	}
	if got := plan.Totals().Copied; got != int64(o.Count) {
		t.Fatalf("seeding %s: copied %d of %d", user, got, o.Count)
	}
}

func serverHolds(t testing.TB, srv *dovecottest.Server, user string) []stored {
	t.Helper()
	src, err := openIMAP(context.Background(), "imap://"+user+"@"+srv.Addr, &importers.Options{Password: password})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	return importertest.Digests(t, src)
}

func localHolds(t testing.TB, format, dir string) []stored {
	t.Helper()
	src, err := importers.Open(context.Background(), format+":"+dir, &importers.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	return importertest.Digests(t, src)
}

// compare fails the test with the first differences between the
// multisets got and want.
func compare(t testing.TB, what string, got, want []stored, flags bool) {
	t.Helper()
	count := map[string]int{}
	for _, s := range want {
		count[key(s, flags)]++
	}
	for _, s := range got {
		count[key(s, flags)]--
	}
	var diffs []string
	for k, n := range count {
		switch {
		case n > 0:
			diffs = append(diffs, fmt.Sprintf("missing %d× %s", n, k))
		case n < 0:
			diffs = append(diffs, fmt.Sprintf("extra %d× %s", -n, k))
		}
	}
	sort.Strings(diffs)
	if len(got) != len(want) || len(diffs) > 0 {
		if len(diffs) > 8 {
			diffs = append(diffs[:8], "...")
		}
		t.Errorf("%s: holds %d messages, want %d; %d differences:\n%s", what, len(got), len(want), len(diffs), strings.Join(diffs, "\n"))
	}
}

// bodyCounter counts the message bodies (BODY[] literals) in a protocol
// trace.
type bodyCounter struct {
	mu   sync.Mutex
	n    int
	tail []byte
}

var bodyMarker = []byte("BODY[] {")

func (c *bodyCounter) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	buf := append(c.tail, p...)
	c.n += bytes.Count(buf, bodyMarker)
	keep := min(len(buf), len(bodyMarker)-1)
	c.tail = append([]byte(nil), buf[len(buf)-keep:]...)
	return len(p), nil
}

func (c *bodyCounter) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

// backup runs one copy from the account to format:dir and returns the
// plan and how many bodies were downloaded.
func backup(t testing.TB, srv *dovecottest.Server, user, format, dir string) (*engine.Plan, int) {
	t.Helper()
	ctx := context.Background()
	bc := &bodyCounter{}
	url := "imap://" + user + "@" + srv.Addr
	src, err := openIMAP(ctx, url, &importers.Options{Password: password, Role: "source", Debug: bc})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	sink, err := exporters.Open(ctx, format+":"+dir, &importers.Options{Role: "target"})
	if err != nil {
		t.Fatal(err)
	}
	eng := &engine.Engine{Src: src, Sink: sink, Opts: engine.Options{SourceID: url}}
	plan, err := eng.Copy(ctx)
	if cerr := sink.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatalf("%s: copy: %v", format, err)
	}
	for _, p := range plan.Problems {
		t.Errorf("%s: problem: %s %s %s: %s", format, p.Folder, p.Ref, p.Kind, p.Reason)
	}
	return plan, bc.count()
}

// snapshot lists every file below dir with its size and mtime.
func snapshot(t testing.TB, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		if !d.IsDir() {
			out[p] = fmt.Sprintf("%d %d", fi.Size(), fi.ModTime().UnixNano())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func sameFiles(a, b map[string]string) string {
	var d []string
	for k, v := range a {
		if b[k] != v {
			d = append(d, fmt.Sprintf("%s: %q → %q", k, v, b[k]))
		}
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			d = append(d, "new "+k)
		}
	}
	sort.Strings(d)
	if len(d) > 5 {
		d = append(d[:5], "...")
	}
	return strings.Join(d, "\n")
}

// recreate deletes mailbox name on the server and makes it again with
// the same messages, flags and dates: its UIDVALIDITY changes.
func recreate(t testing.TB, c *imapclient.Client, name string) {
	t.Helper()
	before, err := c.Status(name, &imap.StatusOptions{UIDValidity: true, NumMessages: true}).Wait()
	if err != nil {
		t.Fatal(err)
	}
	tmp := "mailferry-recreate-tmp"
	if err := c.Create(tmp, nil).Wait(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Select(name, nil).Wait(); err != nil {
		t.Fatal(err)
	}
	var all imap.UIDSet
	all.AddRange(1, 0)
	if _, err := c.Copy(all, tmp).Wait(); err != nil {
		t.Fatal(err)
	}
	if err := c.Unselect().Wait(); err != nil {
		t.Fatal(err)
	}
	if err := c.Delete(name).Wait(); err != nil {
		t.Fatal(err)
	}
	if err := c.Rename(tmp, name, nil).Wait(); err != nil {
		t.Fatal(err)
	}
	after, err := c.Status(name, &imap.StatusOptions{UIDValidity: true, NumMessages: true}).Wait()
	if err != nil {
		t.Fatal(err)
	}
	if after.UIDValidity == before.UIDValidity || *after.NumMessages != *before.NumMessages {
		t.Fatalf("recreate %s: UIDVALIDITY %d → %d, messages %d → %d", name, before.UIDValidity, after.UIDValidity, *before.NumMessages, *after.NumMessages)
	}
}

func appendMsg(t testing.TB, c *imapclient.Client, mailbox, raw string, flags []imap.Flag, date time.Time) {
	t.Helper()
	cmd := c.Append(mailbox, int64(len(raw)), &imap.AppendOptions{Flags: flags, Time: date})
	if _, err := io.WriteString(cmd, raw); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := cmd.Wait(); err != nil {
		t.Fatalf("APPEND to %s: %v", mailbox, err)
	}
}

func noID(s []stored, folders ...string) (n int) {
	for _, m := range s {
		if m.HasID {
			continue
		}
		if len(folders) == 0 {
			n++
			continue
		}
		for _, f := range folders {
			if m.Folder == f {
				n++
			}
		}
	}
	return n
}

// TestBackupDovecot is issue 3's "done when" for the local exporters: an
// account of several thousand messages in nested and Japanese-named
// folders backs up to maildir, mbox and eml byte for byte with flags and
// dates; a second run reads no body and writes nothing; messages added on
// the server arrive in the third; a changed UIDVALIDITY and a lost state
// file cause no duplicates.
func TestBackupDovecot(t *testing.T) {
	srv := dovecottest.Start(t, &dovecottest.Config{QuotaBytes: 1 << 30})
	seed(t, srv, "alice", importertest.GenOptions{Count: backupCount, AvgSize: 4 << 10, Seed: 3})
	want := serverHolds(t, srv, "alice")
	if len(want) != backupCount {
		t.Fatalf("server holds %d messages, want %d", len(want), backupCount)
	}
	folders := map[string]bool{}
	for _, s := range want {
		folders[s.Folder] = true
	}
	for _, f := range []string{"INBOX", "仕事/重要", "Archive/2019", "Customers/Acme"} {
		if !folders[f] {
			t.Fatalf("server has no folder %q: %v", f, folders)
		}
	}
	base := t.TempDir()
	dirs := map[string]string{}
	for _, f := range formats {
		dirs[f] = filepath.Join(base, f)
	}
	check := func(step string) {
		t.Helper()
		for _, f := range formats {
			compare(t, step+": "+f, localHolds(t, f, dirs[f]), want, f == "maildir")
		}
	}

	// 1. Everything, byte for byte. The messages without Message-ID are
	// downloaded twice: the plan keys them by content.
	for _, f := range formats {
		plan, bodies := backup(t, srv, "alice", f, dirs[f])
		if got := plan.Totals().Copied; got != backupCount || bodies != backupCount+noID(want) {
			t.Errorf("first run to %s: copied %d, downloaded %d bodies; want %d, %d", f, got, bodies, backupCount, backupCount+noID(want))
		}
		if fi, err := os.Stat(filepath.Join(dirs[f], exporters.StateFileName)); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: state file: %v %v", f, fi, err)
		}
	}
	check("first run")

	// 2. Nothing new: no body read, no folder walked, nothing written.
	for _, f := range formats {
		before := snapshot(t, dirs[f])
		plan, bodies := backup(t, srv, "alice", f, dirs[f])
		tot := plan.Totals()
		if tot.Copied != 0 || tot.Messages != 0 || bodies != 0 {
			t.Errorf("second run to %s: copied %d, read %d messages, %d bodies; want 0", f, tot.Copied, tot.Messages, bodies)
		}
		if d := sameFiles(before, snapshot(t, dirs[f])); d != "" {
			t.Errorf("second run to %s changed files:\n%s", f, d)
		}
	}

	// 3. Messages added on the server arrive, and only their bodies are read.
	c := srv.Dial(t, "alice")
	date := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	for i, mb := range []string{"INBOX", "仕事/重要"} {
		raw := fmt.Sprintf("From: new@example.jp\r\nTo: alice@example.jp\r\nSubject: new %d\r\nMessage-ID: <new-%d@example.jp>\r\n"+
			"Date: Mon, 6 May 2024 07:08:09 +0000\r\n\r\nnew message %d\r\n", i, i, i)
		appendMsg(t, c, mb, raw, []imap.Flag{imap.FlagFlagged}, date)
	}
	want = serverHolds(t, srv, "alice")
	for _, f := range formats {
		plan, bodies := backup(t, srv, "alice", f, dirs[f])
		if got := plan.Totals().Copied; got != 2 || bodies != 2 {
			t.Errorf("third run to %s: copied %d, downloaded %d bodies; want 2", f, got, bodies)
		}
	}
	check("third run")

	// 4. UIDVALIDITY changes: no duplicate, bodies only for the messages
	// keyed by content (no Message-ID) in the recreated folders.
	recreated := []string{"Customers/Acme", "見積"}
	for _, mb := range recreated {
		recreate(t, c, mb)
	}
	after := serverHolds(t, srv, "alice")
	compare(t, "server after recreate", after, want, true)
	for _, f := range formats {
		plan, bodies := backup(t, srv, "alice", f, dirs[f])
		if got, max := plan.Totals().Copied, noID(want, recreated...); got != 0 || bodies > max {
			t.Errorf("run after UIDVALIDITY change to %s: copied %d, downloaded %d bodies; want 0 and at most %d", f, got, bodies, max)
		}
	}
	check("after UIDVALIDITY change")

	// 5. The state file is lost: no duplicate, bodies only for messages
	// without Message-ID; the state is rebuilt.
	for _, f := range formats {
		os.Remove(filepath.Join(dirs[f], exporters.StateFileName))
		plan, bodies := backup(t, srv, "alice", f, dirs[f])
		if got, max := plan.Totals().Copied, noID(want); got != 0 || bodies > max {
			t.Errorf("run without state to %s: copied %d, downloaded %d bodies; want 0 and at most %d", f, got, bodies, max)
		}
		plan, bodies = backup(t, srv, "alice", f, dirs[f])
		if tot := plan.Totals(); tot.Messages != 0 || bodies != 0 {
			t.Errorf("run after the state was rebuilt, to %s: read %d messages, %d bodies; want 0", f, tot.Messages, bodies)
		}
	}
	check("after the state file was lost")

	// 6. Deletions on the server are not propagated: it is a backup.
	if _, err := c.Select("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	var first imap.UIDSet
	first.AddRange(1, 10)
	if err := c.Store(first, &imap.StoreFlags{Op: imap.StoreFlagsAdd, Flags: []imap.Flag{imap.FlagDeleted}, Silent: true}, nil).Close(); err != nil {
		t.Fatal(err)
	}
	if err := c.Expunge().Close(); err != nil {
		t.Fatal(err)
	}
	if got := len(serverHolds(t, srv, "alice")); got >= len(want) {
		t.Fatalf("server holds %d messages after EXPUNGE, had %d", got, len(want))
	}
	for _, f := range formats {
		if plan, _ := backup(t, srv, "alice", f, dirs[f]); plan.Totals().Copied != 0 {
			t.Errorf("run after EXPUNGE to %s copied %d", f, plan.Totals().Copied)
		}
	}
	check("after EXPUNGE on the server")
}

// TestBackupResume: a backup interrupted (context canceled, as by Ctrl-C)
// after some hundred messages is completed by the next run, which copies
// exactly the rest: the state saved at the interruption holds, and no
// message is lost or doubled.
func TestBackupResume(t *testing.T) {
	srv := dovecottest.Start(t, &dovecottest.Config{QuotaBytes: 1 << 30})
	const count = 600
	seed(t, srv, "alice", importertest.GenOptions{Count: count, AvgSize: 4 << 10, Seed: 11})
	want := serverHolds(t, srv, "alice")
	url := "imap://alice@" + srv.Addr
	for _, f := range formats {
		t.Run(f, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "backup")
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			src, err := openIMAP(ctx, url, &importers.Options{Password: password})
			if err != nil {
				t.Fatal(err)
			}
			sink, err := exporters.Open(ctx, f+":"+dir, nil)
			if err != nil {
				t.Fatal(err)
			}
			copied := 0
			obs := engine.ObserverFunc(func(ev engine.Event) {
				if ev.Type == "copied" {
					if copied++; copied == 250 {
						cancel()
					}
				}
			})
			eng := &engine.Engine{Src: src, Sink: sink, Opts: engine.Options{SourceID: url, Observer: obs}}
			_, err = eng.Copy(ctx)
			sink.Close()
			src.Close()
			if err == nil {
				t.Fatalf("the interrupted copy returned no error")
			}
			if _, serr := os.Stat(filepath.Join(dir, exporters.StateFileName)); serr != nil {
				t.Errorf("no state after the interruption: %v", serr)
			}
			plan, _ := backup(t, srv, "alice", f, dir)
			if got := plan.Totals().Copied; got != int64(count-copied) {
				t.Errorf("resumed run copied %d, want %d (the first stopped after %d)", got, count-copied, copied)
			}
			compare(t, "after resume: "+f, localHolds(t, f, dir), want, f == "maildir")
		})
	}
}
