package engine_test

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailferry/mailferry/exporters"
	_ "github.com/mailferry/mailferry/exporters/all"
	"github.com/mailferry/mailferry/importers"
	_ "github.com/mailferry/mailferry/importers/all"
	"github.com/mailferry/mailferry/importers/importertest"
	"github.com/mailferry/mailferry/internal/engine"
)

// verifyMaildir runs Verify of src against the maildir tree at dir.
func verifyMaildir(t *testing.T, src importers.Source, dir string, content bool) *engine.VerifyReport {
	t.Helper()
	ctx := context.Background()
	sink, err := exporters.Open(ctx, "maildir:"+dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close()
	v := &engine.Verifier{Src: src, Sink: sink, Content: content}
	if content {
		dst, err := importers.Open(ctx, "maildir:"+dir, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer dst.Close()
		v.Dst = dst
	}
	rep, err := v.Verify(ctx)
	if err != nil {
		t.Fatalf("Verify(content=%v): %v", content, err)
	}
	return rep
}

// messageFiles lists the message files of a Maildir++ tree.
func messageFiles(t *testing.T, dir string) []string {
	var out []string
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && (filepath.Base(filepath.Dir(p)) == "cur" || filepath.Base(filepath.Dir(p)) == "new") {
			out = append(out, p)
		}
		return nil
	})
	return out
}

// TestVerifyMaildir: a copy verifies complete (keys and content); a
// removed message is listed as missing by folder and key, a changed body
// as differing (with content only); the source's duplicates, which the copy
// stored once, are not reported.
func TestVerifyMaildir(t *testing.T) {
	ctx := context.Background()
	src := &importertest.GenSource{Opt: importertest.GenOptions{Count: 300, Seed: 5, AvgSize: 2 << 10}}
	dir := filepath.Join(t.TempDir(), "dst")
	sink, err := exporters.Open(ctx, "maildir:"+dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := (&engine.Engine{Src: src, Sink: sink}).Copy(ctx); err != nil {
		t.Fatal(err)
	}
	sink.Close()
	for _, content := range []bool{false, true} {
		rep := verifyMaildir(t, src, dir, content)
		tot := rep.Totals()
		if !rep.Complete() || tot.Present+tot.Skipped != tot.Messages || tot.Messages != 300 {
			t.Fatalf("content=%v: after copy: %+v, problems %+v", content, tot, rep.Problems)
		}
	}
	// The mutilations: one message removed, one body changed.
	files := messageFiles(t, dir)
	if len(files) < 10 {
		t.Fatalf("only %d files in the copy", len(files))
	}
	if err := os.Remove(files[3]); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(files[7])
	if err != nil {
		t.Fatal(err)
	}
	b = append(b, []byte("tampered\n")...)
	if err := os.WriteFile(files[7], b, 0o600); err != nil {
		t.Fatal(err)
	}
	rep := verifyMaildir(t, src, dir, false)
	if tot := rep.Totals(); rep.Complete() || tot.Missing != 1 || tot.Differing != 0 {
		t.Errorf("keys only, one file removed: %+v, want 1 missing", tot)
	}
	if len(rep.Problems) != 1 || rep.Problems[0].Kind != "missing" || rep.Problems[0].Key == "" || rep.Problems[0].Folder == "" ||
		!strings.Contains(rep.Problems[0].Target, dir) {
		t.Errorf("problems = %+v", rep.Problems)
	}
	rep = verifyMaildir(t, src, dir, true)
	if tot := rep.Totals(); tot.Missing != 1 || tot.Differing != 1 {
		t.Errorf("content, one removed, one changed: %+v, want 1 missing 1 differing; %+v", tot, rep.Problems)
	}
}

// TestLFHashIgnoresLineEndings: CRLF and LF forms of a message have the
// same content hash; one changed byte does not.
func TestLFHashIgnoresLineEndings(t *testing.T) {
	lf := "Message-ID: <a@b>\nSubject: x\n\nline 1\nline 2\n"
	crlf := strings.ReplaceAll(lf, "\n", "\r\n")
	other := strings.Replace(lf, "line 2", "line 3", 1)
	h := func(s string) [32]byte {
		_, sum, err := exporters.KeyAndHash(&importers.Message{Body: importers.BytesBody(s)})
		if err != nil {
			t.Fatal(err)
		}
		return sum
	}
	if h(lf) != h(crlf) || h(lf) != h(lf+"\n") {
		t.Errorf("CRLF/LF or a trailing newline changes the content hash")
	}
	if h(lf) == h(other) {
		t.Errorf("a changed body has the same content hash")
	}
}
