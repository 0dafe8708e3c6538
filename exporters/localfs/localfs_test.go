package localfs

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/mailferry/mailferry/exporters"
)

// malicious are folder elements a server may send.
var malicious = []string{
	"..", ".", "/", `\`, "\x00", "a/../../etc", "../../../../tmp/x", "a\x00b", "CON", "con.txt", "LPT1",
	"trailing.", "trailing ", " leading", ".hidden", "~", "%", "%41", "%~0123abcd", "a:b", `<>:"|?*`,
	"\r\n", "\u202eevil", "\xff\xfe", strings.Repeat("x", 10<<10), strings.Repeat("日本", 2000),
	"Inbox.sbd", "Inbox.msf", "", "COM¹",
}

func TestEscapeSafeAndReversible(t *testing.T) {
	seen := map[string]string{}
	enc := EscapeEncoder(".sbd", ".msf")
	for _, m := range malicious {
		c := enc.Component(m, MaxComponent, 0)
		if err := CheckComponent(c); err != nil {
			t.Errorf("Component(%.40q) = %.60q: %v", m, c, err)
		}
		if strings.ContainsAny(c, "/\\\x00<>:\"|?*") || strings.HasPrefix(c, ".") || strings.HasSuffix(c, ".") || strings.HasSuffix(c, " ") {
			t.Errorf("Component(%.40q) = %.60q is not portable", m, c)
		}
		if len(c) > MaxComponent {
			t.Errorf("Component(%.40q) is %d bytes", m, len(c))
		}
		if !utf8.ValidString(c) {
			t.Errorf("Component(%.40q) = %q is not UTF-8", m, c)
		}
		if strings.HasSuffix(strings.ToLower(c), ".sbd") || strings.HasSuffix(strings.ToLower(c), ".msf") {
			t.Errorf("Component(%q) = %q has a reserved suffix", m, c)
		}
		if isWindowsDevice(c) {
			t.Errorf("Component(%q) = %q is a Windows device name", m, c)
		}
		if prev, dup := seen[c]; dup {
			t.Errorf("%.40q and %.40q both map to %.60q", prev, m, c)
		}
		seen[c] = m
		if len(Escape(m, ".sbd", ".msf")) <= MaxComponent {
			if back := Unescape(c); back != m {
				t.Errorf("Unescape(Component(%q)) = %q", m, back)
			}
		}
	}
	tests := []struct{ in, want string }{
		{"Archive", "Archive"},
		{"仕事", "仕事"},
		{"a/b", "a%2Fb"},
		{"..", "%2E%2E"},
		{"CON", "%43ON"},
		{"50%", "50%25"},
		{"x.sbd", "x%2Esbd"},
		{"", "%"},
	}
	for _, tc := range tests {
		if got := Escape(tc.in, ".sbd"); got != tc.want {
			t.Errorf("Escape(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	// Shortened names keep a readable prefix and differ by their hash.
	a := enc.Component(strings.Repeat("あ", 300)+"1", MaxComponent, 0)
	b := enc.Component(strings.Repeat("あ", 300)+"2", MaxComponent, 0)
	if a == b || !strings.HasPrefix(a, "あああ") || !strings.Contains(a, SuffixMarker) {
		t.Errorf("shortened names: %q %q", a, b)
	}
	// A disambiguated name reads back as the element.
	if c := enc.Component("Foo", MaxComponent, 1); Unescape(c) != "Foo" || c == "Foo" {
		t.Errorf("attempt 1 of Foo = %q → %q", c, Unescape(c))
	}
}

func TestNamesPick(t *testing.T) {
	enc := EscapeEncoder()
	// Case-insensitive: Foo exists, foo must get another name; a later run
	// (with both on disk) finds the same names again.
	n := NewNames([]string{"Foo"}, true)
	foo, ok := n.Pick(enc, "foo", MaxComponent)
	if !ok || foo == "foo" || Unescape(foo) != "foo" {
		t.Fatalf("Pick(foo) = %q", foo)
	}
	if again, _ := n.Pick(enc, "foo", MaxComponent); again != foo {
		t.Errorf("second Pick(foo) = %q, want %q", again, foo)
	}
	if f, _ := n.Pick(enc, "Foo", MaxComponent); f != "Foo" {
		t.Errorf("Pick(Foo) = %q", f)
	}
	n2 := NewNames([]string{"Foo", foo}, true)
	if f, _ := n2.Pick(enc, "foo", MaxComponent); f != foo {
		t.Errorf("rerun Pick(foo) = %q, want %q", f, foo)
	}
	// NFC vs NFD collide when folding.
	n3 := NewNames([]string{"e\u0301"}, true)
	if f, _ := n3.Pick(enc, "\u00e9", MaxComponent); f == "\u00e9" {
		t.Errorf("NFC/NFD collision not detected")
	}
	// Case-sensitive: no folding.
	n4 := NewNames([]string{"Foo"}, false)
	if f, _ := n4.Pick(enc, "foo", MaxComponent); f != "foo" {
		t.Errorf("case-sensitive Pick(foo) = %q", f)
	}
}

func TestRootRefusesSymlinksAndEscapes(t *testing.T) {
	base := t.TempDir()
	outside := filepath.Join(base, "outside")
	os.Mkdir(outside, 0o700)
	root := filepath.Join(base, "root")
	r, err := New(root)
	if err != nil {
		t.Fatal(err)
	}
	if r.Exists() {
		t.Fatal("root exists before use")
	}
	if err := r.MkdirAll("a", "b"); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{root, filepath.Join(root, "a"), filepath.Join(root, "a", "b")} {
		if fi, _ := os.Stat(d); fi.Mode().Perm() != 0o700 {
			t.Errorf("%s: mode %v", d, fi.Mode().Perm())
		}
	}
	// Planted links: a directory link to outside, a relative one inside,
	// a file link.
	os.Symlink(outside, filepath.Join(root, "evil"))
	os.Symlink("a", filepath.Join(root, "inner"))
	os.Symlink(filepath.Join(outside, "f"), filepath.Join(root, "a", "file"))
	bad := [][]string{
		{"evil", "x"}, {"inner", "x"}, {"..", "x"}, {"a/../..", "x"}, {"a", "..", "..", "x"},
		{"/etc", "x"}, {"a\x00", "x"}, {"", "x"}, {".", "x"},
	}
	for _, rel := range bad {
		if err := r.MkdirAll(rel...); err == nil {
			t.Errorf("MkdirAll(%q) succeeded", rel)
		}
		if f, err := r.Create(rel...); err == nil {
			f.Close()
			t.Errorf("Create(%q) succeeded", rel)
		}
		if err := r.WriteNew(context.Background(), rel, 1, strings.NewReader("x"), time.Time{}); err == nil {
			t.Errorf("WriteNew(%q) succeeded", rel)
		}
	}
	if f, err := r.OpenRW("a", "file"); err == nil {
		f.Close()
		t.Error("OpenRW through a file symlink succeeded")
	}
	if f, err := r.Create("a", "file"); err == nil {
		f.Close()
		t.Error("Create over a symlink succeeded")
	}
	if err := r.MkdirAll("evil"); !errors.Is(err, ErrUnsafe) {
		t.Errorf("MkdirAll(evil) = %v, want ErrUnsafe", err)
	}
	ents, _ := os.ReadDir(outside)
	if len(ents) != 0 {
		t.Errorf("something was written outside the root: %v", ents)
	}
}

func TestWriteNew(t *testing.T) {
	r, _ := New(filepath.Join(t.TempDir(), "r"))
	if err := r.MkdirAll("d"); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	date := time.Date(2019, 3, 4, 5, 6, 7, 0, time.UTC)
	if err := r.WriteNew(ctx, []string{"d", "ok"}, 5, strings.NewReader("hello"), date); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(r.Join("d", "ok"))
	if err != nil || fi.Mode().Perm() != 0o600 || !fi.ModTime().Equal(date) || fi.Size() != 5 {
		t.Errorf("written file: %v %v", fi, err)
	}
	if err := r.WriteNew(ctx, []string{"d", "ok"}, 5, strings.NewReader("again"), date); !errors.Is(err, fs.ErrExist) {
		t.Errorf("overwrite: %v", err)
	}
	fails := []struct {
		name string
		size int64
		r    io.Reader
	}{
		{"short", 10, strings.NewReader("hello")},
		{"long", 3, strings.NewReader("hello")},
		{"potato", 10, io.MultiReader(strings.NewReader("hel"), errReader{})},
	}
	for _, f := range fails {
		if err := r.WriteNew(ctx, []string{"d", f.name}, f.size, f.r, date); err == nil {
			t.Errorf("%s: no error", f.name)
		}
		if _, err := os.Lstat(r.Join("d", f.name)); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s: file left behind", f.name)
		}
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := r.WriteNew(cctx, []string{"d", "canceled"}, 5, strings.NewReader("hello"), date); !errors.Is(err, context.Canceled) {
		t.Errorf("canceled: %v", err)
	}
	if err := r.LinkNoReplace([]string{"d", "ok"}, []string{"d", "ok2"}); err != nil {
		t.Fatal(err)
	}
	r.WriteNew(ctx, []string{"d", "ok"}, 1, strings.NewReader("x"), date)
	if err := r.LinkNoReplace([]string{"d", "ok"}, []string{"d", "ok2"}); !errors.Is(err, fs.ErrExist) {
		t.Errorf("LinkNoReplace over existing: %v", err)
	}
	if b, _ := os.ReadFile(r.Join("d", "ok2")); !bytes.Equal(b, []byte("hello")) {
		t.Errorf("ok2 = %q", b)
	}
	if !errors.Is(DiskFull(errNoSpace()), exporters.ErrOverQuota) && runtime.GOOS != "windows" {
		t.Error("ENOSPC does not match ErrOverQuota")
	}
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("potato") }

func TestQuotaAndCase(t *testing.T) {
	r, _ := New(filepath.Join(t.TempDir(), "not", "yet"))
	qs, err := r.Quota([]string{"t"})
	if err != nil {
		t.Fatal(err)
	}
	q := qs[0]
	if !strings.HasPrefix(q.Name, "disk /") || q.Limit <= 0 || q.Used < 0 || q.Used > q.Limit || len(q.Targets) != 1 {
		t.Errorf("Quota = %+v", q)
	}
	if _, known := r.CaseInsensitive(nil, nil); known {
		t.Error("case sensitivity known without a directory")
	}
	r.MkdirAll("Probe")
	ci, known := r.CaseInsensitive(nil, []string{"Probe"})
	if !known {
		t.Error("case sensitivity unknown with an entry")
	}
	t.Logf("temp dir case-insensitive: %v", ci)
}
