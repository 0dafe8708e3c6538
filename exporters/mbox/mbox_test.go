package mbox

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/mailferry/mailferry/dedupe"
	"github.com/mailferry/mailferry/exporters"
	"github.com/mailferry/mailferry/exporters/exportertest"
	"github.com/mailferry/mailferry/importers"
)

// readSource reads a tree written by Sink back, with this package's
// mboxrd reader (for tests: it holds each message in memory).
type readSource struct {
	t   testing.TB
	dir string
}

func (r *readSource) Caps() importers.Caps {
	return importers.Caps{Flags: false, DatePrecision: time.Second, ByteExact: false}
}
func (r *readSource) Close() error { return nil }

func (r *readSource) Folders(ctx context.Context) ([]importers.FolderInfo, error) {
	s, _ := New(r.dir, nil)
	defer s.Close()
	return s.Folders(ctx)
}

func (r *readSource) Walk(ctx context.Context, f importers.Folder, _ *importers.WalkOptions, fn importers.WalkFunc) error {
	s, _ := New(r.dir, nil)
	defer s.Close()
	tg, err := s.Resolve(ctx, f, "")
	if err != nil {
		return err
	}
	file, err := os.Open(tg.Name())
	if err != nil {
		return err
	}
	defer file.Close()
	rd := newReader(file)
	for i := 0; ; i++ {
		from, body, err := rd.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		raw, err := io.ReadAll(body)
		if err != nil {
			return err
		}
		_, asc, _ := strings.Cut(from, " ")
		date, err := time.ParseInLocation(time.ANSIC, asc, time.Local)
		if err != nil {
			return fmt.Errorf("From line %q: %v", from, err)
		}
		m := &importers.Message{Ref: fmt.Sprintf("%s#%d", tg.Name(), i), Folder: f, InternalDate: date, Body: importers.BytesBody(raw)}
		if err := fn(m, nil); err != nil {
			return err
		}
	}
}

func TestConformance(t *testing.T) {
	var dir string
	exportertest.Run(t, exportertest.Opt{
		New: func(t *testing.T) (exporters.Sink, func(t *testing.T) importers.Source) {
			dir = filepath.Join(t.TempDir(), "Local Folders")
			s, err := New(dir, nil)
			if err != nil {
				t.Fatal(err)
			}
			return s, func(t *testing.T) importers.Source { s.Close(); return &readSource{t: t, dir: dir} }
		},
		Reopen: func(t *testing.T) exporters.Sink {
			s, _ := New(dir, nil)
			return s
		},
	})
}

func TestMboxrdRoundTrip(t *testing.T) {
	bodies := []string{
		"Subject: a\n\nFrom here\n>From there\n>>From everywhere\nFrom\nFromage\n> From x\n",
		"Subject: no final newline\n\nlast line",
		"Subject: crlf\r\n\r\nFrom x\r\n\r\n",
		"Subject: blank lines at the end\n\nbody\n\n\n",
		"",
		"From the very start\n",
		strings.Repeat("x", 200000) + "\nFrom y\n" + strings.Repeat(">", 1000) + "From z\n",
	}
	var buf bytes.Buffer
	w := bufio.NewWriter(&buf)
	d := time.Date(2020, 2, 3, 4, 5, 6, 0, time.UTC)
	for _, b := range bodies {
		if err := writeMessage(w, d, strings.NewReader(b)); err != nil {
			t.Fatal(err)
		}
	}
	w.Flush()
	out := buf.String()
	if !strings.HasPrefix(out, FromLine(d)+"Subject: a\n\n>From here\n>>From there\n>>>From everywhere\nFrom\nFromage\n> From x\n\n"+FromLine(d)) {
		t.Errorf("mboxrd quoting wrong:\n%.300s", out)
	}
	rd := newReader(strings.NewReader(out))
	for i, want := range bodies {
		from, body, err := rd.Next()
		if err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
		if from != "- "+d.In(time.Local).Format(time.ANSIC) {
			t.Errorf("From line %q", from)
		}
		got, _ := io.ReadAll(body)
		if !strings.HasSuffix(want, "\n") {
			want += "\n" // mbox adds the missing final newline
		}
		if string(got) != want {
			t.Errorf("message %d: got %.80q…, want %.80q…", i, got, want)
		}
	}
	if _, _, err := rd.Next(); err != io.EOF {
		t.Errorf("after the last message: %v", err)
	}
	// A line of '>' longer than the buffer is refused, not mangled.
	if err := writeMessage(bufio.NewWriter(io.Discard), d, strings.NewReader(strings.Repeat(">", 70000))); !errors.Is(err, errQuoteRun) {
		t.Errorf("endless '>' line: %v", err)
	}
	// Not reading a message to its end does not confuse the next one.
	rd = newReader(strings.NewReader(out))
	rd.Next()
	_, body, _ := rd.Next()
	got, _ := io.ReadAll(body)
	if string(got) != bodies[1]+"\n" {
		t.Errorf("second message after skipping the first: %q", got)
	}
}

func appendMsg(t *testing.T, s *Sink, f importers.Folder, raw string) error {
	t.Helper()
	ctx := context.Background()
	tg, err := s.Resolve(ctx, f, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := tg.Create(ctx); err != nil {
		return err
	}
	m := &importers.Message{Ref: "t", Folder: f, InternalDate: time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC), Body: importers.BytesBody(raw)}
	return tg.Append(ctx, m, int64(len(raw)), strings.NewReader(raw))
}

func TestThunderbirdLayout(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "Local Folders")
	s, _ := New(dir, nil)
	for _, f := range []importers.Folder{{"INBOX"}, {"INBOX", "Sub"}, {"Archive", "2019"}, {"仕事", "重要"}, {"a.sbd"}, {"x.msf"}} {
		if err := appendMsg(t, s, f, "Message-ID: <"+f.String()+"@x>\n\nbody\n"); err != nil {
			t.Fatal(err)
		}
	}
	if j, _ := filepath.Glob(filepath.Join(dir, ".*journal")); len(j) != 3 {
		t.Errorf("journals while open: %v", j)
	}
	s.Close()
	var got []string
	filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		rel, _ := filepath.Rel(dir, p)
		got = append(got, fmt.Sprintf("%s %v %d", rel, fi.Mode(), fi.Size()))
		return nil
	})
	sort.Strings(got)
	want := []string{
		". drwx------ 0", "Archive -rw------- 0", "Archive.sbd drwx------ 0", "Archive.sbd/2019 -rw------- 68",
		"Inbox -rw------- 61", "Inbox.sbd drwx------ 0", "Inbox.sbd/Sub -rw------- 65", "a%2Esbd -rw------- 61",
		"x%2Emsf -rw------- 61", "仕事 -rw------- 0", "仕事.sbd drwx------ 0", "仕事.sbd/重要 -rw------- 69",
	}
	for i := range got {
		got[i] = strings.Replace(got[i], " 4096", " 0", 1)
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("tree:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	s2, _ := New(dir, nil)
	fis, _ := s2.Folders(context.Background())
	var names []string
	for _, fi := range fis {
		names = append(names, fi.Folder.String())
	}
	sort.Strings(names)
	if g := strings.Join(names, ","); g != "Archive,Archive/2019,INBOX,INBOX/Sub,a.sbd,x.msf,仕事,仕事/重要" {
		t.Errorf("Folders = %s", g)
	}
}

// TestCrashRecovery simulates a run killed in the middle of an append: the
// journal (unlocked, its process is gone) says where the last whole
// message ends; Keys ignores the torn tail and the next append removes it.
func TestCrashRecovery(t *testing.T) {
	dir := t.TempDir()
	s, _ := New(dir, nil)
	if err := appendMsg(t, s, importers.Folder{"INBOX"}, "Message-ID: <1@x>\n\none\n"); err != nil {
		t.Fatal(err)
	}
	good, _ := os.ReadFile(filepath.Join(dir, "Inbox"))
	// Crash: the journal stays, a torn message follows.
	crashMidAppend(t, s, "Inbox", "From - Mon Jan  1 00:00:00 2001\nMessage-ID: <torn@x>\n\nhalf of it\n", 50)

	s2, _ := New(dir, nil)
	tg, _ := s2.Resolve(context.Background(), importers.Folder{"INBOX"}, "")
	var n int
	tg.Keys(context.Background(), func(dedupe.Key) error { n++; return nil })
	if n != 1 {
		t.Errorf("Keys saw %d messages, want 1 (the torn one is not there)", n)
	}
	if err := appendMsg(t, s2, importers.Folder{"INBOX"}, "Message-ID: <2@x>\n\ntwo\n"); err != nil {
		t.Fatal(err)
	}
	s2.Close()
	b, _ := os.ReadFile(filepath.Join(dir, "Inbox"))
	if !bytes.HasPrefix(b, good) || bytes.Contains(b, []byte("torn")) || !bytes.Contains(b, []byte("<2@x>")) {
		t.Errorf("after recovery:\n%s", b)
	}
	if _, err := os.Stat(filepath.Join(dir, ".Inbox.mailferry-journal")); !os.IsNotExist(err) {
		t.Errorf("journal left after Close: %v", err)
	}
}

func TestSecondWriterRefused(t *testing.T) {
	dir := t.TempDir()
	s1, _ := New(dir, nil)
	defer s1.Close()
	if err := appendMsg(t, s1, importers.Folder{"INBOX"}, "Message-ID: <1@x>\n\none\n"); err != nil {
		t.Fatal(err)
	}
	s2, _ := New(dir, nil)
	defer s2.Close()
	if err := appendMsg(t, s2, importers.Folder{"INBOX"}, "Message-ID: <2@x>\n\ntwo\n"); err == nil || !strings.Contains(err.Error(), "locked") {
		t.Errorf("second writer: %v", err)
	}
}

func TestExistingFiles(t *testing.T) {
	dir := t.TempDir()
	// A Thunderbird file that is not an mbox must not be written into.
	os.WriteFile(filepath.Join(dir, "msgFilterRules.dat"), []byte("version=\"9\"\n"), 0o600)
	os.WriteFile(filepath.Join(dir, "Notes"), []byte("not mail\n"), 0o600)
	s, _ := New(dir, nil)
	if err := appendMsg(t, s, importers.Folder{"Notes"}, "Message-ID: <1@x>\n\none\n"); err == nil {
		t.Error("appended to a non-mbox file")
	}
	// A folder named like a Thunderbird file goes to its own escaped file.
	if err := appendMsg(t, s, importers.Folder{"msgFilterRules.dat"}, "Message-ID: <1@x>\n\none\n"); err != nil {
		t.Error(err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "msgFilterRules.dat")); string(b) != "version=\"9\"\n" {
		t.Errorf("non-mbox file changed: %q", b)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "Notes")); string(b) != "not mail\n" {
		t.Errorf("non-mbox file changed: %q", b)
	}
	// An mbox written by someone else without a final blank line gets one
	// before our message, so its last message keeps its bytes.
	os.WriteFile(filepath.Join(dir, "Old"), []byte("From x Mon Jan  1 00:00:00 2001\nSubject: old\n\nold body\n"), 0o600)
	if err := appendMsg(t, s, importers.Folder{"Old"}, "Message-ID: <2@x>\n\nnew\n"); err != nil {
		t.Fatal(err)
	}
	s.Close()
	src := &readSource{t: t, dir: dir}
	var raws []string
	src.Walk(context.Background(), importers.Folder{"Old"}, nil, func(m *importers.Message, err error) error {
		rc, _ := m.Body.Open()
		b, _ := io.ReadAll(rc)
		raws = append(raws, string(b))
		return nil
	})
	if len(raws) != 2 || raws[0] != "Subject: old\n\nold body\n" || raws[1] != "Message-ID: <2@x>\n\nnew\n" {
		t.Errorf("read back %q", raws)
	}
}

func TestFailedAppendRollsBack(t *testing.T) {
	dir := t.TempDir()
	s, _ := New(dir, nil)
	defer s.Close()
	appendMsg(t, s, importers.Folder{"INBOX"}, "Message-ID: <1@x>\n\none\n")
	before, _ := os.ReadFile(filepath.Join(dir, "Inbox"))
	ctx := context.Background()
	tg, _ := s.Resolve(ctx, importers.Folder{"INBOX"}, "")
	raw := "Message-ID: <2@x>\n\n" + strings.Repeat("y", 300000)
	m := &importers.Message{Ref: "t2", Body: importers.BytesBody(raw)}
	for _, r := range []io.Reader{
		io.MultiReader(strings.NewReader(raw[:200000]), errReader{}),
		strings.NewReader(raw[:1000]),
		strings.NewReader(raw + "extra"),
	} {
		err := tg.Append(ctx, m, int64(len(raw)), r)
		var me *importers.MessageError
		if !errors.As(err, &me) {
			t.Errorf("failed body: %v, want a MessageError", err)
		}
		after, _ := os.ReadFile(filepath.Join(dir, "Inbox"))
		if !bytes.Equal(before, after) {
			t.Errorf("failed append left %d bytes", len(after)-len(before))
		}
	}
	// And the file still takes messages.
	if err := tg.Append(ctx, m, int64(len(raw)), strings.NewReader(raw)); err != nil {
		t.Fatal(err)
	}
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("potato") }

func TestMaliciousNames(t *testing.T) {
	base := t.TempDir()
	dir := filepath.Join(base, "root")
	s, _ := New(dir, nil)
	folders := []importers.Folder{{".."}, {"..", "..", "x"}, {"a/../../etc"}, {"/etc/passwd"}, {"\x00"}, {"CON"}, {"a", ".."},
		{strings.Repeat("z", 10000)}, {"Foo"}, {"foo"}, {"", ""}, {"."}}
	for i, f := range folders {
		if err := appendMsg(t, s, f, fmt.Sprintf("Message-ID: <%d@x>\n\nx\n", i)); err != nil {
			t.Errorf("%q: %v", f, err)
		}
	}
	s.Close()
	ents, _ := os.ReadDir(base)
	if len(ents) != 1 {
		t.Errorf("written next to the root: %v", ents)
	}
	// Every folder reads back with its message, except the one shortened
	// for length (its name reads back cut, so Walk looks elsewhere).
	src := &readSource{t: t, dir: dir}
	fis, _ := src.Folders(context.Background())
	n := 0
	for _, fi := range fis {
		if fi.NoSelect {
			continue
		}
		src.Walk(context.Background(), fi.Folder, nil, func(*importers.Message, error) error { n++; return nil })
	}
	if n != len(folders)-1 {
		t.Errorf("read back %d messages, want %d", n, len(folders)-1)
	}
}

func TestManyFoldersFewDescriptors(t *testing.T) {
	dir := t.TempDir()
	s, _ := New(dir, nil)
	for i := 0; i < 3*maxOpen; i++ {
		f := importers.Folder{fmt.Sprintf("F%02d", i%(2*maxOpen))}
		if err := appendMsg(t, s, f, fmt.Sprintf("Message-ID: <%d@x>\n\nx\n", i)); err != nil {
			t.Fatal(err)
		}
		if len(s.open) > maxOpen {
			t.Fatalf("%d mbox files open", len(s.open))
		}
	}
	if j, _ := filepath.Glob(filepath.Join(dir, ".*journal")); len(j) != maxOpen {
		t.Errorf("%d journals for %d open files", len(j), maxOpen)
	}
	s.Close()
	got := 0
	src := &readSource{t: t, dir: dir}
	fis, _ := src.Folders(context.Background())
	for _, fi := range fis {
		src.Walk(context.Background(), fi.Folder, nil, func(*importers.Message, error) error { got++; return nil })
	}
	if got != 3*maxOpen {
		t.Errorf("read back %d messages", got)
	}
}

func TestPlantedSymlinks(t *testing.T) {
	base := t.TempDir()
	dir := filepath.Join(base, "root")
	os.MkdirAll(dir, 0o700)
	victim := filepath.Join(base, "victim")
	os.WriteFile(victim, []byte("From x Mon Jan  1 00:00:00 2001\n\nkeep\n"), 0o600)
	os.Mkdir(filepath.Join(base, "outdir"), 0o700)
	os.Symlink(victim, filepath.Join(dir, "Inbox"))
	os.Symlink(filepath.Join(base, "outdir"), filepath.Join(dir, "A.sbd"))
	os.Symlink(victim, filepath.Join(dir, ".Sent.mailferry-journal"))
	s, _ := New(dir, nil)
	defer s.Close()
	for _, f := range []importers.Folder{{"INBOX"}, {"A", "B"}, {"Sent"}} {
		if err := appendMsg(t, s, f, "Message-ID: <1@x>\n\none\n"); err == nil {
			t.Errorf("%q: wrote through a symlink", f)
		}
	}
	if b, _ := os.ReadFile(victim); string(b) != "From x Mon Jan  1 00:00:00 2001\n\nkeep\n" {
		t.Errorf("victim changed: %q", b)
	}
	if ents, _ := os.ReadDir(filepath.Join(base, "outdir")); len(ents) != 0 {
		t.Errorf("written outside: %v", ents)
	}
}
