package keycache

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/mailferry/mailferry/importers"
)

// setup points the cache at a temporary directory and moves the clock an
// hour ahead, so that files just written are outside the racy window.
func setup(t *testing.T) {
	t.Helper()
	dir := t.TempDir()
	old, oldNow := dirFunc, now
	dirFunc = func() (string, error) { return dir, nil }
	now = func() time.Time { return time.Now().Add(time.Hour) }
	t.Cleanup(func() { dirFunc, now = old, oldNow })
}

func bodyOf(t *testing.T, f *Folder, path, unique string) importers.KeyCache {
	t.Helper()
	fi, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	b := f.Body(&importers.FileBody{Path: path, Size: fi.Size()}, path, unique, fi)
	kc, ok := b.(importers.KeyCache)
	if !ok {
		t.Fatalf("body %T is not a KeyCache", b)
	}
	return kc
}

func TestRememberedAndValidated(t *testing.T) {
	setup(t)
	md := t.TempDir()
	p := filepath.Join(md, "1.a:2,S")
	if err := os.WriteFile(p, []byte("Message-ID: <a@b>\n\nxy\nz"), 0o600); err != nil {
		t.Fatal(err)
	}
	key := [16]byte{1, 2, 3}
	f := Open("maildir", md)
	kc := bodyOf(t, f, p, "1.a")
	if _, _, ok := kc.CachedKey(); ok {
		t.Fatal("hit in an empty cache")
	}
	kc.RememberKey(key, 26)
	f.Close(Names([]string{"1.a"}))

	f = Open("maildir", md)
	if k, n, ok := bodyOf(t, f, p, "1.a").CachedKey(); !ok || k != key || n != 26 {
		t.Fatalf("second run: %v %d %v", k, n, ok)
	}
	f.Close(Names([]string{"1.a"}))

	// Same size, same mtime, other bytes (and another CRLF size): the
	// ctime gives it away.
	fi, _ := os.Stat(p)
	time.Sleep(20 * time.Millisecond)
	if err := os.WriteFile(p, []byte("Message-ID: <a@b>\n\nx\r\nz"), 0o600); err != nil {
		t.Fatal(err)
	}
	os.Chtimes(p, fi.ModTime(), fi.ModTime())
	f = Open("maildir", md)
	if _, _, ok := bodyOf(t, f, p, "1.a").CachedKey(); ok {
		t.Fatal("a file rewritten in place (same size and mtime) was taken from the cache")
	}
	f.Close(Names([]string{"1.a"}))
	// The stale entry may stay in the file (its name is still listed)
	// until the engine records the new one; it never matches again.
	f = Open("maildir", md)
	if _, _, ok := bodyOf(t, f, p, "1.a").CachedKey(); ok {
		t.Fatal("stale entry hit on the next run")
	}
}

func TestFreshFilesNotRecorded(t *testing.T) {
	setup(t)
	now = time.Now // the real clock: the file was written just now
	md := t.TempDir()
	p := filepath.Join(md, "1.a")
	os.WriteFile(p, []byte("Subject: x\n\nbody\n"), 0o600)
	f := Open("maildir", md)
	bodyOf(t, f, p, "1.a").RememberKey([16]byte{9}, 20)
	f.Close(Names([]string{"1.a"}))
	f = Open("maildir", md)
	if _, _, ok := bodyOf(t, f, p, "1.a").CachedKey(); ok {
		t.Fatal("a file changed within the racy window was cached")
	}
}

func TestChangedAfterListingNotRecorded(t *testing.T) {
	setup(t)
	md := t.TempDir()
	p := filepath.Join(md, "1.a")
	os.WriteFile(p, []byte("Subject: x\n\nbody\n"), 0o600)
	f := Open("maildir", md)
	kc := bodyOf(t, f, p, "1.a")
	time.Sleep(20 * time.Millisecond)
	os.WriteFile(p, []byte("Subject: y\n\nbody\n"), 0o600) // between listing and the read's end
	kc.RememberKey([16]byte{9}, 20)
	f.Close(Names([]string{"1.a"}))
	f = Open("maildir", md)
	if _, _, ok := bodyOf(t, f, p, "1.a").CachedKey(); ok {
		t.Fatal("a file changed after its listing was cached")
	}
}

func TestCorruptOrForeignFileIgnored(t *testing.T) {
	setup(t)
	md := t.TempDir()
	p := filepath.Join(md, "1.a")
	os.WriteFile(p, []byte("Subject: x\n\nbody\n"), 0o600)
	f := Open("maildir", md)
	bodyOf(t, f, p, "1.a").RememberKey([16]byte{9}, 20)
	f.Close(Names([]string{"1.a"}))
	data, err := os.ReadFile(f.path)
	if err != nil {
		t.Fatal(err)
	}
	for name, bad := range map[string][]byte{
		"flipped key byte": func() []byte { b := append([]byte(nil), data...); b[len(b)-sha256Size()-1] ^= 1; return b }(),
		"torn":             data[:len(data)-5],
		"other fingerprint": func() []byte {
			b := append([]byte(nil), data...)
			b[len(magic)+4] ^= 1
			return b
		}(),
	} {
		os.WriteFile(f.path, bad, 0o600)
		g := Open("maildir", md)
		if _, _, ok := bodyOf(t, g, p, "1.a").CachedKey(); ok {
			t.Errorf("%s: cache file used", name)
		}
	}
	// Gone files are dropped.
	os.WriteFile(f.path, data, 0o600)
	g := Open("maildir", md)
	g.Close(Names(nil))
	if h := Open("maildir", md); len(h.old) != 0 {
		t.Errorf("entries of gone files kept: %d", len(h.old))
	}
}

func TestDisabled(t *testing.T) {
	setup(t)
	Disabled = true
	defer func() { Disabled = false }()
	if Open("maildir", t.TempDir()) != nil {
		t.Fatal("Disabled still caches")
	}
}

func sha256Size() int { return 32 }
