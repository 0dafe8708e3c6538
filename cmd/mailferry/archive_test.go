package main

// mailferry archive (issue 15) against a private Dovecot with a small
// quota: until-usage, older-than with flags kept, the no-op re-run, a
// restore with copy, a server without UIDPLUS, messages vanishing mid-run.

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/mailferry/mailferry/exporters/imap/dovecottest"
	"github.com/mailferry/mailferry/importers"
)

// hashesOf reads every message of spec (messages marked deleted too) and
// returns how often each archiveSum occurs, and the folder of each.
func hashesOf(t *testing.T, spec string) (map[[32]byte]int, map[[32]byte]string) {
	t.Helper()
	ctx := context.Background()
	src, err := importers.Open(ctx, spec, &importers.Options{Password: func(string, string) (string, error) { return dovecottest.Password, nil }})
	if err != nil {
		t.Fatalf("open %s: %v", spec, err)
	}
	defer src.Close()
	fis, err := src.Folders(ctx)
	if err != nil {
		t.Fatal(err)
	}
	n := map[[32]byte]int{}
	where := map[[32]byte]string{}
	for _, fi := range fis {
		if fi.NoSelect {
			continue
		}
		err := src.Walk(ctx, fi.Folder, &importers.WalkOptions{}, func(m *importers.Message, rerr error) error {
			if rerr != nil {
				return rerr
			}
			rc, err := m.Body.Open()
			if err != nil {
				return err
			}
			defer rc.Close()
			h := newArchiveSum()
			if _, err := io.Copy(h, rc); err != nil {
				return err
			}
			s := h.Sum()
			n[s]++
			where[s] = fi.Folder.String()
			return nil
		})
		if err != nil {
			t.Fatalf("read %s %s: %v", spec, fi.Folder, err)
		}
	}
	return n, where
}

// archiveFixture starts Dovecot with alice's quota sized so that corpus
// fills it to about 95 %, and loads the corpus into alice.
type archiveFixture struct {
	srv    *dovecottest.Server
	corpus string
	alice  string
	all    map[[32]byte]int
	folder map[[32]byte]string
}

func newArchiveFixture(t *testing.T, count int) *archiveFixture {
	t.Helper()
	t.Setenv("MAILFERRY_PASSWORD", dovecottest.Password)
	t.Setenv("XDG_CACHE_HOME", t.TempDir()) // the archive state
	dir := t.TempDir()
	corpus := "maildir:" + filepath.Join(dir, "corpus")
	if code, _, stderr := runCLI(t, "gen", "-q", corpus, "--count", strconv.Itoa(count), "--seed", "15", "--avg-size", "4000"); code != 0 {
		t.Fatalf("gen: exit %d: %s", code, stderr)
	}
	var total int64
	filepath.Walk(filepath.Join(dir, "corpus"), func(p string, fi os.FileInfo, err error) error {
		if err == nil && fi.Mode().IsRegular() && strings.Contains(p, "/cur/") {
			total += fi.Size()
		}
		return nil
	})
	quota := total * 100 / 95
	srv := dovecottest.Start(t, &dovecottest.Config{QuotaBytes: quota})
	f := &archiveFixture{srv: srv, corpus: corpus, alice: "imap://alice@" + srv.Addr}
	f.load(t)
	f.all, f.folder = hashesOf(t, f.alice)
	for h, n := range f.all {
		if n != 1 {
			t.Fatalf("corpus holds message %x %d times; the test needs distinct messages", h[:6], n)
		}
	}
	return f
}

func (f *archiveFixture) load(t *testing.T) {
	t.Helper()
	f.srv.ResetUser(t, "alice")
	if code, stdout, stderr := runCLI(t, "copy", "-q", "--quota-headroom", "1", f.corpus, f.alice); code != 0 {
		t.Fatalf("loading the corpus into alice: exit %d\n%s\n%s", code, tail(stdout, 2000), stderr)
	}
}

// usage returns alice's quota usage in percent.
func (f *archiveFixture) usage(t *testing.T) float64 {
	t.Helper()
	c := f.srv.Dial(t, "alice")
	defer c.Close()
	data, err := c.GetQuotaRoot("INBOX").Wait()
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range data {
		if r, ok := d.Resources[imap.QuotaResourceStorage]; ok && r.Limit > 0 {
			return float64(r.Usage) * 100 / float64(r.Limit)
		}
	}
	t.Fatal("no STORAGE quota")
	return 0
}

// checkSplit fails unless every corpus message is on the server or in
// the archive, none in both when done, none twice in the archive.
func (f *archiveFixture) checkSplit(t *testing.T, what, archive string, done bool) (server, archived map[[32]byte]int) {
	t.Helper()
	server, _ = hashesOf(t, f.alice)
	archived = map[[32]byte]int{}
	local := !strings.HasPrefix(archive, "imap")
	if archive != "" && (!local || hasFiles(archive[strings.Index(archive, ":")+1:])) {
		archived, _ = hashesOf(t, archive)
	}
	for h := range f.all {
		if server[h] == 0 && archived[h] == 0 {
			t.Fatalf("%s: message %x (%s) is neither on the server nor in the archive", what, h[:6], f.folder[h])
		}
		if done && server[h] > 0 && archived[h] > 0 {
			t.Fatalf("%s: message %x (%s) is on the server and in the archive after a finished run", what, h[:6], f.folder[h])
		}
	}
	for h, n := range archived {
		if n > 1 {
			t.Fatalf("%s: message %x is %d times in the archive", what, h[:6], n)
		}
		if f.all[h] == 0 {
			t.Fatalf("%s: the archive holds a message %x that was never on the server (bytes changed?)", what, h[:6])
		}
	}
	for h, n := range server {
		if f.all[h] == 0 || n > 1 {
			t.Fatalf("%s: the server holds an unknown or doubled message %x", what, h[:6])
		}
	}
	return server, archived
}

// hasFiles reports whether dir holds a file that is not mailferry's own
// (a killed run may leave an archive directory without messages).
func hasFiles(dir string) bool {
	found := false
	filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		rel, _ := filepath.Rel(dir, p)
		if err == nil && fi.Mode().IsRegular() && !strings.HasPrefix(fi.Name(), ".") && !strings.Contains("/"+rel, "/tmp/") {
			found = true
		}
		return nil
	})
	return found
}

func archiveJSON(t *testing.T, args ...string) (int, *archiveResult, string) {
	t.Helper()
	code, stdout, stderr := runCLI(t, append([]string{"archive", "--json"}, args...)...)
	var res *archiveResult
	for _, line := range strings.Split(stdout, "\n") {
		if strings.Contains(line, `"type":"archive"`) {
			res = &archiveResult{}
			if err := json.Unmarshal([]byte(line), res); err != nil {
				t.Fatalf("summary %q: %v", line, err)
			}
		}
	}
	return code, res, stdout + stderr
}

func TestArchiveUntilUsage(t *testing.T) {
	f := newArchiveFixture(t, 300)
	before := f.usage(t)
	if before < 88 {
		t.Fatalf("the fixture fills alice to %.0f%%, want about 95%%", before)
	}
	dst := "maildir:" + filepath.Join(t.TempDir(), "archive")

	// Dry run: the plan, nothing changes.
	code, stdout, stderr := runCLI(t, "archive", "--dry-run", "--until-usage", "60%", f.alice, dst)
	t.Logf("dry run:\n%s", stdout)
	if code != 0 || !strings.Contains(stdout, "Would move") || !strings.Contains(stdout, "→") {
		t.Fatalf("dry run: exit %d\n%s\n%s", code, stdout, stderr)
	}
	f.checkSplit(t, "dry run", "", true)

	// Unreachable target: exit 4, nothing changes.
	code, _, out := archiveJSON(t, "--until-usage", "5%", "--include", "^INBOX$", f.alice, dst)
	if code != exitQuota || !strings.Contains(out, "cannot be reached") {
		t.Fatalf("unreachable target: exit %d, want 4\n%s", code, out)
	}
	f.checkSplit(t, "unreachable", "", true)

	code, res, out := archiveJSON(t, "--until-usage", "60%", f.alice, dst)
	if code != 0 || res == nil {
		t.Fatalf("archive: exit %d\n%s", code, out)
	}
	after := f.usage(t)
	if after > 60 {
		t.Fatalf("usage after archive %.1f%%, want ≤ 60%% (was %.1f%%)", after, before)
	}
	server, archived := f.checkSplit(t, "archive", dst, true)
	if int64(len(archived)) != res.Moved || res.Moved == 0 {
		t.Fatalf("summary says %d moved, the archive holds %d", res.Moved, len(archived))
	}
	// Oldest first; Drafts and Junk stay.
	for h := range archived {
		if strings.Contains(f.folder[h], "Drafts") || strings.Contains(f.folder[h], "Junk") {
			t.Fatalf("a %s message was archived without being named", f.folder[h])
		}
	}
	t.Logf("usage %.1f%% → %.1f%%; %d moved, %d stay", before, after, len(archived), len(server))
	_, human, _ := runCLI(t, "archive", "--until-usage", "60%", f.alice, dst)
	t.Logf("second run:\n%s", human)
	if !strings.Contains(human, "Nothing to move") {
		t.Fatalf("second run: %s", human)
	}

	// Restore: copy the archive into bob; verify --content proves it.
	bob := "imap://bob@" + f.srv.Addr
	if code, stdout, stderr := runCLI(t, "copy", "-q", dst, bob); code != 0 {
		t.Fatalf("restore: exit %d\n%s\n%s", code, tail(stdout, 2000), stderr)
	}
	if code, stdout, stderr := runCLI(t, "verify", "--content", dst, bob); code != 0 {
		t.Fatalf("restore verify: exit %d\n%s\n%s", code, tail(stdout, 2000), stderr)
	}
	restored, where := hashesOf(t, bob)
	for h := range archived {
		if restored[h] != 1 {
			t.Fatalf("message %x of the archive is %d times in the restore", h[:6], restored[h])
		}
		if where[h] != f.folder[h] {
			t.Fatalf("message %x restored into %q, was in %q", h[:6], where[h], f.folder[h])
		}
	}
}

func TestArchiveOlderThanKeepsFlaggedMbox(t *testing.T) {
	f := newArchiveFixture(t, 200)
	dst := "mbox:" + filepath.Join(t.TempDir(), "archive")
	code, res, out := archiveJSON(t, "--older-than", "2015-01-04", "--keep-flagged", "--keep-unread", f.alice, dst)
	if code != 0 || res == nil || res.Moved == 0 {
		t.Fatalf("archive: exit %d\n%s", code, out)
	}
	f.checkSplit(t, "older-than", dst, true)
	// What stays: new enough, flagged, unread, Drafts, Junk.
	c := f.srv.Dial(t, "alice")
	defer c.Close()
	boxes, err := c.List("", "*", nil).Collect()
	if err != nil {
		t.Fatal(err)
	}
	var kept int
	for _, b := range boxes {
		if _, err := c.Select(b.Mailbox, nil).Wait(); err != nil {
			continue // \Noselect
		}
		msgs, err := c.Fetch(imap.SeqSet{imap.SeqRange{Start: 1}}, &imap.FetchOptions{Flags: true, InternalDate: true}).Collect()
		if err != nil {
			continue // empty
		}
		for _, m := range msgs {
			old := m.InternalDate.Before(mustDay(t, "2015-01-04"))
			flagged, seen := false, false
			for _, fl := range m.Flags {
				flagged = flagged || fl == imap.FlagFlagged
				seen = seen || fl == imap.FlagSeen
			}
			special := b.Mailbox == "Drafts" || b.Mailbox == "Junk"
			if old && !flagged && seen && !special {
				t.Fatalf("%s: an old, read, unflagged message stayed (%v %v)", b.Mailbox, m.InternalDate, m.Flags)
			}
			if old && (flagged || !seen) {
				kept++
			}
		}
	}
	if kept == 0 {
		t.Fatal("the corpus has no old flagged or unread message: the test proves nothing")
	}
	// The no-op re-run reads no folder (one STATUS each, from the state).
	code, res, out = archiveJSON(t, "--older-than", "2015-01-04", "--keep-flagged", "--keep-unread", f.alice, dst)
	if code != 0 || res.Moved != 0 {
		t.Fatalf("re-run: exit %d\n%s", code, out)
	}
	for _, af := range res.Folders {
		if !af.Unchanged {
			t.Fatalf("re-run read folder %s again (state not used)", af.Name)
		}
	}
	// Restore into bob.
	if code, stdout, stderr := runCLI(t, "copy", "-q", dst, "imap://bob@"+f.srv.Addr); code != 0 {
		t.Fatalf("restore: exit %d\n%s\n%s", code, tail(stdout, 2000), stderr)
	}
	if code, stdout, _ := runCLI(t, "verify", "--content", dst, "imap://bob@"+f.srv.Addr); code != 0 {
		t.Fatalf("restore verify: exit %d\n%s", code, tail(stdout, 2000))
	}
}

func mustDay(t *testing.T, s string) (d time.Time) {
	t.Helper()
	d, err := parseAge(s, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// stripUIDPlus is a proxy in front of addr that removes UIDPLUS from the
// server's capabilities, as some servers and proxies do. It reads lines, so
// it removes STARTTLS too (mailferry uses STARTTLS whenever it is offered).
func stripUIDPlus(t *testing.T, addr string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s, err := net.Dial("tcp", addr)
			if err != nil {
				c.Close()
				continue
			}
			go func() { io.Copy(s, c); s.Close() }()
			go func() {
				r := bufio.NewReader(s)
				for {
					line, err := r.ReadString('\n')
					if strings.Contains(line, "CAPABILITY") {
						line = strings.ReplaceAll(line, " UIDPLUS", "")
						line = strings.ReplaceAll(line, " STARTTLS", "")
					}
					if _, werr := io.WriteString(c, line); werr != nil || err != nil {
						c.Close()
						return
					}
				}
			}()
		}
	}()
	return ln.Addr().String()
}

func TestArchiveWithoutUIDPlus(t *testing.T) {
	f := newArchiveFixture(t, 120)
	alice := "imap://alice@" + stripUIDPlus(t, f.srv.Addr)
	dst := "eml:" + filepath.Join(t.TempDir(), "archive")
	code, _, out := archiveJSON(t, "--older-than", "2015-01-03", alice, dst)
	if code == 0 || !strings.Contains(out, "UIDPLUS") || !strings.Contains(out, "--allow-expunge-all") {
		t.Fatalf("without UIDPLUS: exit %d, want a refusal that explains\n%s", code, out)
	}
	f.checkSplit(t, "refused", "", true)
	code, res, out := archiveJSON(t, "--older-than", "2015-01-03", "--allow-expunge-all", alice, dst)
	if code != 0 || res.Moved == 0 {
		t.Fatalf("--allow-expunge-all: exit %d\n%s", code, out)
	}
	f.checkSplit(t, "expunge-all", dst, true)
}

func TestArchiveMessagesVanishMidRun(t *testing.T) {
	f := newArchiveFixture(t, 150)
	dst := "maildir:" + filepath.Join(t.TempDir(), "archive")
	var gone int
	expungeSome := func(every int) {
		c := f.srv.Dial(t, "alice")
		defer c.Close()
		if _, err := c.Select("INBOX", nil).Wait(); err != nil {
			t.Fatal(err)
		}
		msgs, err := c.Fetch(imap.SeqSet{imap.SeqRange{Start: 1}}, &imap.FetchOptions{UID: true, InternalDate: true}).Collect()
		if err != nil {
			t.Fatal(err)
		}
		var set imap.UIDSet
		n := 0
		for i, m := range msgs {
			if i%every == 0 && m.InternalDate.Before(mustDay(t, "2015-01-04")) {
				set.AddNum(m.UID)
				n++
			}
		}
		if err := c.Store(set, &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagDeleted}}, nil).Close(); err != nil {
			t.Fatal(err)
		}
		if err := c.UIDExpunge(set).Close(); err != nil {
			t.Fatal(err)
		}
		gone += n
	}
	archiveTestHook = func(stage string) {
		switch stage {
		case "selected":
			expungeSome(2) // before the copy reads them
		case "copied":
			expungeSome(2) // copied, then deleted by the other client
		}
	}
	defer func() { archiveTestHook = nil }()
	code, res, out := archiveJSON(t, "--older-than", "2015-01-04", f.alice, dst)
	if code != 0 || res == nil {
		t.Fatalf("archive with vanishing messages: exit %d\n%s", code, out)
	}
	if res.Gone == 0 || res.Gone != int64(gone) || res.Left != 0 {
		t.Fatalf("gone %d left %d (another client deleted %d)\n%s", res.Gone, res.Left, gone, out)
	}
	t.Logf("%d moved, %d counted as gone", res.Moved, res.Gone)
}
