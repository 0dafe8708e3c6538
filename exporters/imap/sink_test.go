package imap

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/mailferry/mailferry/dedupe"
	"github.com/mailferry/mailferry/exporters"
	"github.com/mailferry/mailferry/exporters/imap/dovecottest"
	"github.com/mailferry/mailferry/importers"
	imapimp "github.com/mailferry/mailferry/importers/imap"
	"github.com/mailferry/mailferry/importers/importertest"
	"github.com/mailferry/mailferry/internal/engine"
)

func testOpts() *importers.Options {
	return &importers.Options{Password: func(string, string) (string, error) { return dovecottest.Password, nil }}
}

func openSink(t *testing.T, url string, opts *importers.Options) *Sink {
	t.Helper()
	if opts == nil {
		opts = testOpts()
	}
	s, err := Open(context.Background(), url, opts)
	if err != nil {
		t.Fatalf("Open(%s): %v", url, err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func userURL(srv *dovecottest.Server, user string) string { return "imap://" + user + "@" + srv.Addr }

func cfgName(cfg *dovecottest.Config) string {
	if cfg == nil {
		return "default"
	}
	return cfg.NamespacePrefix
}

var configs = []*dovecottest.Config{nil, {NamespacePrefix: "INBOX."}}

// The exporter suite runs in suite_dovecot_test.go.

// Special folders go to the server's SPECIAL-USE folders, whatever the
// source called them; nested and Japanese folders are created, subscribed,
// and found again by a new Sink.
func TestResolveAndCreate(t *testing.T) {
	ctx := context.Background()
	for _, cfg := range configs {
		t.Run(cfgName(cfg), func(t *testing.T) {
			srv := dovecottest.Start(t, cfg)
			p := srv.NamespacePrefix
			s := openSink(t, userURL(srv, "alice"), nil)
			var mp engine.Mapper
			for _, tt := range []struct {
				src  importers.Folder
				want string
			}{
				{importers.Folder{"Sent"}, p + "Sent"},
				{importers.Folder{"送信済み"}, p + "Sent"},
				{importers.Folder{"Sent Items"}, p + "Sent"},
				{importers.Folder{"下書き"}, p + "Drafts"},
				{importers.Folder{"ごみ箱"}, p + "Trash"},
				{importers.Folder{"迷惑メール"}, p + "Junk"},
				{importers.Folder{"Inbox"}, "INBOX"},
				{importers.Folder{"受信トレイ"}, "INBOX"},
				{importers.Folder{"Archive", "2019"}, p + "Archive" + string(srv.Delimiter) + "2019"},
				{importers.Folder{"仕事", "重要"}, p + "仕事" + string(srv.Delimiter) + "重要"},
			} {
				m := mp.Map(importers.FolderInfo{Folder: tt.src})
				tg, err := s.Resolve(ctx, m.Folder, m.Use)
				if err != nil {
					t.Fatal(err)
				}
				if tg.Name() != tt.want {
					t.Errorf("Resolve(%q, %q) = %q, want %q", m.Folder, m.Use, tg.Name(), tt.want)
				}
				special := !strings.ContainsAny(tt.want, "仕2")
				if tg.Exists() != special {
					t.Errorf("Resolve(%q).Exists() = %v, want %v", tt.src, tg.Exists(), special)
				}
			}
			// Folders reports the special uses by logical folder.
			fis, err := s.Folders(ctx)
			if err != nil {
				t.Fatal(err)
			}
			uses := map[string]imap.MailboxAttr{}
			for _, fi := range fis {
				uses[fi.Folder.String()] = fi.Use
			}
			if uses["Sent"] != imap.MailboxAttrSent || uses["Drafts"] != imap.MailboxAttrDrafts || uses["Trash"] != imap.MailboxAttrTrash {
				t.Errorf("Folders: uses %v", uses)
			}

			for _, f := range []importers.Folder{{"仕事", "重要"}, {"Archive", "2019", "Q1"}, {"a", "b", "c", "d"}} {
				tg, err := s.Resolve(ctx, f, "")
				if err != nil {
					t.Fatal(err)
				}
				for range 2 { // idempotent
					if err := tg.Create(ctx); err != nil {
						t.Fatalf("Create(%q): %v", f, err)
					}
				}
				if !tg.Exists() {
					t.Errorf("%q: Exists() false after Create", f)
				}
				// Another Sink sees it (and creating again is fine there too).
				s2 := openSink(t, userURL(srv, "alice"), nil)
				tg2, err := s2.Resolve(ctx, f, "")
				if err != nil || !tg2.Exists() || tg2.Name() != tg.Name() {
					t.Errorf("new Sink: Resolve(%q) = %v exists %v (%v)", f, tg2.Name(), tg2.Exists(), err)
				}
				if err := tg2.Create(ctx); err != nil {
					t.Errorf("Create of an existing folder: %v", err)
				}
				s2.Close()
			}
			c := srv.Dial(t, "alice")
			subs, err := c.List("", "*", &imap.ListOptions{SelectSubscribed: true}).Collect()
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, d := range subs {
				names = append(names, d.Mailbox)
			}
			d := string(srv.Delimiter)
			for _, want := range []string{p + "仕事" + d + "重要", p + "Archive" + d + "2019" + d + "Q1", p + "a" + d + "b" + d + "c" + d + "d"} {
				if !slices.Contains(names, want) {
					t.Errorf("%q not subscribed; subscribed: %q", want, names)
				}
			}
		})
	}
}

// quotaOf returns the single quota root of the user's INBOX.
func quotaOf(t *testing.T, s *Sink) exporters.QuotaRoot {
	t.Helper()
	qs, err := s.Quota(context.Background(), nil)
	if err != nil || len(qs) != 1 {
		t.Fatalf("Quota: %v, %v", qs, err)
	}
	return qs[0]
}

func message(id string, size int) []byte {
	var b bytes.Buffer
	if id != "" {
		fmt.Fprintf(&b, "Message-ID: <%s>\r\n", id)
	}
	fmt.Fprintf(&b, "From: a@example.com\r\nSubject: %s\r\nDate: Mon, 1 Jun 2020 10:00:00 +0900\r\n\r\n", id)
	for b.Len() < size-2 {
		b.WriteString("x")
		if b.Len()%998 == 0 {
			b.WriteString("\r\n")
		}
	}
	b.Truncate(size - 2)
	b.WriteString("\r\n")
	return b.Bytes()
}

func appendBytes(ctx context.Context, tg exporters.Target, m *importers.Message, raw []byte) error {
	m.Body = importers.BytesBody(raw)
	if m.Ref == "" {
		m.Ref = "test:" + fmt.Sprint(len(raw))
	}
	return tg.Append(ctx, m, int64(len(raw)), bytes.NewReader(raw))
}

// fetchAll returns every message of mailbox: UID, flags, date and BODY[].
func fetchAll(t *testing.T, c *imapclient.Client, mailbox string) []*imapclient.FetchMessageBuffer {
	t.Helper()
	sd, err := c.Select(mailbox, &imap.SelectOptions{ReadOnly: true}).Wait()
	if err != nil {
		t.Fatalf("EXAMINE %q: %v", mailbox, err)
	}
	if sd.NumMessages == 0 {
		return nil
	}
	var seq imap.SeqSet
	seq.AddRange(1, 0)
	got, err := c.Fetch(seq, &imap.FetchOptions{UID: true, Flags: true, InternalDate: true, BodySection: []*imap.FetchItemBodySection{{Peek: true}}}).Collect()
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// Quota in bytes for user small; over quota, a small message (LITERAL+,
// sent whole, refused after) and a large one (synchronizing literal,
// refused before the body; go-imap closes the connection) both give
// ErrOverQuota, store nothing, and the next Append works.
func TestQuotaAndOverQuota(t *testing.T) {
	ctx := context.Background()
	srv := dovecottest.Start(t, nil)
	var trace bytes.Buffer
	opts := testOpts()
	opts.Debug = &trace
	s := openSink(t, userURL(srv, "small"), opts)
	q := quotaOf(t, s)
	if q.Limit != dovecottest.SmallQuotaBytes || q.Used != 0 || q.LimitMessages != -1 {
		t.Fatalf("quota of small: %+v, want limit %d bytes, used 0", q, dovecottest.SmallQuotaBytes)
	}
	tg, err := s.Resolve(ctx, importers.Folder{"INBOX"}, "")
	if err != nil {
		t.Fatal(err)
	}
	fill := message("fill@test", dovecottest.SmallQuotaBytes-1500)
	if err := appendBytes(ctx, tg, &importers.Message{}, fill); err != nil {
		t.Fatalf("filling: %v", err)
	}
	// QUIRK: Dovecot stores (and counts) Maildir files with LF line
	// endings: usage is the size minus one byte per line, in whole KiB.
	q = quotaOf(t, s)
	lines := int64(bytes.Count(fill, []byte("\r\n")))
	if stored := int64(len(fill)) - lines; q.Used < stored-1024 || q.Used > stored+1024 {
		t.Errorf("quota used %d bytes after storing %d (%d with LF)", q.Used, len(fill), stored)
	}
	room := int(q.Limit - q.Used)
	if room < 1000 || room+1500 > 4000 {
		t.Fatalf("room left %d bytes, want a few KiB for this test", room)
	}
	qr, err := s.Quota(ctx, []exporters.Target{tg})
	if err != nil || len(qr) != 1 || !slices.Equal(qr[0].Targets, []string{"INBOX"}) {
		t.Errorf("Quota([INBOX]) = %+v, %v", qr, err)
	}

	for _, size := range []int{room + 1500, 64 << 10} { // < 4 KiB: LITERAL+; > 4 KiB: synchronizing
		err := appendBytes(ctx, tg, &importers.Message{Ref: fmt.Sprintf("test:over%d", size)}, message(fmt.Sprintf("over%d@test", size), size))
		if !errors.Is(err, exporters.ErrOverQuota) {
			t.Errorf("Append of %d bytes over quota: %v, want ErrOverQuota", size, err)
		}
	}
	// Still room for a few hundred bytes: the session redials if needed.
	tiny := message("tiny@test", 400)
	if err := appendBytes(ctx, tg, &importers.Message{}, tiny); err != nil {
		t.Fatalf("Append after the refusals: %v", err)
	}
	// The refused synchronizing literal cost the connection: one new login.
	if n := strings.Count(trace.String(), "LOGIN [redacted]"); n != 2 {
		t.Errorf("%d logins in the trace, want 2 (the first and one redial)", n)
	}
	if strings.Contains(trace.String(), dovecottest.Password) {
		t.Errorf("the password is in the trace")
	}
	got := fetchAll(t, srv.Dial(t, "small"), "INBOX")
	if len(got) != 2 || !bytes.Equal(got[0].FindBodySection(&imap.FetchItemBodySection{}), fill) ||
		!bytes.Equal(got[1].FindBodySection(&imap.FetchItemBodySection{}), tiny) {
		t.Errorf("INBOX holds %d messages, want the fill and the tiny one", len(got))
	}
}

// failingReader yields n bytes of b, then an error.
type failingReader struct {
	b []byte
	n int
}

func (r *failingReader) Read(p []byte) (int, error) {
	if r.n == 0 {
		return 0, errors.New("potato")
	}
	k := copy(p[:min(len(p), r.n)], r.b)
	r.b, r.n = r.b[k:], r.n-k
	return k, nil
}

// A body that fails halfway, or is shorter or longer than announced,
// stores nothing; the next Append works (the session redials).
func TestAppendBrokenBody(t *testing.T) {
	ctx := context.Background()
	srv := dovecottest.Start(t, nil)
	s := openSink(t, userURL(srv, "alice"), nil)
	tg, err := s.Resolve(ctx, importers.Folder{"Broken"}, "")
	if err != nil {
		t.Fatal(err)
	}
	var want [][]byte
	for i, size := range []int{1000, 100 << 10} {
		raw := message(fmt.Sprintf("b%d@test", i), size)
		m := &importers.Message{Ref: "test:broken", Body: importers.BytesBody(raw)}
		for _, r := range []struct {
			r    io.Reader
			size int64
		}{
			{&failingReader{raw, size / 2}, int64(size)},
			{bytes.NewReader(raw[:size-10]), int64(size)},
			{bytes.NewReader(raw), int64(size - 10)},
		} {
			if err := tg.Append(ctx, m, r.size, r.r); err == nil {
				t.Errorf("Append of a broken %d-byte body succeeded", size)
			}
		}
		if err := appendBytes(ctx, tg, &importers.Message{}, raw); err != nil {
			t.Fatalf("Append after a broken one: %v", err)
		}
		want = append(want, raw)
	}
	got := fetchAll(t, srv.Dial(t, "alice"), "Broken")
	if len(got) != len(want) {
		t.Fatalf("Broken holds %d messages, want %d", len(got), len(want))
	}
	for i := range got {
		if !bytes.Equal(got[i].FindBodySection(&imap.FetchItemBodySection{}), want[i]) {
			t.Errorf("message %d differs", i)
		}
	}
}

// Flags (system, $Forwarded, keywords), the internal date and the bytes
// survive Append and AppendBatch; Keys yields the Message-ID key, or for a
// message without one the key dedupe.Of gives the original.
func TestAppendKeepsFlagsDateBytesAndKeys(t *testing.T) {
	ctx := context.Background()
	srv := dovecottest.Start(t, &dovecottest.Config{NamespacePrefix: "INBOX."})
	s := openSink(t, userURL(srv, "alice"), nil)
	tg, err := s.Resolve(ctx, importers.Folder{"仕事"}, "")
	if err != nil {
		t.Fatal(err)
	}
	date := time.Date(2021, 4, 1, 9, 0, 0, 0, time.FixedZone("JST", 9*3600))
	flags := []imap.Flag{imap.FlagSeen, imap.FlagAnswered, imap.FlagFlagged, imap.FlagForwarded, "Work_1", `\Recent`}
	bodies := [][]byte{
		message("one@test", 500),
		message("", 700), // no Message-ID: fallback key
		[]byte("Message-ID: <8bit@test>\r\nSubject: \xe6\x97\xa5\xe6\x9c\xac\r\n\r\n\x1b$B$3$s$K$A$O\x1b(B\r\n\r\n\r\n"),
		[]byte("Subject: no final newline\r\n\r\nlast line"),
		message("big@test", 200<<10),
	}
	for i, b := range bodies {
		if err := appendBytes(ctx, tg, &importers.Message{Flags: flags, InternalDate: date}, b); err != nil {
			t.Fatalf("Append %d: %v", i, err)
		}
	}
	var items []exporters.BatchItem
	for i := range 3 {
		b := message(fmt.Sprintf("batch%d@test", i), 3000)
		bodies = append(bodies, b)
		items = append(items, exporters.BatchItem{M: &importers.Message{Ref: "test:batch", Flags: flags, InternalDate: date, Body: importers.BytesBody(b)}, Data: b})
	}
	if err := tg.(exporters.BatchTarget).AppendBatch(ctx, items); err != nil {
		t.Fatalf("AppendBatch: %v", err)
	}
	// GETQUOTAROOT of an existing Japanese-named mailbox (UTF-7 on the wire).
	if qr, err := s.Quota(ctx, []exporters.Target{tg}); err != nil || len(qr) != 1 || qr[0].Limit != dovecottest.DefaultQuotaBytes || qr[0].Used <= 200<<10 {
		t.Errorf("Quota([INBOX.仕事]) = %+v, %v", qr, err)
	}
	got := fetchAll(t, srv.Dial(t, "alice"), "INBOX.仕事")
	if len(got) != len(bodies) {
		t.Fatalf("%d messages on the server, want %d", len(got), len(bodies))
	}
	for i, m := range got {
		if sha256.Sum256(m.FindBodySection(&imap.FetchItemBodySection{})) != sha256.Sum256(bodies[i]) {
			t.Errorf("message %d: BODY[] differs from what was sent", i)
		}
		if !m.InternalDate.Equal(date) {
			t.Errorf("message %d: INTERNALDATE %v, want %v", i, m.InternalDate, date)
		}
		for _, f := range flags[:5] {
			if !slices.Contains(m.Flags, f) {
				t.Errorf("message %d: flags %v lack %s", i, m.Flags, f)
			}
		}
	}

	want := map[dedupe.Key]bool{}
	for _, b := range bodies {
		k, _, err := dedupe.Of(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		want[k] = true
	}
	if k, ok := dedupe.FromHeader(map[string][]string{"Message-Id": {"<one@test>"}}); !ok || !want[k] {
		t.Fatalf("dedupe.Of and FromHeader disagree on <one@test>")
	}
	s2 := openSink(t, userURL(srv, "alice"), nil)
	tg2, err := s2.Resolve(ctx, importers.Folder{"仕事"}, "")
	if err != nil || !tg2.Exists() {
		t.Fatalf("Resolve: %v, exists %v", err, tg2.Exists())
	}
	got2 := map[dedupe.Key]bool{}
	if err := tg2.Keys(ctx, func(k dedupe.Key) error { got2[k] = true; return nil }); err != nil {
		t.Fatal(err)
	}
	if len(got2) != len(want) {
		t.Errorf("Keys gave %d keys, want %d", len(got2), len(want))
	}
	for k := range want {
		if !got2[k] {
			t.Errorf("Keys lacks %s", k)
		}
	}
	// fn's error stops Keys and is returned.
	stop := errors.New("stop")
	if err := tg2.Keys(ctx, func(dedupe.Key) error { return stop }); !errors.Is(err, stop) {
		t.Errorf("Keys with a failing fn: %v", err)
	}
	// A folder that does not exist has no keys.
	tg3, _ := s2.Resolve(ctx, importers.Folder{"Missing"}, "")
	if err := tg3.Keys(ctx, func(dedupe.Key) error { return stop }); err != nil {
		t.Errorf("Keys of a missing folder: %v", err)
	}
}

func caPool(t *testing.T, file string) *x509.CertPool {
	t.Helper()
	pem, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		t.Fatal("no certificate in CACertFile")
	}
	return pool
}

// imaps:// verifies the server certificate: with the CA it works (Append
// and the MULTIAPPEND connection), without it the error says why.
func TestIMAPS(t *testing.T) {
	ctx := context.Background()
	srv := dovecottest.Start(t, nil)
	url := "imaps://alice@" + srv.TLSAddr
	opts := testOpts()
	opts.TLS = &tls.Config{RootCAs: caPool(t, srv.CACertFile)}
	s := openSink(t, url, opts)
	tg, err := s.Resolve(ctx, importers.Folder{"TLS"}, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := appendBytes(ctx, tg, &importers.Message{}, message("tls@test", 100)); err != nil {
		t.Fatal(err)
	}
	items := []exporters.BatchItem{
		{M: &importers.Message{Ref: "a"}, Data: message("tls1@test", 100)},
		{M: &importers.Message{Ref: "b"}, Data: message("tls2@test", 100)},
	}
	if err := tg.(exporters.BatchTarget).AppendBatch(ctx, items); err != nil {
		t.Fatalf("AppendBatch over TLS: %v", err)
	}
	if got := fetchAll(t, srv.Dial(t, "alice"), "TLS"); len(got) != 3 {
		t.Errorf("TLS holds %d messages, want 3", len(got))
	}

	_, err = Open(ctx, url, testOpts()) // system roots only
	var uerr x509.UnknownAuthorityError
	if err == nil || !errors.As(err, &uerr) || !strings.Contains(err.Error(), "TLS with") {
		t.Errorf("imaps without the CA: %v, want a certificate error", err)
	}
	_, err = imapimp.Open(ctx, url, testOpts())
	if err == nil || !errors.As(err, &uerr) {
		t.Errorf("imaps source without the CA: %v, want a certificate error", err)
	}
}

// Flags that cannot be sent as an IMAP atom (a Maildir keyword with a
// space, Thunderbird tags with parentheses) are left out, not a reason to
// lose the message; Append and AppendBatch agree.
func TestAppendOddFlags(t *testing.T) {
	ctx := context.Background()
	srv := dovecottest.Start(t, nil)
	s := openSink(t, userURL(srv, "alice"), nil)
	tg, err := s.Resolve(ctx, importers.Folder{"Odd"}, "")
	if err != nil {
		t.Fatal(err)
	}
	flags := []imap.Flag{imap.FlagSeen, "bad(flag", "has space", `quo"te`, "ok$kw", "", `\Recent`, "日本語", `\Junk`, `\seen`, `\ANSWERED`}
	if err := appendBytes(ctx, tg, &importers.Message{Flags: flags}, message("odd1@test", 300)); err != nil {
		t.Fatalf("Append with odd flags: %v", err)
	}
	items := []exporters.BatchItem{
		{M: &importers.Message{Ref: "a", Flags: flags}, Data: message("odd2@test", 300)},
		{M: &importers.Message{Ref: "b", Flags: flags}, Data: message("odd3@test", 300)},
	}
	if err := tg.(exporters.BatchTarget).AppendBatch(ctx, items); err != nil {
		t.Fatalf("AppendBatch with odd flags: %v", err)
	}
	got := fetchAll(t, srv.Dial(t, "alice"), "Odd")
	if len(got) != 3 {
		t.Fatalf("Odd holds %d messages, want 3", len(got))
	}
	for i, m := range got {
		fs := slices.DeleteFunc(slices.Clone(m.Flags), func(f imap.Flag) bool { return f == `\Recent` })
		slices.Sort(fs)
		if !slices.Equal(fs, []imap.Flag{imap.FlagAnswered, imap.FlagSeen, "ok$kw"}) {
			t.Errorf("message %d: flags %v", i, m.Flags)
		}
	}
}

// After the server dropped the connection the Sink dials again; a canceled
// Append returns context.Canceled, stores nothing, and the next one works.
func TestSinkRedialAndCancel(t *testing.T) {
	ctx := context.Background()
	srv := dovecottest.Start(t, nil)
	s := openSink(t, userURL(srv, "bob"), nil)
	tg, err := s.Resolve(ctx, importers.Folder{"INBOX"}, "")
	if err != nil {
		t.Fatal(err)
	}
	old := s.sess.Current()
	srv.Doveadm(t, "kick", "bob")
	<-old.C.Closed()
	if err := appendBytes(ctx, tg, &importers.Message{}, message("after-kick@test", 300)); err != nil {
		t.Fatalf("Append after the server dropped the connection: %v", err)
	}
	if _, err := s.Quota(ctx, nil); err != nil {
		t.Error(err)
	}

	cctx, cancel := context.WithCancel(ctx)
	raw := message("canceled@test", 100<<10)
	r := &cancelingReader{r: bytes.NewReader(raw), after: 50 << 10, cancel: cancel}
	err = tg.Append(cctx, &importers.Message{Ref: "test:cancel"}, int64(len(raw)), r)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("canceled Append: %v, want context.Canceled", err)
	}
	if err := appendBytes(ctx, tg, &importers.Message{}, message("next@test", 300)); err != nil {
		t.Fatalf("Append after a canceled one: %v", err)
	}
	got := fetchAll(t, srv.Dial(t, "bob"), "INBOX")
	if len(got) != 2 {
		t.Errorf("INBOX holds %d messages, want 2 (the canceled one not stored)", len(got))
	}
}

// cancelingReader cancels its ctx after some bytes.
type cancelingReader struct {
	r      io.Reader
	after  int
	cancel func()
}

func (c *cancelingReader) Read(p []byte) (int, error) {
	if c.after <= 0 {
		c.cancel()
		return 0, context.Canceled
	}
	n, err := c.r.Read(p[:min(len(p), c.after)])
	c.after -= n
	return n, err
}

// Keys reads the folder as it is now, also when the same Sink keyed it
// before and appended since (one APPEND, one MULTIAPPEND on the other
// connection): a second run with the same Sink must not upload again.
func TestKeysAfterAppendSameSink(t *testing.T) {
	ctx := context.Background()
	srv := dovecottest.Start(t, nil)
	s := openSink(t, userURL(srv, "bob"), nil)
	tg, err := s.Resolve(ctx, importers.Folder{"INBOX"}, "")
	if err != nil {
		t.Fatal(err)
	}
	count := func() int {
		n := 0
		if err := tg.Keys(ctx, func(dedupe.Key) error { n++; return nil }); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := count(); n != 0 {
		t.Fatalf("empty INBOX: %d keys", n)
	}
	if err := appendBytes(ctx, tg, &importers.Message{}, message("k1@test", 300)); err != nil {
		t.Fatal(err)
	}
	if n := count(); n != 1 {
		t.Errorf("after one Append: %d keys, want 1", n)
	}
	items := []exporters.BatchItem{
		{M: &importers.Message{Ref: "a"}, Data: message("k2@test", 300)},
		{M: &importers.Message{Ref: "b"}, Data: message("k3@test", 300)},
	}
	if err := tg.(exporters.BatchTarget).AppendBatch(ctx, items); err != nil {
		t.Fatal(err)
	}
	if n := count(); n != 3 {
		t.Errorf("after a MULTIAPPEND of 2 more: %d keys, want 3", n)
	}
}

// A mailbox deleted behind the Sink's back: APPEND gets TRYCREATE, which
// rejects that message only; the next Append creates the mailbox again.
func TestAppendTryCreate(t *testing.T) {
	ctx := context.Background()
	srv := dovecottest.Start(t, nil)
	s := openSink(t, userURL(srv, "bob"), nil)
	tg, err := s.Resolve(ctx, importers.Folder{"Gone"}, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := tg.Create(ctx); err != nil {
		t.Fatal(err)
	}
	c := srv.Dial(t, "bob")
	for _, size := range []int{300, 64 << 10} {
		if err := c.Delete("Gone").Wait(); err != nil {
			t.Fatal(err)
		}
		err := appendBytes(ctx, tg, &importers.Message{}, message("gone@test", size))
		var rej *exporters.RejectedError
		if !errors.As(err, &rej) || !strings.Contains(err.Error(), "TRYCREATE") {
			t.Errorf("Append of %d bytes to a deleted mailbox: %v, want a RejectedError (TRYCREATE)", size, err)
		}
		if tg.Exists() {
			t.Error("Exists() after TRYCREATE")
		}
		if err := appendBytes(ctx, tg, &importers.Message{}, message("back@test", size)); err != nil {
			t.Fatalf("Append after TRYCREATE: %v", err)
		}
	}
	if got := fetchAll(t, c, "Gone"); len(got) != 1 {
		t.Errorf("Gone holds %d messages, want 1", len(got))
	}
}

// Folder names the server refuses (Dovecot/Maildir++: '.' with separator
// '/', '/' with separator '.', a leading '~') are created under a safe
// name, which later runs find again: a second copy uploads nothing.
func TestRefusedFolderNames(t *testing.T) {
	ctx := context.Background()
	for _, cfg := range configs {
		t.Run(cfgName(cfg), func(t *testing.T) {
			srv := dovecottest.Start(t, cfg)
			p, d := srv.NamespacePrefix, string(srv.Delimiter)
			folders := map[string]string{ // source folder -> server name
				"v1.2":                 p + "v1_2",
				"info@example.co.jp":   p + "info@example_co_jp",
				"~home":                p + "_home",
				"Archive\x002019.01":   p + "Archive" + d + "2019_01",
				"Plain":                p + "Plain",
				"Lists\x00golang/nuts": p + "Lists" + d + "golang_nuts",
			}
			if d == "." {
				folders["v1.2"] = p + "v1_2" // '.' is the delimiter: replaced at once
				folders["info@example.co.jp"] = p + "info@example_co_jp"
			}
			var c importertest.Corpus
			i := 0
			for f := range folders {
				i++
				c = append(c, importertest.Item{File: f, Folder: strings.Split(f, "\x00"), Raw: message(fmt.Sprintf("refused%d@test", i), 300)})
			}
			for run := range 2 {
				eng := &engine.Engine{Src: &importertest.MemSource{C: c}, Sink: openSink(t, userURL(srv, "bob"), nil)}
				plan, err := eng.Copy(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if tot := plan.Totals(); tot.Copied != int64(len(c)*(1-run)) || plan.Incomplete() {
					t.Errorf("run %d: copied %d, problems %v", run+1, tot.Copied, plan.Problems)
				}
			}
			s := openSink(t, userURL(srv, "bob"), nil)
			for f, want := range folders {
				tg, err := s.Resolve(ctx, strings.Split(f, "\x00"), "")
				if err != nil || tg.Name() != want || !tg.Exists() {
					t.Errorf("Resolve(%q) = %q exists %v (%v), want %q", f, tg.Name(), tg.Exists(), err, want)
				}
			}
		})
	}
}
