package engine_test

import (
	"context"
	"strings"
	"testing"

	"github.com/emersion/go-imap/v2"
	"github.com/mailferry/mailferry/exporters"
	"github.com/mailferry/mailferry/exporters/exportertest"
	"github.com/mailferry/mailferry/importers"
	"github.com/mailferry/mailferry/internal/engine"
)

// namerSink is a MemSink whose names collide as a server's with "." as
// separator ('.' and '/' in an element become '_') or a case-insensitive
// file system's would.
type namerSink struct {
	*exportertest.MemSink
	fold bool
}

func (s *namerSink) FolderKey(f importers.Folder) string {
	out := make([]string, len(f))
	for i, e := range f {
		e = strings.NewReplacer(".", "_", "/", "_").Replace(e)
		if s.fold {
			e = strings.ToLower(e)
		}
		out[i] = e
	}
	return strings.Join(out, ".")
}

func (s *namerSink) NameKey(name string) string {
	if s.fold {
		return strings.ToLower(name)
	}
	return name
}

func folders(paths ...string) []importers.FolderInfo {
	var out []importers.FolderInfo
	for _, p := range paths {
		out = append(out, importers.FolderInfo{Folder: engine.ParseFolder(p)})
	}
	return out
}

func mapAll(mp *engine.Mapper, fis []importers.FolderInfo, sink exporters.Sink) map[string]string {
	out := map[string]string{}
	for i, m := range mp.MapAll(fis, sink) {
		out[fis[i].Folder.String()] = m.String()
	}
	return out
}

// MapAll: "a.b" and "a_b" (and their subfolders) stay apart where "."
// cannot be in a name, the one the sink keeps verbatim keeps its name, the
// other gets a stable hash suffix; the result does not depend on the
// order of the source's folders; folders that Map sends to one place on
// purpose (INBOX, special folders, a source's own Target) stay together.
func TestMapAllKeepsDistinctFoldersApart(t *testing.T) {
	sink := &namerSink{MemSink: exportertest.NewMemSink()}
	var mp engine.Mapper
	fis := folders("Inbox", "a.b", "a_b", "a.b/x", "a_b/x", "c", "Sent", "sent")
	got := mapAll(&mp, fis, sink)
	if got["a_b"] != "a_b" || got["a_b/x"] != "a_b/x" {
		t.Errorf("a_b kept as it is? got %v", got)
	}
	ab := got["a.b"]
	if !strings.HasPrefix(ab, "a.b"+engine.UniqueSuffix) || len(ab) != len("a.b~12345678") {
		t.Errorf("a.b -> %q, want a.b~ and 8 hex digits", ab)
	}
	if got["a.b/x"] != ab+"/x" {
		t.Errorf("a.b/x -> %q, want below %q", got["a.b/x"], ab)
	}
	if got["Inbox"] != "INBOX" || got["c"] != "c" {
		t.Errorf("untouched folders changed: %v", got)
	}
	if got["Sent"] != "Sent (\\Sent)" || got["sent"] != "sent (\\Sent)" {
		t.Errorf("special folders: %q %q, want both kept for the sink's Sent folder", got["Sent"], got["sent"])
	}
	// Reversed order: the same names.
	rev := make([]importers.FolderInfo, len(fis))
	for i := range fis {
		rev[len(fis)-1-i] = fis[i]
	}
	if again := mapAll(&mp, rev, sink); !equalMaps(again, got) {
		t.Errorf("reversed source order: %v, want %v", again, got)
	}
	// Case: Foo and foo collide only where case is folded.
	fis = folders("Foo", "foo", "Bar")
	if got := mapAll(&mp, fis, sink); got["Foo"] != "Foo" || got["foo"] != "foo" {
		t.Errorf("case-sensitive sink renamed: %v", got)
	}
	ci := &namerSink{MemSink: exportertest.NewMemSink(), fold: true}
	got = mapAll(&mp, fis, ci)
	if got["Foo"] == got["foo"] || got["Foo"] != "Foo" && got["foo"] != "foo" || got["Bar"] != "Bar" {
		t.Errorf("case-insensitive sink: %v, want Foo and foo apart, one of them unchanged", got)
	}
	// Sources mapped together on purpose stay together: two accounts'
	// Inbox (FolderInfo.Target), --folder-map.
	fis = []importers.FolderInfo{
		{Folder: importers.Folder{"Inbox"}},
		{Folder: importers.Folder{"pop.example.com", "Inbox"}, Target: importers.Folder{"Inbox"}},
		{Folder: importers.Folder{"pop.example.com", "Sent"}, Target: importers.Folder{"Sent"}},
		{Folder: importers.Folder{"Old"}},
		{Folder: importers.Folder{"Older"}},
	}
	mp = engine.Mapper{Rules: []engine.FolderRule{{Old: "Old", New: "Archive"}, {Old: "Older", New: "archive"}}}
	got = mapAll(&mp, fis, ci)
	if got["Inbox"] != "INBOX" || got["pop.example.com/Inbox"] != "INBOX" || got["pop.example.com/Sent"] != "Sent (\\Sent)" {
		t.Errorf("accounts: %v", got)
	}
	if got["Old"] == got["Older"] {
		t.Errorf("--folder-map to Archive and archive on a case-insensitive sink: both %q", got["Old"])
	}
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// Copy creates the target folders of empty source folders, counts them,
// and a re-run finds them.
func TestCopyCreatesEmptyFolders(t *testing.T) {
	src := exportertest.NewMemSink()
	ctx := context.Background()
	for _, f := range []string{"Empty", "Empty/Deeper", "Full"} {
		tg, _ := src.Resolve(ctx, engine.ParseFolder(f), "")
		if err := tg.Create(ctx); err != nil {
			t.Fatal(err)
		}
	}
	tg, _ := src.Resolve(ctx, importers.Folder{"Full"}, "")
	msg := "Message-ID: <1@x>\r\nSubject: x\r\n\r\nbody\r\n"
	if err := tg.Append(ctx, &importers.Message{Ref: "1", Flags: []imap.Flag{}}, int64(len(msg)), strings.NewReader(msg)); err != nil {
		t.Fatal(err)
	}
	dst := exportertest.NewMemSink()
	for _, dry := range []bool{true, false} {
		eng := &engine.Engine{Src: src.Source(), Sink: dst, Opts: engine.Options{DryRun: dry}}
		plan, err := eng.Copy(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := 2
		if dry {
			want = 0
		}
		if plan.CreatedEmpty != want {
			t.Errorf("dry run %v: CreatedEmpty %d, want %d", dry, plan.CreatedEmpty, want)
		}
		for _, f := range []string{"Empty", "Empty/Deeper"} {
			tg, _ := dst.Resolve(ctx, engine.ParseFolder(f), "")
			if tg.Exists() == dry {
				t.Errorf("dry run %v: folder %s exists: %v", dry, f, tg.Exists())
			}
		}
	}
	eng := &engine.Engine{Src: src.Source(), Sink: dst}
	plan, _, err := eng.Plan(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, fp := range plan.Folders {
		if !fp.Exists {
			t.Errorf("re-run plan: %s -> %s still new", fp.SourceP, fp.Target)
		}
	}
}

// MapAll: a source server that reports one special use on two folders
// (Cyrus 3.6 did: \Sent on Customers beside Sent) keeps it on the folder
// with the usual name; the other keeps its own name instead of being
// merged into the target's Sent folder, whatever the order.
func TestMapAllOneFolderPerSpecialUse(t *testing.T) {
	sink := &namerSink{MemSink: exportertest.NewMemSink()}
	var mp engine.Mapper
	fis := []importers.FolderInfo{
		{Folder: importers.Folder{"Customers"}, Use: imap.MailboxAttrSent},
		{Folder: importers.Folder{"Customers", "Acme"}},
		{Folder: importers.Folder{"Sent"}, Use: imap.MailboxAttrSent},
		{Folder: importers.Folder{"Lists", "Drafts-old"}, Use: imap.MailboxAttrDrafts},
		{Folder: importers.Folder{"Work"}, Use: imap.MailboxAttrDrafts},
	}
	want := map[string]string{
		"Customers": "Customers", "Customers/Acme": "Customers/Acme", "Sent": "Sent (\\Sent)",
		"Lists/Drafts-old": "Lists/Drafts-old", "Work": "Work (\\Drafts)",
	}
	if got := mapAll(&mp, fis, sink); !equalMaps(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	rev := make([]importers.FolderInfo, len(fis))
	for i := range fis {
		rev[len(fis)-1-i] = fis[i]
	}
	if got := mapAll(&mp, rev, sink); !equalMaps(got, want) {
		t.Errorf("reversed: got %v, want %v", got, want)
	}
}
