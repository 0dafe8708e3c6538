package imap

import (
	"context"
	"strings"
	"testing"

	"github.com/emersion/go-imap/v2"
	"github.com/mailferry/mailferry/dedupe"
	"github.com/mailferry/mailferry/exporters/imap/dovecottest"
	"github.com/mailferry/mailferry/importers"
)

// TestSweepDuplicates: after the folder was keyed, this run stores A and
// a late writer (a killed earlier run's APPEND the server committed late)
// stores A too: the sweep removes the later copy. Not touched: a duplicate
// pair that was there before the folder was keyed, a message of another
// key, and a same-key message with other content.
func TestSweepDuplicates(t *testing.T) {
	srv := dovecottest.Start(t, nil)
	ctx := context.Background()
	other := srv.Dial(t, "alice")
	appendRaw := func(raw string) {
		t.Helper()
		cmd := other.Append("INBOX", int64(len(raw)), nil)
		cmd.Write([]byte(raw))
		cmd.Close()
		if _, err := cmd.Wait(); err != nil {
			t.Fatal(err)
		}
	}
	msg := func(id, body string) string {
		return "Message-ID: <" + id + "@sweep.test>\r\nSubject: " + id + "\r\n\r\n" + body + "\r\n"
	}
	appendRaw(msg("old", "old"))
	appendRaw(msg("old", "old")) // duplicates from before: not ours to touch

	s := openSink(t, userURL(srv, "alice"), nil)
	tg, err := s.Resolve(ctx, importers.Folder{"INBOX"}, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := tg.Keys(ctx, func(dedupe.Key) error { return nil }); err != nil {
		t.Fatal(err)
	}
	ours := func(raw string) {
		t.Helper()
		if err := tg.Append(ctx, &importers.Message{Ref: "test"}, int64(len(raw)), strings.NewReader(raw)); err != nil {
			t.Fatal(err)
		}
	}
	ours(msg("a", "body a"))
	appendRaw(msg("a", "body a")) // the late commit
	appendRaw(msg("b", "body b"))
	ours(msg("c", "body c"))
	appendRaw(msg("c", "another body c")) // same Message-ID, other content
	n, err := tg.(*Target).SweepDuplicates(ctx)
	if err != nil || n != 1 {
		t.Fatalf("SweepDuplicates = %d, %v; want 1", n, err)
	}
	var all imap.UIDSet
	all.AddRange(1, 0)
	if _, err := other.Select("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	msgs, err := other.Fetch(all, &imap.FetchOptions{UID: true, Envelope: true}).Collect()
	if err != nil {
		t.Fatal(err)
	}
	var subjects []string
	for _, m := range msgs {
		subjects = append(subjects, m.Envelope.Subject)
	}
	if got := strings.Join(subjects, " "); got != "old old a b c c" {
		t.Errorf("after the sweep INBOX holds %q, want %q", got, "old old a b c c")
	}
	// A second sweep finds nothing.
	if n, err := tg.(*Target).SweepDuplicates(ctx); err != nil || n != 0 {
		t.Errorf("second sweep = %d, %v", n, err)
	}
}
