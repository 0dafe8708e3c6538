package pst

import (
	"bytes"
	"context"
	"encoding/base64"
	"flag"
	"fmt"
	"io"
	"mime"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mailferry/mailferry/importers/outlook"
	"golang.org/x/text/encoding/htmlindex"
)

var update = flag.Bool("update", false, "rewrite the generated fixtures in testdata/pst")

// fixtureDir is the repository's testdata/pst.
const fixtureDir = "../../testdata/pst"

func bigData(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + i/251)
	}
	return b
}

// fixtures are the generated PST files: name → store.
func fixtures() map[string]*wStore {
	t0 := time.Date(2003, 4, 5, 6, 7, 8, 0, time.UTC)
	jp := func(cp int) []*wFolder {
		return []*wFolder{
			{name: "Deleted Items", msgs: []*wMsg{
				{class: "IPM.Note", subject: "deleted one", body: "gone\r\n", from: "Alice", fromAddr: "alice@example.com",
					to: []string{"Bob|bob@example.com"}, mid: "<del1@example.com>", submit: t0, delivery: t0, flags: 1, cp: cp},
			}},
			{name: "受信トレイ", class: "IPF.Note", msgs: []*wMsg{
				{class: "IPM.Note", subject: "会議の件について", body: "本文です。\r\nよろしくお願いします。\r\n", from: "山田太郎", fromAddr: "yamada@example.jp",
					to: []string{"鈴木|suzuki@example.jp"}, cc: []string{"Carol|carol@example.com"}, mid: "<jp1@example.jp>",
					submit: t0, delivery: t0.Add(time.Minute), flags: 1, inetCP: 50220, subjectRE: true},
				{class: "IPM.Note", subject: "添付ファイル", body: "添付します\r\n", from: "Alice", fromAddr: "alice@example.com",
					to: []string{"Bob|bob@example.com"}, mid: "<att1@example.com>", submit: t0, delivery: t0, cp: cp,
					headers: "Received: from mx.example.com\r\nMessage-ID: <att1@example.com>\r\nSubject: =?ISO-2022-JP?B?GyRCRTpJVSVVJSElJCVrGyhC?=\r\nFrom: Alice <alice@example.com>\r\nTo: Bob <bob@example.com>\r\nDate: Sat, 05 Apr 2003 06:07:08 +0000\r\n\r\n",
					atts: []*wAtt{
						{name: "big.bin", mime: "application/octet-stream", data: bigData(20000)},
						{name: "メモ.txt", mime: "text/plain", data: []byte("small\r\n")},
						{name: "fwd.msg", embedded: &wMsg{class: "IPM.Note", subject: "埋め込み", body: "inner body\r\n",
							from: "Dave", fromAddr: "dave@example.com", to: []string{"Bob|bob@example.com"}, mid: "<inner@example.com>", submit: t0, cp: cp,
							atts: []*wAtt{{name: "deep.txt", data: []byte("deep attachment\r\n")}}}},
					}},
				{class: "IPM.Schedule.Meeting.Request", subject: "Weekly sync", body: "Please come.\r\n", from: "Alice", fromAddr: "alice@example.com",
					to: []string{"Bob|bob@example.com"}, mid: "<mtg1@example.com>", submit: t0, delivery: t0, cp: cp},
				{class: "IPM.Note.SMIME.MultipartSigned", subject: "signed", body: "", from: "Alice", fromAddr: "alice@example.com",
					mid: "<smime1@example.com>", submit: t0, delivery: t0, cp: cp,
					atts: []*wAtt{{name: "smime.p7m", mime: "multipart/signed", data: []byte("Content-Type: text/plain\r\n\r\nsigned text\r\n")}}},
				{noClass: true, subject: "no class at all", body: "x\r\n", mid: "<noclass@example.com>", submit: t0, cp: cp},
				{class: "IPM.TaskRequest", subject: "Please do this", body: "task\r\n", from: "Alice", fromAddr: "alice@example.com", mid: "<task1@example.com>", submit: t0, cp: cp},
				{class: "IPM.Post", subject: "A post", body: "posted\r\n", from: "Alice", fromAddr: "alice@example.com", submit: t0, cp: cp},
			}, children: []*wFolder{
				{name: "Projects", class: "IPF.Note", children: []*wFolder{
					{name: "2019", class: "IPF.Note", msgs: []*wMsg{
						{class: "IPM.Note", subject: "nested", body: "deep\r\n", from: "Alice", fromAddr: "alice@example.com", mid: "<nested@example.com>", submit: t0, delivery: t0, cp: cp},
					}},
				}},
			}},
			{name: "Sent Items", class: "IPF.Note", msgs: []*wMsg{
				{class: "IPM.Note", subject: "送信済み", body: "sent\r\n", from: "Alice", fromAddr: "alice@example.com", to: []string{"Bob|bob@example.com"},
					mid: "<sent1@example.com>", submit: t0, flags: 1, cp: cp},
			}},
			{name: "Calendar", class: "IPF.Appointment", msgs: []*wMsg{
				{class: "IPM.Appointment", subject: "Lunch", body: "food\r\n", submit: t0, cp: cp},
			}},
			{name: "Contacts", class: "IPF.Contact", msgs: []*wMsg{
				{class: "IPM.Contact", subject: "Bob", cp: cp},
			}},
		}
	}
	return map[string]*wStore{
		"ansi-932.pst":       {name: "個人用フォルダ", unicode: false, crypt: cryptPermute, cp: 932, folders: jp(932)},
		"unicode-cyclic.pst": {name: "Outlook Data File", unicode: true, crypt: cryptCyclic, folders: jp(0)},
		"ansi-plain.pst": {name: "Personal Folders", unicode: false, crypt: cryptNone, cp: 1252, folders: []*wFolder{
			{name: "Inbox", msgs: []*wMsg{
				{class: "IPM.Note", subject: "Café crème", body: "Grüße\r\n", from: "Zoë", fromAddr: "zoe@example.com", to: []string{"Bob|bob@example.com"},
					mid: "<w1@example.com>", submit: t0, delivery: t0, cp: 1252},
				{class: "IPM.Note", subject: "no codepage", body: "naïve\r\n", mid: "<w2@example.com>", submit: t0},
			}},
		}},
	}
}

// TestFixtures checks that testdata/pst holds what the writer produces
// (go test -run Fixtures -update rewrites them).
func TestFixtures(t *testing.T) {
	for name, st := range fixtures() {
		data := writePST(st)
		path := filepath.Join(fixtureDir, name)
		if *update {
			if err := os.WriteFile(path, data, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		old, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run go test -run Fixtures -update)", err)
		}
		if !bytes.Equal(old, data) {
			t.Errorf("%s differs from what the writer produces (run go test -run Fixtures -update)", path)
		}
	}
}

func fixturePath(name string) string { return filepath.Join(fixtureDir, name) }

// itemBySubject reads the items of s and returns the one with subject.
func itemBySubject(t *testing.T, s *Source, subject string) *outlook.Item {
	t.Helper()
	for _, fo := range s.st.list {
		for _, e := range s.st.msgs[fo.e.nid] {
			it, err := s.st.readItem(s.f.nodeOf(e), 0, nil)
			if err != nil {
				t.Fatalf("0x%x: %v", e.nid, err)
			}
			if it.Subject == subject {
				return it
			}
		}
	}
	t.Fatalf("no item with subject %q", subject)
	return nil
}

func readAtt(t *testing.T, a outlook.Attachment) []byte {
	t.Helper()
	if a.Open == nil {
		t.Fatalf("attachment %q has no data", a.Filename)
	}
	rc, err := a.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("attachment %q: %v", a.Filename, err)
	}
	if int64(len(b)) != a.Size {
		t.Errorf("attachment %q: Size %d, read %d bytes", a.Filename, a.Size, len(b))
	}
	return b
}

// TestFixtureJapanese reads the generated ANSI (cp932, permute encoding)
// and Unicode (cyclic encoding) files with the same content: readpst must
// agree on counts and Message-IDs, and our reader must decode the
// Japanese names and strings, attachments split over several blocks and
// an embedded message with its own attachment.
func TestFixtureJapanese(t *testing.T) {
	for _, name := range []string{"ansi-932.pst", "unicode-cyclic.pst"} {
		t.Run(name, func(t *testing.T) {
			path := fixturePath(name)
			ours := compareWithReadpst(t, path)
			s, lb := openTest(t, path)
			if got := len(ours); got != 10 {
				t.Errorf("%d messages, want 10", got)
			}
			walkAll(t, s)
			fis, err := s.Folders(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			var list []string
			for _, fi := range fis {
				list = append(list, fmt.Sprintf("%s=%d%s", fi.Folder, fi.Messages, fi.Use))
			}
			want := `Deleted Items=1\Trash 受信トレイ=7 受信トレイ/Projects=0 受信トレイ/Projects/2019=1 Sent Items=1 Calendar=1 Contacts=1`
			if got := strings.Join(list, " "); got != want {
				t.Errorf("folders:\n got %s\nwant %s", got, want)
			}
			if !s.f.unicode {
				if s.st.cp != 932 {
					t.Errorf("store code page %d, want 932", s.st.cp)
				}
			}
			if s.st.name != map[string]string{"ansi-932.pst": "個人用フォルダ", "unicode-cyclic.pst": "Outlook Data File"}[name] {
				t.Errorf("store name %q", s.st.name)
			}
			for _, want := range []string{`folder=Calendar items=1 classes="IPM.Appointment=1"`, `folder=Contacts items=1 classes="IPM.Contact=1"`} {
				if !strings.Contains(lb.String(), want) {
					t.Errorf("log lacks %s:\n%s", want, lb)
				}
			}

			// The subject's 0x01 prefix marker is removed; the 8-bit
			// strings of an item with only PR_INTERNET_CPID 50220 are
			// Shift_JIS (cp932), not ISO-2022-JP.
			it := itemBySubject(t, s, "会議の件について")
			if it.Body != "本文です。\r\nよろしくお願いします。\r\n" || it.From.Name != "山田太郎" || len(it.To) != 1 || it.To[0].Name != "鈴木" || len(it.Cc) != 1 || it.Cc[0].Address != "carol@example.com" {
				t.Errorf("item: body %q from %+v to %+v cc %+v", it.Body, it.From, it.To, it.Cc)
			}
			if !it.DeliveryTime.Equal(time.Date(2003, 4, 5, 6, 8, 8, 0, time.UTC)) || it.MessageFlags != 1 {
				t.Errorf("delivery %v flags %d", it.DeliveryTime, it.MessageFlags)
			}

			it = itemBySubject(t, s, "添付ファイル")
			if len(it.Attachments) != 3 || !strings.HasPrefix(it.TransportHeaders, "Received: from mx.example.com\r\n") {
				t.Fatalf("%d attachments, headers %q", len(it.Attachments), it.TransportHeaders)
			}
			if b := readAtt(t, it.Attachments[0]); !bytes.Equal(b, bigData(20000)) || it.Attachments[0].Filename != "big.bin" {
				t.Errorf("big.bin: %d bytes, equal %v", len(b), bytes.Equal(b, bigData(20000)))
			}
			if b := readAtt(t, it.Attachments[1]); string(b) != "small\r\n" || it.Attachments[1].Filename != "メモ.txt" || it.Attachments[1].MimeType != "text/plain" {
				t.Errorf("second attachment %q: %q", it.Attachments[1].Filename, b)
			}
			emb := it.Attachments[2].Embedded
			if it.Attachments[2].Method != attachEmbedded || emb == nil {
				t.Fatalf("third attachment: method %d, embedded %v", it.Attachments[2].Method, emb)
			}
			if emb.Subject != "埋め込み" || emb.MessageID != "<inner@example.com>" || len(emb.Attachments) != 1 {
				t.Fatalf("embedded: %q %q %d attachments", emb.Subject, emb.MessageID, len(emb.Attachments))
			}
			if b := readAtt(t, emb.Attachments[0]); string(b) != "deep attachment\r\n" {
				t.Errorf("embedded attachment: %q", b)
			}

			// Through the whole pipeline: the built message names the
			// subject in RFC 2047 and carries the attachment bytes.
			subjects := map[string]bool{}
			for _, g := range ours {
				if g.err != nil {
					t.Errorf("%s: %v", g.ref, g.err)
					continue
				}
				dec := &mime.WordDecoder{CharsetReader: func(cs string, r io.Reader) (io.Reader, error) {
					e, err := htmlindex.Get(cs)
					if err != nil {
						return nil, err
					}
					return e.NewDecoder().Reader(r), nil
				}}
				subj, err := dec.DecodeHeader(headerField(g.raw, "Subject"))
				if err != nil {
					t.Errorf("%s: Subject: %v", g.ref, err)
				}
				subjects[subj] = true
				if subj == "添付ファイル" && !bytes.Contains(g.raw, []byte(base64.StdEncoding.EncodeToString(bigData(20000))[:76])) {
					t.Errorf("%s: built message lacks big.bin", g.ref)
				}
			}
			for _, want := range []string{"会議の件について", "添付ファイル", "送信済み", "nested"} {
				if !subjects[want] {
					t.Errorf("no built message with Subject %q (have %v)", want, subjects)
				}
			}
		})
	}
}

// TestFixtureWestern reads an ANSI file without encoding, with windows-1252
// strings: one item names its code page, the other names none and is
// decoded with the code page the store's items name.
func TestFixtureWestern(t *testing.T) {
	path := fixturePath("ansi-plain.pst")
	compareWithReadpst(t, path)
	s, _ := openTest(t, path)
	if s.st.cp != 1252 || s.f.crypt != cryptNone {
		t.Errorf("code page %d, encoding %d", s.st.cp, s.f.crypt)
	}
	if it := itemBySubject(t, s, "Café crème"); it.Body != "Grüße\r\n" || it.From.Name != "Zoë" {
		t.Errorf("item: %q %+v", it.Body, it.From)
	}
	if it := itemBySubject(t, s, "no codepage"); it.Body != "naïve\r\n" {
		t.Errorf("item without code page: body %q", it.Body)
	}
}
