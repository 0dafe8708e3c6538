package imapclient

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/mailferry/mailferry/exporters/imap/dovecottest"
	"github.com/mailferry/mailferry/importers"
)

func TestEncodeMailbox(t *testing.T) {
	for in, want := range map[string]string{
		"INBOX":              "INBOX",
		"仕事":                 "&TtVOiw-",
		"見積":                 "&iYt6TQ-",
		"A&B":                "A&-B",
		"~peter/mail/台北/日本語": "~peter/mail/&U,BTFw-/&ZeVnLIqe-", // RFC 3501 5.1.3
		"Entwürfe":           "Entw&APw-rfe",
		"":                   "",
		"送信済みアイテム":           "&kAFP4W4IMH8wojCkMMYw4A-",
	} {
		if got := EncodeMailbox(in); got != want {
			t.Errorf("EncodeMailbox(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestStatusError(t *testing.T) {
	err := statusError("NO [OVERQUOTA] Quota exceeded (mailbox for user is full)")
	var ie *imap.Error
	if !errors.As(err, &ie) || ie.Code != imap.ResponseCodeOverQuota || ie.Type != imap.StatusResponseTypeNo || !strings.HasPrefix(ie.Text, "Quota exceeded") {
		t.Errorf("statusError = %#v", err)
	}
	if statusError("OK APPEND completed") != nil {
		t.Errorf("OK is not an error")
	}
	if n, ok := literalSize("* 1 FETCH (BODY[] {123}"); !ok || n != 123 {
		t.Errorf("literalSize = %d, %v", n, ok)
	}
}

// MULTIAPPEND on a real Dovecot: all messages arrive byte for byte with
// flags and dates, in a Japanese-named mailbox; over quota, none does.
func TestRawMultiAppend(t *testing.T) {
	srv := dovecottest.Start(t, nil)
	ctx := context.Background()
	pw := func(string, string) (string, error) { return dovecottest.Password, nil }
	for _, user := range []string{"alice", "small"} {
		ep, err := ParseURL("imap://" + user + "@" + srv.Addr)
		if err != nil {
			t.Fatal(err)
		}
		sess := NewSession(ep, &importers.Options{Password: pw}, "target")
		rc, err := sess.DialRaw(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer rc.Close()
		if !rc.Has("MULTIAPPEND") || !rc.Has("LITERAL+") {
			t.Fatalf("Dovecot without MULTIAPPEND/LITERAL+?")
		}
		c := srv.Dial(t, user)
		if err := c.Create("仕事", nil).Wait(); err != nil {
			t.Fatal(err)
		}
		date := time.Date(2019, 3, 4, 5, 6, 7, 0, time.FixedZone("", 9*3600))
		var msgs []RawMessage
		size := 10 << 10
		if user == "small" {
			size = 200 << 10 // 6 × 200 KiB > 1 MiB: the whole batch is refused
		}
		for i := 0; i < 6; i++ {
			body := fmt.Sprintf("Message-ID: <raw%d@test>\r\nSubject: %d\r\n\r\n%s\r\n", i, i, strings.Repeat("x", size))
			msgs = append(msgs, RawMessage{Flags: []imap.Flag{imap.FlagSeen, "$Forwarded", `\Recent`, "bad(flag"}, Date: date, Data: []byte(body)})
		}
		err = rc.Append(ctx, "仕事", msgs)
		if _, err := c.Select("仕事", nil).Wait(); err != nil {
			t.Fatal(err)
		}
		var seq imap.SeqSet
		seq.AddRange(1, 0)
		got, err2 := c.Fetch(seq, &imap.FetchOptions{Flags: true, InternalDate: true, BodySection: []*imap.FetchItemBodySection{{Peek: true}}}).Collect()
		if user == "small" {
			var ie *imap.Error
			if !errors.As(err, &ie) || ie.Code != imap.ResponseCodeOverQuota {
				t.Fatalf("MULTIAPPEND over quota: err = %v, want NO [OVERQUOTA]", err)
			}
			if err2 == nil && len(got) != 0 {
				t.Errorf("a refused MULTIAPPEND stored %d messages", len(got))
			}
			// The connection is still usable.
			if err := rc.Append(ctx, "仕事", msgs[:1]); err != nil {
				t.Errorf("one 200 KiB message into 1 MiB after the refusal: %v, want it stored", err)
			}
			continue
		}
		if err != nil || err2 != nil {
			t.Fatalf("MULTIAPPEND: %v; FETCH: %v", err, err2)
		}
		if len(got) != len(msgs) {
			t.Fatalf("server holds %d messages, want %d", len(got), len(msgs))
		}
		for i, m := range got {
			b := m.FindBodySection(&imap.FetchItemBodySection{})
			if sha256.Sum256(b) != sha256.Sum256(msgs[i].Data) {
				t.Errorf("message %d differs", i)
			}
			if !m.InternalDate.Equal(date) {
				t.Errorf("message %d: date %v, want %v", i, m.InternalDate, date)
			}
			if fs := fmt.Sprint(m.Flags); !strings.Contains(fs, `\Seen`) || !strings.Contains(fs, "$Forwarded") || strings.Contains(fs, "bad") {
				t.Errorf("message %d: flags %v", i, m.Flags)
			}
		}
	}
}
