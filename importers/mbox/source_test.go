package mbox

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mailferry/mailferry/importers"
)

func walkAll(t *testing.T, src importers.Source, f importers.Folder, opts *importers.WalkOptions) ([]*importers.Message, []error) {
	t.Helper()
	var ms []*importers.Message
	var errs []error
	err := src.Walk(context.Background(), f, opts, func(m *importers.Message, err error) error {
		ms = append(ms, m)
		errs = append(errs, err)
		return nil
	})
	if err != nil {
		t.Fatalf("Walk: %v", err)
	}
	return ms, errs
}

func TestWalkEmptyMessageIsAnError(t *testing.T) {
	p := filepath.Join(t.TempDir(), "Inbox")
	// Only the first message can be empty: a later "From " line followed
	// by a blank line is body text (no header field follows it).
	writeFile(t, p, []byte("From b "+d2+"\n\nFrom a "+d1+"\nS: x\n\nb\n\nFrom c "+d2+"\nS: z\n\nc\n"))
	src, err := Open(p, nil)
	if err != nil {
		t.Fatal(err)
	}
	fis, _ := src.Folders(context.Background())
	if len(fis) != 1 || !fis[0].Folder.Equal(importers.Folder{"Inbox"}) || fis[0].Messages != 3 || fis[0].Bytes != 16 {
		t.Fatalf("Folders = %+v", fis)
	}
	ms, errs := walkAll(t, src, importers.Folder{"Inbox"}, nil)
	if len(ms) != 3 || errs[1] != nil || errs[2] != nil {
		t.Fatalf("got %d messages, errors %v", len(ms), errs)
	}
	var me *importers.MessageError
	if !errors.As(errs[0], &me) || !errors.Is(errs[0], errEmpty) {
		t.Fatalf("error %v, want a MessageError for the empty message", errs[0])
	}
	wantRef := "mbox:" + p + "@0"
	if me.Ref != wantRef || ms[0].Ref != wantRef || !me.Folder.Equal(importers.Folder{"Inbox"}) || ms[0].Body != nil {
		t.Errorf("MessageError %+v (message %+v), want Ref %s in folder Inbox", me, ms[0], wantRef)
	}
	if !strings.Contains(errs[0].Error(), "@0") || !strings.Contains(errs[0].Error(), "Inbox") {
		t.Errorf("error text %q does not name offset and folder", errs[0])
	}
}

func TestWalkDateFilterAndStop(t *testing.T) {
	p := filepath.Join(t.TempDir(), "f.mbox")
	writeFile(t, p, []byte("From a "+d1+"\nS: 1\n\nb\n\nFrom b "+d2+"\nS: 2\n\nb\n\nFrom c\nS: 3\n\nb\n"))
	src, err := Open(p, nil)
	if err != nil {
		t.Fatal(err)
	}
	f := importers.Folder{"f"}
	// Since d2: the first is out; the third has no date (a From line
	// without one still starts a message when a header field follows) and
	// is never filtered out.
	ms, _ := walkAll(t, src, f, &importers.WalkOptions{Since: time.Date(2001, 1, 2, 0, 0, 0, 0, tz)})
	if len(ms) != 2 || !ms[0].InternalDate.Equal(time.Date(2001, 1, 2, 3, 4, 5, 0, tz)) || !ms[1].InternalDate.IsZero() {
		t.Errorf("Since: got %d messages", len(ms))
	}
	ms, _ = walkAll(t, src, f, &importers.WalkOptions{Before: time.Date(2001, 1, 2, 0, 0, 0, 0, tz)})
	if len(ms) != 2 || !ms[0].InternalDate.Equal(time.Date(2001, 1, 1, 0, 0, 0, 0, tz)) || !ms[1].InternalDate.IsZero() {
		t.Errorf("Before: got %d messages", len(ms))
	}
	stop := errors.New("stop")
	n := 0
	err = src.Walk(context.Background(), f, nil, func(*importers.Message, error) error { n++; return stop })
	if !errors.Is(err, stop) || n != 1 {
		t.Errorf("fn error: Walk = %v after %d calls", err, n)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := src.Walk(ctx, f, nil, func(*importers.Message, error) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Errorf("canceled: Walk = %v", err)
	}
	if err := src.Walk(context.Background(), importers.Folder{"nope"}, nil, nil); err == nil {
		t.Error("Walk of an unknown folder: no error")
	}
}

func readBody(t *testing.T, b importers.Body) (string, error) {
	t.Helper()
	rc, err := b.Open()
	if err != nil {
		return "", err
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	return string(data), err
}

func TestBodyDetectsChangedFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "Inbox")
	m1 := "From - " + d1 + "\nX-Mozilla-Status: 0009\nS: deleted\n\n>From x\n\n"
	m2 := "From - " + d2 + "\nX-Mozilla-Status: 0001\nS: kept\n\n>From y\n\n"
	writeFile(t, p, []byte(m1+m2))
	src, _ := Open(p, nil)
	ms, _ := walkAll(t, src, importers.Folder{"Inbox"}, nil)
	if len(ms) != 2 {
		t.Fatalf("%d messages", len(ms))
	}
	if got, err := readBody(t, ms[1].Body); err != nil || got != "X-Mozilla-Status: 0001\nS: kept\n\nFrom y\n" {
		t.Fatalf("body = %q, %v", got, err)
	}
	// New mail appended: still fine.
	appendFile(t, p, []byte("From - "+d2+"\nS: new\n\nb\n"))
	if _, err := readBody(t, ms[1].Body); err != nil {
		t.Errorf("after append: %v", err)
	}
	// Thunderbird flips the read bit in place: same size, fine.
	data, _ := os.ReadFile(p)
	writeFile(t, p, []byte(strings.Replace(string(data), "Status: 0009", "Status: 0008", 1)))
	if _, err := readBody(t, ms[1].Body); err != nil {
		t.Errorf("after an in-place status change: %v", err)
	}
	// Compact Folders: the deleted message goes, the second moves up.
	writeFile(t, p, []byte(m2+m2))
	for i, m := range ms {
		if _, err := readBody(t, m.Body); !errors.Is(err, importers.ErrChanged) {
			t.Errorf("message %d after compaction: err = %v, want ErrChanged", i, err)
		}
	}
	// Truncated.
	writeFile(t, p, []byte(m1))
	if _, err := readBody(t, ms[1].Body); !errors.Is(err, importers.ErrChanged) {
		t.Errorf("after truncation: err = %v, want ErrChanged", err)
	}
}

func TestBodyUnquoteLengthCheck(t *testing.T) {
	p := filepath.Join(t.TempDir(), "Inbox")
	writeFile(t, p, []byte("From - "+d1+"\nS: x\n\n>From a\nxFrom b\n"))
	src, _ := Open(p, nil)
	ms, _ := walkAll(t, src, importers.Folder{"Inbox"}, nil)
	// Same size, but one more line to unquote: the reader must not return
	// more or fewer bytes than Len promised.
	writeFile(t, p, []byte("From - "+d1+"\nS: x\n\n>From a\n>From b\n"))
	if got, err := readBody(t, ms[0].Body); !errors.Is(err, importers.ErrChanged) {
		t.Errorf("read %q, %v; want ErrChanged", got, err)
	}
}

func TestList(t *testing.T) {
	dir := t.TempDir()
	msg := []byte("From a " + d1 + "\nS: x\n\nb\n")
	for _, p := range []string{
		"Inbox", "Work.mbox", "Work/Projects.mbx", "Work/Old/2019", "Lists.sbd/go-nuts",
		"Apple.mbox/mbox", "Apple.mbox/Child.mbox/mbox", "Dup", "Dup.mbox",
		"Cafe\u0301", // NFD on disk (macOS HFS+): listed as NFC "Café"
	} {
		writeFile(t, filepath.Join(dir, p), msg)
	}
	writeFile(t, filepath.Join(dir, "Empty"), nil)
	writeFile(t, filepath.Join(dir, "BOM"), append([]byte(bom), msg...))
	writeFile(t, filepath.Join(dir, "Apple.mbox", "Info.plist"), []byte("<plist/>"))
	writeFile(t, filepath.Join(dir, "Apple.mbox", "table_of_contents"), []byte{0, 1, 2})
	writeFile(t, filepath.Join(dir, "Inbox.msf"), []byte("// <!-- <mdb:mork:z v=\"1.4\"/> -->"))
	writeFile(t, filepath.Join(dir, "garbage"), []byte("Subject: not an mbox\n"))
	writeFile(t, filepath.Join(dir, "prose"), []byte("From the desk of nobody\nhello\n"))
	writeFile(t, filepath.Join(dir, ".hidden"), msg)
	if err := os.Symlink(filepath.Join(dir, "Inbox"), filepath.Join(dir, "Link")); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "empty.sbd"), 0o700); err != nil {
		t.Fatal(err)
	}
	files, err := List(dir, ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range files {
		rel := ""
		if f.Path != "" {
			rel, _ = filepath.Rel(dir, f.Path)
		}
		got = append(got, f.Folder.String()+"="+rel)
	}
	want := []string{
		"Apple=Apple.mbox/mbox", "Apple/Child=Apple.mbox/Child.mbox/mbox",
		"BOM=BOM", "Café=Cafe\u0301",
		"Dup=Dup", "Dup.mbox=Dup.mbox",
		"Empty=Empty", "Inbox=Inbox", "Lists=", "Lists/go-nuts=Lists.sbd/go-nuts",
		"Work=Work.mbox", "Work/Old=", "Work/Old/2019=Work/Old/2019", "Work/Projects=Work/Projects.mbx",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("List:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// Thunderbird: names as they are, only .sbd directories.
	files, err = List(dir, ListOptions{Thunderbird: true})
	if err != nil {
		t.Fatal(err)
	}
	got = got[:0]
	for _, f := range files {
		got = append(got, f.Folder.String())
	}
	want = []string{"BOM", "Café", "Dup", "Dup.mbox", "Empty", "Inbox", "Lists", "Lists/go-nuts", "Work.mbox"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("List Thunderbird: %q, want %q", got, want)
	}
}
