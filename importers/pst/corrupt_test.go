package pst

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailferry/mailferry/importers"
)

// walkLenient walks every folder of s, reading each body, and returns the
// number of messages read and the errors given to the WalkFunc. It fails
// the test when an error hides a recovered panic ("internal error"): a
// panic is survived in production, but here it is a bug.
func walkLenient(t testing.TB, s *Source, label string) (ok int, errs []error) {
	t.Helper()
	ctx := context.Background()
	fis, err := s.Folders(ctx)
	if err != nil {
		t.Fatalf("%s: Folders: %v", label, err)
	}
	for _, fi := range fis {
		err := s.Walk(ctx, fi.Folder, nil, func(m *importers.Message, rerr error) error {
			var se *importers.SkipError
			if errors.As(rerr, &se) {
				return nil // not mail (noloss_outlook_test.go)
			}
			if rerr != nil {
				var me *importers.MessageError
				if !errors.As(rerr, &me) {
					t.Errorf("%s: error is %T, want *importers.MessageError: %v", label, rerr, rerr)
				} else {
					if !strings.HasPrefix(me.Ref, "pst:"+s.path+"#nid=0x") || me.Ref != m.Ref {
						t.Errorf("%s: MessageError.Ref = %q (Message.Ref %q), want pst:%s#nid=0x...", label, me.Ref, m.Ref, s.path)
					}
					if !me.Folder.Equal(fi.Folder) || !m.Folder.Equal(fi.Folder) {
						t.Errorf("%s: MessageError.Folder = %q, want %q", label, me.Folder, fi.Folder)
					}
				}
				if m.Body != nil {
					t.Errorf("%s: %s: error with a body", label, m.Ref)
				}
				if strings.Contains(rerr.Error(), "internal error") {
					t.Errorf("%s: recovered panic: %v", label, rerr)
				}
				errs = append(errs, rerr)
				return nil
			}
			rc, err := m.Body.Open()
			if err != nil {
				t.Fatalf("%s: %s: Open: %v", label, m.Ref, err)
			}
			n, err := io.Copy(io.Discard, rc)
			rc.Close()
			if err != nil || n != m.Body.Len() {
				t.Errorf("%s: %s: read %d of %d bytes: %v", label, m.Ref, n, m.Body.Len(), err)
			}
			ok++
			return nil
		})
		if err != nil {
			if strings.Contains(err.Error(), "internal error") {
				t.Errorf("%s: Walk(%s): recovered panic: %v", label, fi.Folder, err)
			}
			errs = append(errs, err)
		}
	}
	return ok, errs
}

// writeCopy writes data to a file in a temporary directory.
func writeCopy(t testing.TB, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// blockOffset returns where block bid is stored in the file.
func blockOffset(t testing.TB, s *Source, bid uint64) int64 {
	t.Helper()
	e, err := s.f.block(bid)
	if err != nil {
		t.Fatal(err)
	}
	return int64(e.ib)
}

// findMessage returns the NBT entry of the message with subject subj.
func findMessage(t testing.TB, s *Source, subj string) (nbtEntry, *folderNode) {
	t.Helper()
	for _, fo := range s.st.list {
		for _, e := range s.st.msgs[fo.e.nid] {
			it, err := s.st.readItem(s.f.nodeOf(e), 0, nil)
			if err == nil && it.Subject == subj {
				return e, fo
			}
		}
	}
	t.Fatalf("no message %q", subj)
	return nbtEntry{}, nil
}

// TestCorruptItem damages single items of support.pst and checks that
// exactly those items come as errors naming file, folder, NID (and the
// subject when it is still readable), and the 16 others are read.
func TestCorruptItem(t *testing.T) {
	orig, err := os.ReadFile(samplePath(t, "support.pst"))
	if err != nil {
		t.Fatal(err)
	}
	s0, _ := openTest(t, samplePath(t, "support.pst"))
	const subj = "IMPORTANT: Support portal downtime for maintenance"
	e, fo := findMessage(t, s0, subj)

	tests := []struct {
		name      string
		off       int64
		b         byte
		wantSubj  bool
		wantError string
	}{
		// The heap signature of the message's property context (the block
		// is permute-encoded: write the encoding of 0x00).
		{"property context", blockOffset(t, s0, e.bidData) + 2, mpbbR[0x00], false, "heap signature"},
		// The type byte of the subnode block (internal blocks are not
		// encoded): recipients and attachments are lost, the subject is
		// still readable and named.
		{"subnode tree", blockOffset(t, s0, e.bidSub), 0x07, true, "not a subnode block"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := bytes.Clone(orig)
			data[tt.off] = tt.b
			path := writeCopy(t, "damaged.pst", data)
			s, _ := openTest(t, path)
			ok, errs := walkLenient(t, s, tt.name)
			if ok != 16 || len(errs) != 1 {
				t.Fatalf("read %d messages and %d errors (%v), want 16 and 1", ok, len(errs), errs)
			}
			var me *importers.MessageError
			if !errors.As(errs[0], &me) {
				t.Fatalf("error %T", errs[0])
			}
			wantRef := fmt.Sprintf("pst:%s#nid=0x%x", path, e.nid)
			if me.Ref != wantRef || !me.Folder.Equal(fo.path) || !errors.Is(me, ErrCorrupt) {
				t.Errorf("error %q: Ref %q, Folder %q, Is(ErrCorrupt) %v; want Ref %q, Folder %q", me, me.Ref, me.Folder, errors.Is(me, ErrCorrupt), wantRef, fo.path)
			}
			msg := me.Error()
			if !strings.Contains(msg, tt.wantError) || strings.Contains(msg, subj) != tt.wantSubj {
				t.Errorf("error %q: want it to contain %q and the subject: %v", msg, tt.wantError, tt.wantSubj)
			}
			t.Logf("error: %v", me)
		})
	}
}

// TestTruncated cuts support.pst at several offsets: the file either
// fails to open with an error naming it, or the items that lie beyond the
// cut come as errors and the others are read.
func TestTruncated(t *testing.T) {
	orig, err := os.ReadFile(samplePath(t, "support.pst"))
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{len(orig) - 1, len(orig) - 4096, len(orig) * 3 / 4, len(orig) / 2, len(orig) / 4, 70000, 4096, 600, 511, 100, 0} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			path := writeCopy(t, "cut.pst", orig[:n])
			opts, lb := testOptions(t)
			s, err := Open(path, opts)
			if err != nil {
				if !strings.Contains(err.Error(), path) {
					t.Errorf("Open error %q does not name the file", err)
				}
				t.Logf("cut at %d: Open: %v", n, err)
				return
			}
			defer s.Close()
			ok, errs := walkLenient(t, s, fmt.Sprint("cut at ", n))
			// Items listed by a lost part of the node B-tree cannot be
			// named; the loss must be logged.
			if ok+len(errs) != 17 && !strings.Contains(lb.String(), "node B-tree: ") {
				t.Errorf("cut at %d: %d messages + %d errors, want 17 items or a warning about the node B-tree; log:\n%s", n, ok, len(errs), lb)
			}
			for _, e := range errs {
				if !errors.Is(e, ErrCorrupt) {
					t.Errorf("cut at %d: error %v does not wrap ErrCorrupt", n, e)
				}
			}
			t.Logf("cut at %d: %d read, %d errors (first: %v); log:\n%s", n, ok, len(errs), first(errs), lb)
		})
	}
}

func first(errs []error) error {
	if len(errs) == 0 {
		return nil
	}
	return errs[0]
}

// TestBitFlips flips random bytes of support.pst and 32-bit.pst and reads
// everything: no panic (recovered or not), and every failure is an error.
func TestBitFlips(t *testing.T) {
	rounds := 300
	if testing.Short() {
		rounds = 30
	}
	for _, name := range []string{"support.pst", "32-bit.pst"} {
		orig, err := os.ReadFile(samplePath(t, name))
		if err != nil {
			t.Fatal(err)
		}
		rng := rand.New(rand.NewSource(int64(len(orig))))
		stats := map[string]int{}
		for i := 0; i < rounds; i++ {
			data := bytes.Clone(orig)
			for k := 1 + rng.Intn(8); k > 0; k-- {
				data[rng.Intn(len(data))] ^= byte(1 + rng.Intn(255))
			}
			opts, _ := testOptions(t)
			s, err := newSource(bytes.NewReader(data), int64(len(data)), name, opts)
			if err != nil {
				if strings.Contains(err.Error(), "internal error") {
					t.Fatalf("%s round %d: recovered panic in Open: %v", name, i, err)
				}
				stats["open failed"]++
				continue
			}
			ok, errs := walkLenient(t, s, fmt.Sprintf("%s round %d", name, i))
			stats["messages"] += ok
			stats["errors"] += len(errs)
		}
		t.Logf("%s: %d rounds: %v", name, rounds, stats)
	}
}
