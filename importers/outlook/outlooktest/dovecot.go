package outlooktest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/mailferry/mailferry/exporters"
	_ "github.com/mailferry/mailferry/exporters/imap" // the imap:// sink
	"github.com/mailferry/mailferry/exporters/imap/dovecottest"
	"github.com/mailferry/mailferry/importers"
	imapimp "github.com/mailferry/mailferry/importers/imap"
	"github.com/mailferry/mailferry/internal/engine"
)

func password(string, string) (string, error) { return dovecottest.Password, nil }

// walkHashes returns the SHA-256 of every message of src by folder path.
func walkHashes(t testing.TB, src importers.Source) map[string][]string {
	t.Helper()
	ctx := context.Background()
	fis, err := src.Folders(ctx)
	if err != nil {
		t.Fatalf("Folders: %v", err)
	}
	out := map[string][]string{}
	for _, fi := range fis {
		if fi.NoSelect {
			continue
		}
		err := src.Walk(ctx, fi.Folder, nil, func(m *importers.Message, rerr error) error {
			var se *importers.SkipError
			if errors.As(rerr, &se) {
				out[fi.Folder.String()+"\x00skipped"] = append(out[fi.Folder.String()+"\x00skipped"], se.Kind)
				return nil
			}
			if rerr != nil {
				t.Errorf("%s: %v", fi.Folder, rerr)
				return nil
			}
			rc, err := m.Body.Open()
			if err != nil {
				return err
			}
			b, err := io.ReadAll(rc)
			rc.Close()
			if err != nil {
				return err
			}
			if _, _, err := Parts(b); err != nil {
				t.Errorf("%s in %s does not parse with go-message: %v", m.Ref, fi.Folder, err)
			}
			s := sha256.Sum256(b)
			out[fi.Folder.String()] = append(out[fi.Folder.String()], hex.EncodeToString(s[:]))
			return nil
		})
		if err != nil {
			t.Fatalf("Walk(%s): %v", fi.Folder, err)
		}
	}
	return out
}

// CopyToDovecot copies the store that open opens into user's mailbox on
// srv through the normal engine and the imap:// sink, and checks that
//
//   - nothing fails, and every message is copied or is a duplicate (same
//     Message-ID) of one copied into the same target folder;
//   - each target folder holds as many messages as were copied into it,
//     each byte-identical to a source message of a folder mapped to it,
//     and each parses with go-message (every part walked);
//   - a second run copies nothing.
//
// It returns the plan of the first run. The user's mailbox should be
// empty before.
func CopyToDovecot(t *testing.T, srv *dovecottest.Server, user string, open func(t *testing.T) importers.Source) *engine.Plan {
	t.Helper()
	ctx := context.Background()
	url := "imap://" + user + "@" + srv.Addr
	src := open(t)
	srcHashes := walkHashes(t, src)
	run := func() *engine.Plan {
		sink, err := exporters.Open(ctx, url, &importers.Options{Password: password, Role: "target"})
		if err != nil {
			t.Fatal(err)
		}
		defer sink.Close()
		eng := &engine.Engine{Src: src, Sink: sink}
		plan, err := eng.Copy(ctx)
		if err != nil {
			t.Fatalf("Copy: %v", err)
		}
		for _, p := range plan.Problems {
			if p.Kind == "skipped" {
				t.Logf("skipped (not mail): %+v", p)
				continue
			}
			t.Errorf("problem: %+v", p)
		}
		return plan
	}
	plan := run()
	src.Close()

	copied := map[string]int64{}            // target → copied
	allowed := map[string]map[string]bool{} // target → source hashes
	for _, fp := range plan.Folders {
		if fp.Failed != 0 || fp.Errors != 0 || fp.TooBig != 0 || fp.Copied+fp.Duplicates+fp.Skipped != fp.Messages {
			t.Errorf("folder %s → %s: %d messages, copied %d, duplicates %d, skipped %d, failed %d, errors %d, too big %d",
				fp.SourceP, fp.Target, fp.Messages, fp.Copied, fp.Duplicates, fp.Skipped, fp.Failed, fp.Errors, fp.TooBig)
		}
		if n := int64(len(srcHashes[fp.SourceP])); n != fp.Messages-fp.Skipped {
			t.Errorf("folder %s: plan counts %d messages (%d skipped), the source walk gave %d", fp.SourceP, fp.Messages, fp.Skipped, n)
		}
		if n := int64(len(srcHashes[fp.SourceP+"\x00skipped"])); n != fp.Skipped {
			t.Errorf("folder %s: plan counts %d skipped, the source walk gave %d", fp.SourceP, fp.Skipped, n)
		}
		copied[fp.Target] += fp.Copied
		if allowed[fp.Target] == nil {
			allowed[fp.Target] = map[string]bool{}
		}
		for _, h := range srcHashes[fp.SourceP] {
			allowed[fp.Target][h] = true
		}
		t.Logf("%s → %s: %d messages, %d copied, %d duplicates", fp.SourceP, fp.Target, fp.Messages, fp.Copied, fp.Duplicates)
	}

	srv2, err := imapimp.Open(ctx, url, &importers.Options{Password: password})
	if err != nil {
		t.Fatal(err)
	}
	onServer := walkHashes(t, srv2)
	srv2.Close()
	// Plan targets and the IMAP source's folders are both "/"-joined.
	norm := func(s string) string {
		if strings.EqualFold(s, "INBOX") {
			return "INBOX"
		}
		return s
	}
	got := map[string][]string{}
	for f, hs := range onServer {
		got[norm(f)] = append(got[norm(f)], hs...)
	}
	total := int64(0)
	for target, n := range copied {
		hs := got[norm(target)]
		if int64(len(hs)) != n {
			t.Errorf("server folder %s holds %d messages, %d were copied into it", target, len(hs), n)
		}
		for _, h := range hs {
			if !allowed[target][h] {
				t.Errorf("server folder %s holds a message (sha256 %s) that is no source message of it", target, h[:12])
			}
		}
		delete(got, norm(target))
		total += n
	}
	for f, hs := range got {
		if len(hs) > 0 {
			t.Errorf("server folder %s holds %d messages nothing was copied into", f, len(hs))
		}
	}
	if total == 0 {
		t.Fatal("nothing copied")
	}

	src = open(t)
	defer src.Close()
	again := run()
	if tot := again.Totals(); tot.Copied != 0 || tot.Duplicates+tot.Skipped != tot.Messages {
		t.Errorf("second run: copied %d, duplicates %d, skipped %d of %d messages; want 0 copied", tot.Copied, tot.Duplicates, tot.Skipped, tot.Messages)
	}
	return plan
}
