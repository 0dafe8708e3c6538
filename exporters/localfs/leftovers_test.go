package localfs

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

func TestOurTemp(t *testing.T) {
	u := Unique()
	for name, want := range map[string]bool{
		u + ".myhost":                          true,
		u + ".my.host.example":                 true,
		u + ".myhost.keywords":                 true,
		".mailferry-" + u + ".tmp":             true,
		"..mailferry-state.json." + u + ".tmp": true,
		"mailferry-maildir.json." + u + ".tmp": true,
		"mailferry-probe-" + u:                 true,
		// Other programs' Maildir names (Dovecot, maildrop, qmail).
		"1700000000.M123456P789.myhost":                           false,
		"1700000000.M123456P789V0000000000000803I00000017.myhost": false,
		"1700000000.12345.myhost":                                 false,
		"1700000000.M1P2Q3.myhost":                                false,
		u + ".myhost,S=12:2,S":                                    false,
		"notes.txt":                                               false,
	} {
		if _, _, got := OurTemp(name); got != want {
			t.Errorf("OurTemp(%q) = %v, want %v", name, got, want)
		}
	}
	if pid, host, _ := OurTemp(u + ".h.example.keywords"); pid != os.Getpid() || host != "h.example" {
		t.Errorf("OurTemp: pid %d host %q", pid, host)
	}
}

func TestRemoveLeftovers(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "tmp"), 0o700)
	dead := deadPID(t)
	files := map[string]bool{ // name: removed
		"1700000000.M1P" + itoa(dead) + "Q1R0badf00d.me":        true,  // ours, process gone
		"1700000000.M1P" + itoa(os.Getpid()) + "Q1R0badf00d.me": false, // ours, alive
		"1700000000.M1P" + itoa(dead) + "Q1R0badf00d.elsewhere": false, // another host's, recent
		"1700000000.M1P" + itoa(dead) + ".me":                   false, // not ours
		".mailferry-1700000000.M1P" + itoa(dead) + "Q2Rab.tmp":  true,
	}
	for n := range files {
		os.WriteFile(filepath.Join(dir, "tmp", n), []byte("x"), 0o600)
	}
	r, _ := New(dir)
	defer r.Close()
	gone := r.RemoveLeftovers([]string{"tmp"}, "me")
	for n, removed := range files {
		_, err := os.Stat(filepath.Join(dir, "tmp", n))
		if removed != os.IsNotExist(err) {
			t.Errorf("%s: removed %v, want %v", n, os.IsNotExist(err), removed)
		}
	}
	if len(gone) != 2 {
		t.Errorf("reported %v", gone)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
