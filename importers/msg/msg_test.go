package msg

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-message"
	_ "github.com/emersion/go-message/charset"
	"github.com/emersion/go-message/mail"
	"github.com/mailferry/mailferry/importers"
	"github.com/mailferry/mailferry/importers/outlook"
)

// part is one leaf of a message read back with go-message.
type part struct {
	typ, filename, cid string
	body               []byte
}

type readBack struct {
	header mail.Header
	types  []string
	parts  []part
}

// readMessage parses raw with go-message and walks every part.
func readMessage(t testing.TB, raw []byte) *readBack {
	t.Helper()
	if i := bytes.Index(raw, []byte("\n")); i > 0 && raw[i-1] != '\r' {
		t.Fatalf("not CRLF: %q", raw[:i+1])
	}
	e, err := message.Read(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("message.Read: %v\n%s", err, raw)
	}
	rb := &readBack{header: mail.Header{Header: e.Header}}
	err = e.Walk(func(path []int, ent *message.Entity, err error) error {
		if err != nil {
			return err
		}
		typ, _, err := ent.Header.ContentType()
		if err != nil {
			return err
		}
		rb.types = append(rb.types, typ)
		if strings.HasPrefix(typ, "multipart/") {
			return nil
		}
		p := part{typ: typ, cid: strings.Trim(ent.Header.Get("Content-Id"), "<>")}
		if _, ps, err := ent.Header.ContentDisposition(); err == nil {
			p.filename = ps["filename"]
		}
		if p.body, err = io.ReadAll(ent.Body); err != nil {
			return err
		}
		rb.parts = append(rb.parts, p)
		return nil
	})
	if err != nil {
		t.Fatalf("walk: %v\n%s", err, raw)
	}
	return rb
}

func readItem(t testing.TB, raw []byte) *outlook.Item {
	t.Helper()
	c, err := openCFB(bytes.NewReader(raw), int64(len(raw)))
	if err != nil {
		t.Fatalf("openCFB: %v", err)
	}
	it, err := c.item()
	if err != nil {
		t.Fatalf("item: %v", err)
	}
	return it
}

func buildRaw(t testing.TB, it *outlook.Item) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := outlook.Build(&buf, it); err != nil {
		t.Fatalf("Build: %v", err)
	}
	return buf.Bytes()
}

func addrs(as []outlook.Address) string {
	var s []string
	for _, a := range as {
		s = append(s, a.Name+" <"+a.Address+">")
	}
	return strings.Join(s, ", ")
}

func TestReadUnicodeHTML(t *testing.T) {
	it := readItem(t, fxUnicodeHTML().bytes())
	if it.Subject != "Q1 report – 四半期報告" || it.MessageClass != "IPM.Note" {
		t.Errorf("Subject %q, class %q", it.Subject, it.MessageClass)
	}
	if got := addrs(it.To); got != "Bob <bob@example.com>, 山田 太郎 <yamada@example.jp>" {
		t.Errorf("To = %s", got)
	}
	if got := addrs(it.Cc) + " | " + addrs(it.Bcc); got != "Carol <carol@example.com> | Dave <dave@example.com>" {
		t.Errorf("Cc | Bcc = %s", got)
	}
	if it.From.Address != "alice@example.com" || !it.SubmitTime.Equal(fxSubmit) || !it.DeliveryTime.Equal(fxDelivery) {
		t.Errorf("From %v, submit %v, delivery %v", it.From, it.SubmitTime, it.DeliveryTime)
	}
	if it.HTMLCharset != "utf-8" || string(it.HTML) != fxHTML || it.Body != fxBody {
		t.Errorf("bodies: %q %q %q", it.HTMLCharset, it.HTML, it.Body)
	}
	if got := outlook.Flags(it); fmt.Sprint(got) != `[\Seen \Answered \Flagged]` {
		t.Errorf("Flags = %v", got)
	}

	rb := readMessage(t, buildRaw(t, it))
	want := "multipart/mixed multipart/alternative text/plain multipart/related text/html image/png application/pdf"
	if got := strings.Join(rb.types, " "); got != want {
		t.Errorf("structure %s\nwant %s", got, want)
	}
	if subj, _ := rb.header.Subject(); subj != it.Subject {
		t.Errorf("Subject = %q", subj)
	}
	if to, err := rb.header.AddressList("To"); err != nil || len(to) != 2 || to[1].Name != "山田 太郎" {
		t.Errorf("To = %v, %v", to, err)
	}
	if d, _ := rb.header.Date(); !d.Equal(fxSubmit) {
		t.Errorf("Date = %v", d)
	}
	checkAttachments(t, rb, fxUnicodeHTML().atts)
	if rb.parts[2].cid != "image001.png@01D72A" {
		t.Errorf("inline image Content-ID %q", rb.parts[2].cid)
	}
}

// checkAttachments compares the non-body parts with the definitions.
func checkAttachments(t *testing.T, rb *readBack, atts []tatt) {
	t.Helper()
	var got []part
	for _, p := range rb.parts {
		if p.filename != "" || p.cid != "" || p.typ == "message/rfc822" {
			got = append(got, p)
		}
	}
	if len(got) != len(atts) {
		t.Fatalf("%d attachments, want %d", len(got), len(atts))
	}
	for i, at := range atts {
		var name string
		var data []byte
		for _, p := range at.props {
			switch p.id {
			case prAttachLongFilename:
				name = p.val.(string)
			case prAttachDataBin:
				data = p.val.([]byte)
			}
		}
		if at.embedded != nil {
			inner := readMessage(t, got[i].body)
			if s, _ := inner.header.Subject(); s == "" {
				t.Errorf("attachment %d: embedded message without subject", i)
			}
			checkAttachments(t, inner, at.embedded.atts)
			continue
		}
		if got[i].filename != name || !bytes.Equal(got[i].body, data) {
			t.Errorf("attachment %d: %q (%d bytes), want %q (%d bytes)", i, got[i].filename, len(got[i].body), name, len(data))
		}
	}
}

func TestReadANSI(t *testing.T) {
	it := readItem(t, fxANSI().bytes())
	if it.Subject != "RE: 資料の送付" {
		t.Errorf("Subject = %q", it.Subject)
	}
	if it.Body != fxSJISBody || it.From.Name != "山田 太郎" || addrs(it.To) != "鈴木 花子 <suzuki@example.com>" {
		t.Errorf("Body %q, From %v, To %s", it.Body, it.From, addrs(it.To))
	}
	if it.Attachments[0].Filename != "見積書.txt" {
		t.Errorf("attachment name %q", it.Attachments[0].Filename)
	}
	raw := buildRaw(t, it)
	// The transport headers are kept verbatim (minus the MIME fields).
	if !bytes.HasPrefix(raw, []byte("Received: from mx.example.jp ([192.0.2.7]) by mail.example.com with SMTP;\r\n\t Thu, 1 Apr 2021 18:00:07 +0900\r\n")) {
		t.Errorf("header:\n%s", raw[:200])
	}
	rb := readMessage(t, raw)
	if subj, _ := rb.header.Subject(); subj != "資料の送付" {
		t.Errorf("Subject = %q (from the transport headers)", subj)
	}
	if string(rb.parts[0].body) != fxSJISBody {
		t.Errorf("body = %q", rb.parts[0].body)
	}
	checkAttachments(t, rb, fxANSI().atts)
}

func TestReadEmbedded(t *testing.T) {
	it := readItem(t, fxEmbedded().bytes())
	if len(it.Attachments) != 2 || it.Attachments[0].Embedded == nil {
		t.Fatalf("attachments: %+v", it.Attachments)
	}
	e := it.Attachments[0].Embedded
	if e.Subject != "Original message" || addrs(e.To) != "Frank <frank@example.org>" || len(e.Attachments) != 1 {
		t.Errorf("embedded: %+v", e)
	}
	rb := readMessage(t, buildRaw(t, it))
	if got := strings.Join(rb.types, " "); got != "multipart/mixed text/plain message/rfc822 text/plain" {
		t.Errorf("structure %s", got)
	}
	checkAttachments(t, rb, fxEmbedded().atts)
	if got := outlook.Flags(it); fmt.Sprint(got) != `[\Seen $Forwarded]` {
		t.Errorf("Flags = %v", got)
	}
}

func TestReadRTF(t *testing.T) {
	rb := readMessage(t, buildRaw(t, readItem(t, fxRTFOnly().bytes())))
	if len(rb.parts) != 1 || rb.parts[0].typ != "text/html" ||
		string(rb.parts[0].body) != "<html><body><p>Only RTF here: naïve café €</p></body></html>" {
		t.Errorf("rtf-only: %q", rb.parts)
	}
	it := readItem(t, fxRTFNativeDraft().bytes())
	rb = readMessage(t, buildRaw(t, it))
	if len(rb.parts) != 2 || string(rb.parts[0].body) != "Draft in rich text\r\n" ||
		rb.parts[1].filename != "body.rtf" || string(rb.parts[1].body) != fxRTFNative {
		t.Errorf("native RTF: %q", rb.parts)
	}
	if got := outlook.Flags(it); fmt.Sprint(got) != `[\Seen \Draft]` {
		t.Errorf("Flags = %v", got)
	}
	if d := outlook.InternalDate(it); !d.Equal(fxSubmit) {
		t.Errorf("InternalDate = %v (the creation time)", d)
	}
}

func TestReadSigned(t *testing.T) {
	raw := buildRaw(t, readItem(t, fxSignedMsg().bytes()))
	body := fxSigned[strings.Index(fxSigned, "\r\n\r\n")+4:]
	if !bytes.HasSuffix(raw, []byte("\r\n\r\n"+body)) {
		t.Errorf("the signed entity is not kept byte for byte:\n%s", raw)
	}
	rb := readMessage(t, raw)
	if rb.types[0] != "multipart/signed" {
		t.Errorf("structure %v", rb.types)
	}
}

func TestReadErrors(t *testing.T) {
	good := fxUnicodeHTML().bytes()
	tests := []struct {
		name string
		raw  []byte
	}{
		{"empty", nil},
		{"text", []byte(strings.Repeat("not a compound file ", 40))},
		{"truncated", good[:1024]},
		{"header only", good[:512]},
	}
	for _, tt := range tests {
		c, err := openCFB(bytes.NewReader(tt.raw), int64(len(tt.raw)))
		if err == nil {
			_, err = c.item()
		}
		if err == nil {
			t.Errorf("%s: no error", tt.name)
		}
	}
	// A stream that claims more bytes than the file has.
	c, err := openCFB(bytes.NewReader(good), int64(len(good)))
	if err != nil {
		t.Fatal(err)
	}
	c.size = 100
	if _, err := c.item(); err == nil || !strings.Contains(err.Error(), "claims") {
		t.Errorf("oversized stream: %v", err)
	}
}

type walked struct {
	ref    string
	folder string
	flags  string
	date   time.Time
	raw    []byte
	err    error
}

func walkAll(t *testing.T, src importers.Source) (map[string]importers.FolderInfo, []walked) {
	t.Helper()
	ctx := context.Background()
	fis, err := src.Folders(ctx)
	if err != nil {
		t.Fatal(err)
	}
	infos := map[string]importers.FolderInfo{}
	var out []walked
	for _, fi := range fis {
		infos[fi.Folder.String()] = fi
		if fi.NoSelect {
			continue
		}
		err := src.Walk(ctx, fi.Folder, nil, func(m *importers.Message, err error) error {
			var se *importers.SkipError
			if errors.As(err, &se) {
				// Not mail (noloss_outlook_test.go): left out of the
				// folder's count here.
				fi := infos[fi.Folder.String()]
				fi.Messages--
				infos[fi.Folder.String()] = fi
				return nil
			}
			w := walked{ref: m.Ref, folder: m.Folder.String(), err: err, flags: fmt.Sprint(m.Flags), date: m.InternalDate}
			if err == nil {
				rc, err := m.Body.Open()
				if err != nil {
					t.Fatal(err)
				}
				w.raw, _ = io.ReadAll(rc)
				rc.Close()
				if int64(len(w.raw)) != m.Body.Len() {
					t.Errorf("%s: Len %d, read %d", m.Ref, m.Body.Len(), len(w.raw))
				}
			}
			out = append(out, w)
			return nil
		})
		if err != nil {
			t.Fatalf("Walk(%s): %v", fi.Folder, err)
		}
	}
	return infos, out
}

func TestSource(t *testing.T) {
	var logs bytes.Buffer
	src, err := Open(fixtureDir(t), &importers.Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	infos, msgs := walkAll(t, src)
	var folders []string
	for _, fi := range mustFolders(t, src) {
		folders = append(folders, fmt.Sprintf("%s:%d:%v", fi.Folder, fi.Messages, fi.NoSelect))
	}
	want := "INBOX:4:false Archive:0:true Archive/2019:1:false Calendar:1:false broken:2:false 送信済みアイテム:1:false"
	if got := strings.Join(folders, " "); got != want {
		t.Errorf("Folders:\n got %s\nwant %s", got, want)
	}
	per := map[string]int{}
	var errs []string
	for _, m := range msgs {
		if m.err != nil {
			var me *importers.MessageError
			if !errors.As(m.err, &me) || !strings.Contains(m.err.Error(), m.ref) {
				t.Errorf("error %v is not a MessageError naming the file", m.err)
			}
			errs = append(errs, filepath.Base(strings.TrimPrefix(m.ref, "msg:")))
			continue
		}
		per[m.folder]++
		readMessage(t, m.raw)
	}
	for f, fi := range infos {
		if !fi.NoSelect && f != "broken" && int64(per[f]) != fi.Messages {
			t.Errorf("%s: Folders says %d, Walk gave %d", f, fi.Messages, per[f])
		}
	}
	if got := strings.Join(errs, " "); got != "not-a-msg.MSG truncated.msg" {
		t.Errorf("errors for %s", got)
	}
	if !strings.Contains(logs.String(), "IPM.Appointment=1") || strings.Count(logs.String(), "not mail") != 1 {
		t.Errorf("log: %s", logs.String())
	}
	// The order in INBOX is by file name.
	var inbox []string
	for _, m := range msgs {
		if m.folder == "INBOX" {
			inbox = append(inbox, filepath.Base(m.ref))
		}
	}
	if got := strings.Join(inbox, " "); got != "ansi-cp932.msg rtf-only.msg signed.msg unicode-html.msg" {
		t.Errorf("INBOX order: %s", got)
	}
	for _, m := range msgs {
		if strings.HasSuffix(m.ref, "unicode-html.msg") && (m.flags != `[\Seen \Answered \Flagged]` || !m.date.Equal(fxDelivery)) {
			t.Errorf("unicode-html.msg: flags %s, date %v", m.flags, m.date)
		}
	}
	if c := src.Caps(); c.ByteExact || !c.Flags {
		t.Errorf("Caps = %+v", c)
	}
}

func mustFolders(t *testing.T, src importers.Source) []importers.FolderInfo {
	fis, err := src.Folders(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return fis
}

func TestOpenVariants(t *testing.T) {
	dir := t.TempDir()
	one := filepath.Join(dir, "one.msg")
	if err := os.WriteFile(one, fxEmbedded().bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	src, err := importers.Open(context.Background(), "msg:"+one, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, msgs := walkAll(t, src)
	if len(msgs) != 1 || msgs[0].folder != "INBOX" || msgs[0].err != nil {
		t.Errorf("single file: %+v", msgs)
	}

	// An "Inbox" directory is INBOX, merged with the files at the root.
	tree := t.TempDir()
	for p, data := range map[string][]byte{
		"a.msg":            fxRTFOnly().bytes(),
		"Inbox/b.msg":      fxEmbedded().bytes(),
		"Sent Items/c.msg": fxUnicodeHTML().bytes(),
		".hidden/d.msg":    fxUnicodeHTML().bytes(),
		"e.txt":            []byte("x"),
		"empty/f.txt":      []byte("x"),
	} {
		p = filepath.Join(tree, p)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	src, err = Open(tree, nil)
	if err != nil {
		t.Fatal(err)
	}
	infos, msgs := walkAll(t, src)
	if len(infos) != 2 || infos["INBOX"].Messages != 2 || infos["Sent Items"].Messages != 1 || len(msgs) != 3 {
		t.Errorf("folders %v, %d messages", infos, len(msgs))
	}

	for _, bad := range []string{"", filepath.Join(dir, "nope"), t.TempDir()} {
		if _, err := Open(bad, nil); !errors.Is(err, importers.ErrUsage) {
			t.Errorf("Open(%q) = %v, want a usage error", bad, err)
		}
	}
}

func TestWalkStopsAndCancels(t *testing.T) {
	src, err := Open(fixtureDir(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	stop := errors.New("stop")
	n := 0
	err = src.Walk(context.Background(), importers.Folder{"INBOX"}, nil, func(m *importers.Message, err error) error {
		n++
		return stop
	})
	if !errors.Is(err, stop) || n != 1 {
		t.Errorf("Walk = %v after %d calls", err, n)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := src.Walk(ctx, importers.Folder{"INBOX"}, nil, func(*importers.Message, error) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Errorf("canceled Walk = %v", err)
	}
	if err := src.Walk(context.Background(), importers.Folder{"Nope"}, nil, nil); err == nil {
		t.Errorf("Walk of a missing folder succeeded")
	}
	// Date filter: only messages delivered before fxDelivery pass.
	var refs []string
	src.Walk(context.Background(), importers.Folder{"INBOX"}, &importers.WalkOptions{Before: fxDelivery},
		func(m *importers.Message, err error) error { refs = append(refs, filepath.Base(m.Ref)); return nil })
	if len(refs) != 0 {
		t.Errorf("Before filter let through %v", refs)
	}
}

// TestLargeSpool checks that a big message goes to a spool file that is
// removed once the WalkFunc returns.
func TestLargeSpool(t *testing.T) {
	dir, spool := t.TempDir(), t.TempDir()
	big := bytes.Repeat([]byte("0123456789abcdef"), 200<<10) // 3.2 MiB
	m := fxEmbedded()
	m.atts[1].props = []tprop{u(prAttachLongFilename, "big.bin"), l(prAttachMethod, 1), b(prAttachDataBin, big)}
	if err := os.WriteFile(filepath.Join(dir, "big.msg"), m.bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	src, err := Open(dir, &importers.Options{SpoolDir: spool})
	if err != nil {
		t.Fatal(err)
	}
	err = src.Walk(context.Background(), importers.Folder{"INBOX"}, nil, func(msg *importers.Message, err error) error {
		if err != nil {
			return err
		}
		// The spool file is unlinked as soon as it is open (Unix), so at
		// most one name shows; the body is still read from it below.
		if ents, _ := os.ReadDir(spool); len(ents) > 1 {
			t.Errorf("%d spool files during the walk", len(ents))
		}
		rc, _ := msg.Body.Open()
		raw, _ := io.ReadAll(rc)
		rc.Close()
		rb := readMessage(t, raw)
		if !bytes.Equal(rb.parts[len(rb.parts)-1].body, big) {
			t.Errorf("big attachment differs")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if ents, _ := os.ReadDir(spool); len(ents) != 0 {
		t.Errorf("spool files left: %v", ents)
	}
}

// TestBuildFailure checks that a failing Build gives a MessageError and
// leaves no goroutine or spool file behind.
func TestBuildFailure(t *testing.T) {
	spool := t.TempDir()
	src, err := Open(filepath.Join(fixtureDir(t), "unicode-html.msg"), &importers.Options{SpoolDir: spool})
	if err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	src.build = func(w io.Writer, it *outlook.Item) error {
		w.Write(bytes.Repeat([]byte("x"), 2<<20))
		return boom
	}
	var got error
	src.Walk(context.Background(), importers.Folder{"INBOX"}, nil, func(m *importers.Message, err error) error {
		got = err
		return nil
	})
	if !errors.Is(got, boom) {
		t.Errorf("error = %v", got)
	}
	if ents, _ := os.ReadDir(spool); len(ents) != 0 {
		t.Errorf("spool files left: %v", ents)
	}
}

func FuzzParse(f *testing.F) {
	for _, m := range []*tmsg{fxUnicodeHTML(), fxANSI(), fxEmbedded(), fxRTFOnly(), fxSignedMsg()} {
		f.Add(m.bytes())
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		c, err := openCFB(bytes.NewReader(raw), int64(len(raw)))
		if err != nil {
			return
		}
		c.messageClass()
		it, err := c.item()
		if err != nil {
			return
		}
		outlook.Flags(it)
		outlook.InternalDate(it)
		outlook.Build(io.Discard, it)
	})
}

// TestSpoolError checks that a spool that cannot be written reports its
// own error (not Build's closed pipe).
func TestSpoolError(t *testing.T) {
	dir := t.TempDir()
	m := fxEmbedded()
	m.atts[1].props = []tprop{u(prAttachLongFilename, "big.bin"), l(prAttachMethod, 1), b(prAttachDataBin, bytes.Repeat([]byte("x"), 2<<20))}
	if err := os.WriteFile(filepath.Join(dir, "big.msg"), m.bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "no-such-spool-dir")
	src, err := Open(dir, &importers.Options{SpoolDir: missing})
	if err != nil {
		t.Fatal(err)
	}
	var got error
	src.Walk(context.Background(), importers.Folder{"INBOX"}, nil, func(m *importers.Message, err error) error {
		got = err
		return nil
	})
	if got == nil || !strings.Contains(got.Error(), "no-such-spool-dir") {
		t.Errorf("error = %v, want the spool's", got)
	}
}

// TestCorruptionSweep damages the fixtures systematically (every byte
// flipped in turn, truncation at every sector) and checks that parsing
// and building never panic; errors are fine.
func TestCorruptionSweep(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	try := func(raw []byte) {
		c, err := openCFB(bytes.NewReader(raw), int64(len(raw)))
		if err != nil {
			return
		}
		c.messageClass()
		if it, err := c.item(); err == nil {
			outlook.Build(io.Discard, it)
		}
	}
	for _, m := range []*tmsg{fxUnicodeHTML(), fxEmbedded(), fxANSI()} {
		good := m.bytes()
		raw := bytes.Clone(good)
		for i := range raw {
			for _, x := range []byte{0xff, 0x80, 0x01} {
				raw[i] ^= x
				try(raw)
				raw[i] = good[i]
			}
		}
		for n := 0; n < len(good); n += 64 {
			try(good[:n])
		}
	}
}
