package pst

import (
	"context"
	"io"
	"testing"

	"github.com/mailferry/mailferry/importers"
	"github.com/mailferry/mailferry/importers/outlook"
)

// The plan's sized build (attachments counted, not read: outlook.Sizer)
// gives every message exactly the length, CRLF length and key of a whole
// build, and it does skip attachments in the sample PSTs.
func TestSizedPlanBuildSameAsWhole(t *testing.T) {
	paths := []string{fixturePath("ansi-932.pst"), fixturePath("unicode-cyclic.pst"), fixturePath("ansi-plain.pst")}
	if !testing.Short() {
		paths = append(paths, samplePath(t, "support.pst"), samplePath(t, "enron.pst"))
	}
	for _, p := range paths {
		s, err := Open(p, &importers.Options{SpoolDir: t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		sized, msgs := 0, 0
		s.hooks.build = func(w io.Writer, it *outlook.Item) error {
			pw, ok := w.(*planWriter)
			if !ok {
				return outlook.Build(w, it)
			}
			msgs++
			whole := &planWriter{}
			werr := outlook.Build(struct{ io.Writer }{whole}, it)
			err := outlook.Build(pw, it)
			if (err == nil) != (werr == nil) {
				t.Errorf("%s: sized build error %v, whole build error %v", p, err, werr)
			}
			if pw.skipped > 0 {
				sized++
			}
			wk, wok := whole.key()
			sk, sok := pw.key()
			if pw.crlf.N != whole.crlf.N || pw.crlf.Len() != whole.crlf.Len() || (sok && (!wok || sk != wk)) {
				t.Errorf("%s: %q: sized %d bytes (CRLF %d, key %s %v), whole %d (CRLF %d, key %s %v)", p, it.Subject,
					pw.crlf.N, pw.crlf.Len(), sk, sok, whole.crlf.N, whole.crlf.Len(), wk, wok)
			}
			return err
		}
		ctx := context.Background()
		fis, err := s.Folders(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, fi := range fis {
			if err := s.Walk(ctx, fi.Folder, &importers.WalkOptions{HeadersOnly: true}, func(*importers.Message, error) error { return nil }); err != nil {
				t.Fatal(err)
			}
		}
		s.Close()
		t.Logf("%s: %d builds, %d with attachments counted instead of read", p, msgs, sized)
	}
}
