package imap

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/mailferry/mailferry/exporters/imap/dovecottest"
	"github.com/mailferry/mailferry/importers"
	"github.com/mailferry/mailferry/importers/importertest"
)

func testOpts() *importers.Options {
	return &importers.Options{Password: func(string, string) (string, error) { return dovecottest.Password, nil }}
}

func openSource(t *testing.T, srv *dovecottest.Server, user string, opts *importers.Options) *Source {
	t.Helper()
	if opts == nil {
		opts = testOpts()
	}
	s, err := Open(context.Background(), "imap://"+user+"@"+srv.Addr, opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func serverNS(srv *dovecottest.Server) Namespace {
	return Namespace{Prefix: srv.NamespacePrefix, Delim: srv.Delimiter}
}

// appendRaw stores raw (CRLF) in mailbox (UTF-8 name; go-imap encodes it).
func appendRaw(t *testing.T, c *imapclient.Client, mailbox string, raw []byte, flags []imap.Flag, date time.Time) {
	t.Helper()
	cmd := c.Append(mailbox, int64(len(raw)), &imap.AppendOptions{Flags: flags, Time: date})
	if _, err := cmd.Write(raw); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := cmd.Wait(); err != nil {
		t.Fatalf("APPEND to %q: %v", mailbox, err)
	}
}

// Japanese folder names travel in modified UTF-7 (Dovecot's Maildir++
// directory names are what it got on the wire) and come back as UTF-8
// folders. The importer suite runs in suite_dovecot_test.go.
func TestJapaneseFolderNames(t *testing.T) {
	for _, cfg := range []*dovecottest.Config{nil, {NamespacePrefix: "INBOX."}} {
		srv := dovecottest.Start(t, cfg)
		cl := srv.Dial(t, "alice")
		ns := serverNS(srv)
		want := []importers.Folder{{"仕事", "重要"}, {"見積"}, {"A&B"}}
		for _, f := range want {
			if err := cl.Create(ns.Mailbox(f), nil).Wait(); err != nil {
				t.Fatal(err)
			}
			appendRaw(t, cl, ns.Mailbox(f), msg(1), nil, time.Time{})
		}
		ents, err := os.ReadDir(srv.MailDir("alice"))
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, e := range ents {
			names = append(names, e.Name())
		}
		for _, enc := range []string{".&TtVOiw-.&kc2JgQ-", ".&iYt6TQ-", ".A&-B"} {
			if !slices.Contains(names, enc) {
				t.Errorf("%s: no Maildir++ directory %q: %q", srv.Addr, enc, names)
			}
		}
		fis, err := openSource(t, srv, "alice", nil).Folders(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range want {
			if !slices.ContainsFunc(fis, func(fi importers.FolderInfo) bool { return fi.Folder.Equal(f) && fi.Messages == 1 }) {
				t.Errorf("Folders() = %v, lacks %q with 1 message", fis, f)
			}
		}
		// Special uses come with LIST; a parent made only by its child's
		// CREATE holds no messages.
		uses := map[string]imap.MailboxAttr{}
		noSelect := map[string]bool{}
		for _, fi := range fis {
			uses[fi.Folder.String()] = fi.Use
			noSelect[fi.Folder.String()] = fi.NoSelect
		}
		if uses["Sent"] != imap.MailboxAttrSent || uses["Drafts"] != imap.MailboxAttrDrafts || uses["Junk"] != imap.MailboxAttrJunk || uses["INBOX"] != "" {
			t.Errorf("special uses %v", uses)
		}
		if !noSelect["仕事"] || noSelect["仕事/重要"] {
			t.Errorf("NoSelect %v, want 仕事 only", noSelect)
		}
	}
}

type walked struct {
	uid   uint32
	flags []imap.Flag
	date  time.Time
	size  int64
	body  []byte
	hdr   map[string][]string
}

func walkAll(t *testing.T, s *Source, f importers.Folder, minUID uint32, wo *importers.WalkOptions) []walked {
	t.Helper()
	var out []walked
	err := s.WalkFrom(context.Background(), f, minUID, wo, func(m *importers.Message, err error) error {
		if err != nil {
			t.Errorf("walk: %v", err)
			return nil
		}
		w := walked{uid: m.UID, flags: m.Flags, date: m.InternalDate, size: m.Body.Len(), hdr: m.Header}
		if wo == nil || !wo.HeadersOnly {
			rc, err := m.Body.Open()
			if err != nil {
				t.Fatal(err)
			}
			var b bytes.Buffer
			b.ReadFrom(rc)
			rc.Close()
			w.body = b.Bytes()
		}
		out = append(out, w)
		return nil
	})
	if err != nil {
		t.Fatalf("WalkFrom(%s, %d): %v", f, minUID, err)
	}
	return out
}

func msg(i int) []byte {
	return []byte(fmt.Sprintf("Message-ID: <walk%d@test>\r\nFrom: a@example.com\r\nSubject: walk %d\r\n\r\nbody %d\r\n", i, i, i))
}

// WalkFrom, Since/Before, HeadersOnly, EXAMINE and FolderState on one
// folder of a real Dovecot.
func TestSourceWalk(t *testing.T) {
	srv := dovecottest.Start(t, &dovecottest.Config{NamespacePrefix: "INBOX."})
	cl := srv.Dial(t, "alice")
	if err := cl.Create("INBOX.Walk", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	tokyo := time.FixedZone("JST", 9*3600)
	// Dates around a day boundary in two zones: SEARCH SINCE/BEFORE works
	// on whole days in the server's zone, the Source must cut exactly.
	base := time.Date(2020, 6, 1, 0, 0, 0, 0, time.UTC)
	dates := []time.Time{
		base.Add(-49 * time.Hour),
		base.Add(-1 * time.Second),
		base.In(tokyo), // == base
		base.Add(1 * time.Second).In(tokyo),
		base.Add(23*time.Hour + 59*time.Minute),
		base.Add(24 * time.Hour),
		base.Add(72 * time.Hour).In(tokyo),
	}
	for i, d := range dates {
		appendRaw(t, cl, "INBOX.Walk", msg(i), []imap.Flag{"$Custom" + imap.Flag(fmt.Sprint(i))}, d)
	}
	s := openSource(t, srv, "alice", nil)
	f := importers.Folder{"Walk"}

	all := walkAll(t, s, f, 0, nil)
	if len(all) != len(dates) {
		t.Fatalf("walked %d messages, want %d", len(all), len(dates))
	}
	for i, w := range all {
		if !bytes.Equal(w.body, msg(i)) || w.size != int64(len(msg(i))) {
			t.Errorf("message %d: body %q (Len %d)", i, w.body, w.size)
		}
		if !w.date.Equal(dates[i]) {
			t.Errorf("message %d: date %v, want %v", i, w.date, dates[i])
		}
		if i > 0 && w.uid <= all[i-1].uid {
			t.Errorf("UIDs not ascending: %d after %d", w.uid, all[i-1].uid)
		}
		if len(w.hdr["Message-Id"]) != 1 {
			t.Errorf("message %d: Header %q without Message-Id", i, w.hdr)
		}
		if importertest.FlagSet(w.flags) != fmt.Sprintf("$Custom%d", i) {
			t.Errorf("message %d: flags %v", i, w.flags)
		}
	}

	t.Run("WalkFrom", func(t *testing.T) {
		for k := range all {
			got := walkAll(t, s, f, all[k].uid, nil)
			if len(got) != len(all)-k-1 {
				t.Errorf("WalkFrom(%d) gave %d messages, want %d", all[k].uid, len(got), len(all)-k-1)
			}
			for _, w := range got {
				if w.uid <= all[k].uid {
					t.Errorf("WalkFrom(%d) gave UID %d", all[k].uid, w.uid)
				}
			}
		}
		// Beyond the last UID: nothing (UID n:* would match the last one).
		if got := walkAll(t, s, f, all[len(all)-1].uid+10, nil); len(got) != 0 {
			t.Errorf("WalkFrom beyond UIDNEXT gave %d messages", len(got))
		}
	})

	t.Run("SinceBefore", func(t *testing.T) {
		for _, tt := range []struct {
			since, before time.Time
		}{
			{base, time.Time{}},
			{time.Time{}, base},
			{base, base.Add(24 * time.Hour)},
			{base.Add(time.Second), base.Add(72 * time.Hour)},
			{base.In(tokyo), base.Add(72*time.Hour + time.Second)},
		} {
			var want []uint32
			for i, d := range dates {
				if (tt.since.IsZero() || !d.Before(tt.since)) && (tt.before.IsZero() || d.Before(tt.before)) {
					want = append(want, all[i].uid)
				}
			}
			var got []uint32
			for _, w := range walkAll(t, s, f, 0, &importers.WalkOptions{Since: tt.since, Before: tt.before}) {
				got = append(got, w.uid)
			}
			if !slices.Equal(got, want) {
				t.Errorf("Since %v Before %v: UIDs %v, want %v", tt.since, tt.before, got, want)
			}
		}
	})

	t.Run("HeadersOnlyLazy", func(t *testing.T) {
		var trace bytes.Buffer
		opts := testOpts()
		opts.Debug = &trace
		s := openSource(t, srv, "alice", opts)
		n := 0
		err := s.Walk(context.Background(), f, &importers.WalkOptions{HeadersOnly: true}, func(m *importers.Message, err error) error {
			if err != nil {
				t.Fatal(err)
			}
			if k := strings.Count(trace.String(), "BODY.PEEK[]"); k != min(n/3, 1) {
				t.Fatalf("message %d: %d bodies fetched, but only message 2 was opened:\n%s", n, k, trace.String())
			}
			if m.Body.Len() != int64(len(msg(n))) || m.Header["Message-Id"] == nil {
				t.Errorf("HeadersOnly message %d: Len %d, Header %q", n, m.Body.Len(), m.Header)
			}
			if n == 2 { // only this body is fetched
				for range 2 {
					rc, err := m.Body.Open()
					if err != nil {
						t.Fatal(err)
					}
					var b bytes.Buffer
					b.ReadFrom(rc)
					rc.Close()
					if !bytes.Equal(b.Bytes(), msg(n)) {
						t.Errorf("lazy body %q", b.Bytes())
					}
				}
			}
			n++
			return nil
		})
		if err != nil || n != len(dates) {
			t.Fatalf("walk: %v, %d messages", err, n)
		}
		if k := strings.Count(trace.String(), "BODY.PEEK[]"); k != 1 {
			t.Errorf("%d body fetches for one lazy body opened twice, want 1", k)
		}
	})

	t.Run("ExamineKeepsFlags", func(t *testing.T) {
		walkAll(t, s, f, 0, nil)
		walkAll(t, s, f, 0, &importers.WalkOptions{HeadersOnly: true})
		c2 := srv.Dial(t, "alice")
		if _, err := c2.Select("INBOX.Walk", &imap.SelectOptions{ReadOnly: true}).Wait(); err != nil {
			t.Fatal(err)
		}
		var seq imap.SeqSet
		seq.AddRange(1, 0)
		got, err := c2.Fetch(seq, &imap.FetchOptions{Flags: true}).Collect()
		if err != nil {
			t.Fatal(err)
		}
		for i, m := range got {
			if slices.Contains(m.Flags, imap.FlagSeen) {
				t.Errorf("message %d is \\Seen after the walk: %v", i, m.Flags)
			}
		}
	})

	t.Run("FolderState", func(t *testing.T) {
		d, err := cl.Status("INBOX.Walk", &imap.StatusOptions{UIDValidity: true, UIDNext: true}).Wait()
		if err != nil {
			t.Fatal(err)
		}
		for range 2 { // after a walk the folder is selected: asked with EXAMINE
			v, next, err := s.FolderState(context.Background(), f)
			if err != nil {
				t.Fatal(err)
			}
			if v != d.UIDValidity || next != uint32(d.UIDNext) || next != all[len(all)-1].uid+1 {
				t.Errorf("FolderState = %d, %d; want %d, %d", v, next, d.UIDValidity, d.UIDNext)
			}
			appendRaw(t, cl, "INBOX.Walk", msg(100), nil, base)
			d.UIDNext++
			all = append(all, walked{uid: uint32(d.UIDNext) - 1})
		}
		if _, _, err := s.FolderState(context.Background(), importers.Folder{"Missing"}); err == nil {
			t.Error("FolderState of a missing folder succeeded")
		}
	})
}

// A folder of 2,000 messages (about 40 MB) is walked in batches: the heap
// stays far below the folder's size (live heap measured after a GC
// every 100 messages).
func TestSourceLargeFolderFlatMemory(t *testing.T) {
	srv := dovecottest.Start(t, nil)
	dir := srv.MailDir("bob") + "/.Big"
	for _, sub := range []string{"cur", "new", "tmp"} {
		if err := os.MkdirAll(dir+"/"+sub, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	const n, size = 2000, 20 << 10
	filler := strings.Repeat("0123456789abcdef", size/16)
	for i := range n {
		body := fmt.Sprintf("Message-ID: <big%d@test>\r\nSubject: %d\r\n\r\n%s\r\n", i, i, filler)
		if err := os.WriteFile(fmt.Sprintf("%s/cur/%d.M1P1.test:2,S", dir, 1000000+i), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	srv.FixOwnership(t, "bob")
	s := openSource(t, srv, "bob", nil)
	s.batch, s.batchBytes = 500, 2<<20
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	baseline, peak := ms.HeapAlloc, uint64(0)
	count, bytesRead := 0, int64(0)
	err := s.Walk(context.Background(), importers.Folder{"Big"}, nil, func(m *importers.Message, err error) error {
		if err != nil {
			return err
		}
		count++
		bytesRead += m.Body.Len()
		if count%100 == 0 {
			runtime.GC()
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapAlloc)
		}
		return nil
	})
	if err != nil || count != n {
		t.Fatalf("walk: %v, %d messages, want %d", err, count, n)
	}
	growth := int64(peak) - int64(baseline)
	t.Logf("walked %d messages, %d MB; heap grew by at most %.1f MB", count, bytesRead>>20, float64(growth)/(1<<20))
	if growth > bytesRead/4 {
		t.Errorf("heap grew by %d bytes walking %d bytes: bodies are not released batch by batch", growth, bytesRead)
	}
}

// The Source dials again when the server dropped its connection between
// operations; a canceled ctx stops a walk with context.Canceled; a large
// body goes to a spool file that is gone once the walk returned.
func TestSourceRedialCancelSpool(t *testing.T) {
	ctx := context.Background()
	srv := dovecottest.Start(t, nil)
	cl := srv.Dial(t, "bob")
	big := append([]byte("Message-ID: <big@test>\r\nSubject: big\r\n\r\n"), bytes.Repeat([]byte("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde\r\n"), 3<<20/64)...)
	appendRaw(t, cl, "INBOX", big, nil, time.Time{})
	for i := range 5 {
		appendRaw(t, cl, "INBOX", msg(i), nil, time.Time{})
	}
	cl.Logout().Wait()
	opts := testOpts()
	opts.SpoolDir = t.TempDir()
	s := openSource(t, srv, "bob", opts)
	n := 0
	err := s.Walk(ctx, importers.Folder{"INBOX"}, nil, func(m *importers.Message, err error) error {
		if err != nil {
			return err
		}
		if n == 0 {
			if m.Body.Len() != int64(len(big)) {
				t.Errorf("big body Len %d, want %d", m.Body.Len(), len(big))
			}
			// The spool file is unlinked as soon as it is open on Unix
			// (importers.Spool), so it is not seen in the directory.
			if ents, _ := os.ReadDir(opts.SpoolDir); len(ents) > 1 {
				t.Errorf("%d spool files for a 3 MiB body, want at most 1", len(ents))
			}
			for range 2 {
				rc, err := m.Body.Open()
				if err != nil {
					t.Fatal(err)
				}
				var b bytes.Buffer
				b.ReadFrom(rc)
				rc.Close()
				if !bytes.Equal(b.Bytes(), big) {
					t.Errorf("spooled body differs")
				}
			}
		}
		n++
		return nil
	})
	if err != nil || n != 6 {
		t.Fatalf("walk: %v, %d messages", err, n)
	}
	if ents, _ := os.ReadDir(opts.SpoolDir); len(ents) != 0 {
		t.Errorf("%d spool files left after the walk", len(ents))
	}

	// The server drops the connection (idle timeout, restart): kick, and
	// wait until the client has seen it.
	old := s.sess.Current()
	srv.Doveadm(t, "kick", "bob")
	<-old.C.Closed()
	if got := walkAll(t, s, importers.Folder{"INBOX"}, 0, nil); len(got) != 6 {
		t.Errorf("walk after the server dropped the connection: %d messages, want 6", len(got))
	}
	if s.sess.Current() == old {
		t.Error("no new connection")
	}
	if _, err := s.Folders(ctx); err != nil {
		t.Error(err)
	}

	cctx, cancel := context.WithCancel(ctx)
	n = 0
	err = s.Walk(cctx, importers.Folder{"INBOX"}, nil, func(m *importers.Message, err error) error {
		n++
		cancel()
		return nil
	})
	if !errors.Is(err, context.Canceled) || n != 1 {
		t.Errorf("canceled walk: %v after %d messages, want context.Canceled after 1", err, n)
	}
	if _, err := s.Folders(cctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Folders with a canceled ctx: %v", err)
	}
	if got := walkAll(t, s, importers.Folder{"INBOX"}, 0, nil); len(got) != 6 {
		t.Errorf("walk after a canceled one: %d messages, want 6", len(got))
	}
	if err := s.Walk(ctx, importers.Folder{"Missing"}, nil, func(*importers.Message, error) error { return nil }); err == nil {
		t.Error("walking a missing folder succeeded")
	}
}
