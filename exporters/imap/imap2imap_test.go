package imap

import (
	"context"
	"fmt"
	"sort"
	"testing"

	"github.com/mailferry/mailferry/exporters/imap/dovecottest"
	"github.com/mailferry/mailferry/importers"
	imapimp "github.com/mailferry/mailferry/importers/imap"
	"github.com/mailferry/mailferry/importers/importertest"
	"github.com/mailferry/mailferry/internal/engine"
)

func openSource(t *testing.T, url string) *imapimp.Source {
	t.Helper()
	src, err := imapimp.Open(context.Background(), url, testOpts())
	if err != nil {
		t.Fatalf("Open(%s): %v", url, err)
	}
	t.Cleanup(func() { src.Close() })
	return src
}

// msgKey identifies a message with its bytes, flags and internal date.
func msgKey(g importertest.Got) string {
	return fmt.Sprintf("%s|%s|%d", importertest.Hash(g.Raw), importertest.FlagSet(g.Flags), g.Date.Unix())
}

// IMAP to IMAP through the engine: alice on a server with the default
// namespace ("/", no prefix) to bob on a second server with "INBOX." and
// ".". Every message arrives once, byte for byte, with flags and date, in
// the mapped folder (special folders onto the target's SPECIAL-USE ones,
// Japanese and nested names kept); a second run copies nothing.
func TestIMAPToIMAP(t *testing.T) {
	ctx := context.Background()
	from := dovecottest.Start(t, nil)
	to := dovecottest.Start(t, &dovecottest.Config{NamespacePrefix: "INBOX."})
	srcURL, dstURL := userURL(from, "alice"), userURL(to, "bob")

	// Fill alice: the fixture corpus and a generated account.
	for _, src := range []importers.Source{
		&importertest.MemSource{C: importertest.Load(t)},
		&importertest.GenSource{Opt: importertest.GenOptions{Count: 300, Seed: 7, AvgSize: 8 << 10}},
	} {
		eng := &engine.Engine{Src: src, Sink: openSink(t, srcURL, nil)}
		if _, err := eng.Copy(ctx); err != nil {
			t.Fatal(err)
		}
	}
	before := importertest.ReadAll(t, openSource(t, srcURL))

	eng := &engine.Engine{Src: openSource(t, srcURL), Sink: openSink(t, dstURL, nil)}
	plan, err := eng.Copy(ctx)
	if err != nil {
		t.Fatalf("Copy: %v", err)
	}
	tot := plan.Totals()
	if tot.Copied != int64(len(before)) || tot.Duplicates != 0 || plan.Incomplete() {
		t.Fatalf("IMAP to IMAP: copied %d, duplicates %d, problems %v; want %d copied", tot.Copied, tot.Duplicates, plan.Problems, len(before))
	}

	// The same messages, per folder as the plan mapped them.
	dst := openSink(t, dstURL, nil)
	ns := dst.Namespace()
	if ns.Prefix != "INBOX." || ns.Delim != '.' {
		t.Fatalf("target namespace %+v", ns)
	}
	targetOf := map[string]string{}
	for _, fp := range plan.Folders {
		targetOf[fp.SourceP] = fp.Target
	}
	want := map[string][]string{}
	for _, g := range before {
		name := targetOf[g.Folder.String()]
		if name == "" {
			t.Fatalf("source folder %s not in the plan", g.Folder)
		}
		want[name] = append(want[name], msgKey(g))
	}
	got := map[string][]string{}
	for _, g := range importertest.ReadAll(t, openSource(t, dstURL)) {
		name := ns.Mailbox(g.Folder)
		got[name] = append(got[name], msgKey(g))
	}
	for name, ws := range want {
		gs := got[name]
		sort.Strings(ws)
		sort.Strings(gs)
		if fmt.Sprint(ws) != fmt.Sprint(gs) {
			t.Errorf("%s: %d messages on the target, want %d (or bytes/flags/dates differ)", name, len(gs), len(ws))
		}
		delete(got, name)
	}
	for name, gs := range got {
		if len(gs) > 0 {
			t.Errorf("%s: %d unexpected messages on the target", name, len(gs))
		}
	}
	for _, special := range []string{"Sent", "Drafts", "Trash"} {
		if targetOf[special] != "INBOX."+special {
			t.Errorf("%s went to %q, want INBOX.%s", special, targetOf[special], special)
		}
	}
	if targetOf["仕事/重要"] != "INBOX.仕事.重要" || targetOf["Archive/2019"] != "INBOX.Archive.2019" || targetOf["INBOX"] != "INBOX" {
		t.Errorf("folder mapping: %v", targetOf)
	}

	eng2 := &engine.Engine{Src: openSource(t, srcURL), Sink: openSink(t, dstURL, nil)}
	plan2, err := eng2.Copy(ctx)
	if err != nil {
		t.Fatalf("second Copy: %v", err)
	}
	if tot := plan2.Totals(); tot.Copied != 0 || tot.Duplicates != int64(len(before)) {
		t.Errorf("second run: copied %d, duplicates %d; want 0 and %d", tot.Copied, tot.Duplicates, len(before))
	}
}
