package pst

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/mailferry/mailferry/importers"
	"github.com/mailferry/mailferry/importers/outlook"
)

func TestWalkControl(t *testing.T) {
	s, _ := openTest(t, fixturePath("ansi-932.pst"))
	ctx := context.Background()
	inbox := importers.Folder{"受信トレイ"}

	// fn's error stops the walk and is returned.
	stop := errors.New("stop")
	n := 0
	err := s.Walk(ctx, inbox, nil, func(m *importers.Message, err error) error { n++; return stop })
	if !errors.Is(err, stop) || n != 1 {
		t.Errorf("Walk with a failing fn: %v after %d calls, want stop after 1", err, n)
	}

	// A cancelled context stops the walk.
	cctx, cancel := context.WithCancel(ctx)
	n = 0
	err = s.Walk(cctx, inbox, nil, func(m *importers.Message, err error) error { n++; cancel(); return nil })
	if !errors.Is(err, context.Canceled) || n != 1 {
		t.Errorf("cancelled Walk: %v after %d calls, want context.Canceled after 1", err, n)
	}

	// Since/Before filter on the internal date; items without one pass.
	t0 := time.Date(2003, 4, 5, 6, 7, 8, 0, time.UTC)
	count := func(wo *importers.WalkOptions) (n int) {
		if err := s.Walk(ctx, inbox, wo, func(m *importers.Message, err error) error {
			if err != nil {
				t.Fatal(err)
			}
			n++
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if all, after := count(nil), count(&importers.WalkOptions{Since: t0.Add(time.Second)}); all != 7 || after != 1 {
		t.Errorf("Walk: %d items, %d since t0+1s; want 7 and 1", all, after)
	}
	if before := count(&importers.WalkOptions{Before: t0.Add(time.Second)}); before != 6 {
		t.Errorf("Walk before t0+1s: %d items, want 6", before)
	}

	// Unknown folder.
	if err := s.Walk(ctx, importers.Folder{"nope"}, nil, func(*importers.Message, error) error { return nil }); !errors.Is(err, importers.ErrUsage) {
		t.Errorf("Walk(nope) = %v, want a usage error", err)
	}
}

// TestBuildFailures: a builder that fails or panics on one item gives that
// item's MessageError; the others are read, and the flags and date come
// from the hooks.
func TestBuildFailures(t *testing.T) {
	s, _ := openTest(t, fixturePath("ansi-932.pst"))
	s.hooks.build = func(w io.Writer, it *outlook.Item) error {
		switch it.Subject {
		case "Weekly sync":
			return errors.New("builder says no")
		case "signed":
			panic("builder bug")
		case "Please do this":
			// Fail after writing more than the in-memory spool limit, so a
			// spool file exists and must be cleaned up.
			w.Write(bytes.Repeat([]byte("x"), importers.DefaultSpoolMem+10))
			return errors.New("late failure")
		}
		return outlook.Build(w, it)
	}
	var ok int
	var errs []string
	err := s.Walk(context.Background(), importers.Folder{"受信トレイ"}, nil, func(m *importers.Message, err error) error {
		if err != nil {
			var me *importers.MessageError
			if !errors.As(err, &me) || me.Ref != m.Ref || m.Body != nil {
				t.Errorf("error %v: not a MessageError for %s", err, m.Ref)
			}
			errs = append(errs, err.Error())
			return nil
		}
		ok++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	all := strings.Join(errs, "\n")
	if ok != 4 || len(errs) != 3 || !strings.Contains(all, `subject "Weekly sync": building the message: builder says no`) ||
		!strings.Contains(all, `subject "signed": internal error building the message: builder bug`) ||
		!strings.Contains(all, `subject "Please do this": building the message: late failure`) {
		t.Errorf("%d read, errors:\n%s", ok, all)
	}
	if left, _ := filepathGlob(s.spoolDir); len(left) != 0 {
		t.Errorf("spool files left behind: %v", left)
	}
}

// TestTopAndDuplicateFolders: items at the top of the personal folders are
// listed under the top folder's name; two sibling folders with the same
// name are one folder.
func TestTopAndDuplicateFolders(t *testing.T) {
	t0 := time.Date(2010, 1, 2, 3, 4, 5, 0, time.UTC)
	msg := func(subj string) *wMsg {
		return &wMsg{class: "IPM.Note", subject: subj, body: subj, mid: "<" + subj + "@x>", submit: t0, cp: 1252}
	}
	st := &wStore{name: "PF", cp: 1252, crypt: cryptPermute, unicode: true,
		top: []*wMsg{msg("at-top")},
		folders: []*wFolder{
			{name: "Dup", msgs: []*wMsg{msg("one")}},
			{name: "Dup", msgs: []*wMsg{msg("two"), msg("three")}},
			{name: "", msgs: []*wMsg{msg("unnamed")}},
		}}
	path := writeCopy(t, "top.pst", writePST(st))
	s, lb := openTest(t, path)
	fis, err := s.Folders(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var list []string
	for _, fi := range fis {
		list = append(list, fi.Folder.String()+"="+string(rune('0'+fi.Messages)))
	}
	if got := strings.Join(list, ","); !strings.HasPrefix(got, "Top of Personal Folders=1,Dup=3,Folder 0x") {
		t.Errorf("folders: %s", got)
	}
	if !strings.Contains(lb.String(), "two folders with the same name") {
		t.Errorf("duplicate folder not logged:\n%s", lb)
	}
	gs := walkAll(t, s)
	if len(gs) != 5 {
		t.Errorf("%d messages, want 5", len(gs))
	}
	// readpst stops at a folder without a name ("mk_separate_dir: Cannot
	// create directory"): compare the top items on a file without it.
	st.folders = st.folders[:2]
	compareWithReadpstTop(t, writeCopy(t, "top2.pst", writePST(st)))
}

// compareWithReadpstTop checks, against readpst, that the item at the top
// of the personal folders is the one readpst writes into the store's own
// directory.
func compareWithReadpstTop(t *testing.T, path string) {
	rp := runReadpst(t, path, "e")
	if got := rp.mids[""]; len(got) != 1 || got[0] != "<at-top@x>" {
		t.Errorf("readpst wrote %v into the store's directory, want <at-top@x>", got)
	}
}

// TestChecksumMismatch damages a data block of an attachment: the item is
// still read (with the damaged byte), and the bad checksum is logged.
func TestChecksumMismatch(t *testing.T) {
	data, err := readFile(fixturePath("ansi-932.pst"))
	if err != nil {
		t.Fatal(err)
	}
	s0, _ := openTest(t, fixturePath("ansi-932.pst"))
	// The second data block of big.bin: find a block of 8180 bytes.
	var off int64 = -1
	err = s0.f.btScan(s0.f.bbtRoot, ptypeBBT, func(e []byte) {
		if le.Uint16(e[8:]) == maxBlockSize-12 && off < 0 {
			off = int64(le.Uint32(e[4:]))
		}
	}, func(error) {})
	if err != nil || off < 0 {
		t.Fatalf("no full block found: %v", err)
	}
	data[off+100] ^= 0xff
	path := writeCopy(t, "crc.pst", data)
	s, lb := openTest(t, path)
	ok, errs := walkLenient(t, s, "crc")
	if ok != 10 || len(errs) != 0 {
		t.Errorf("%d read, errors %v; want 10 read", ok, errs)
	}
	if !strings.Contains(lb.String(), "bad checksum") {
		t.Errorf("bad checksum not logged:\n%s", lb)
	}
}
