package localfs

import (
	"os"
	"path/filepath"
	"testing"
)

// SyncFiles syncs a batch with syncfs where that reports errors and file
// by file otherwise; both leave the files whole.
func TestSyncFiles(t *testing.T) {
	for _, perFile := range []bool{false, true} {
		perFileSync = perFile
		dir := t.TempDir()
		r, _ := New(dir)
		r.MkdirAll("A")
		d, err := r.OpenDir("A")
		if err != nil {
			t.Fatal(err)
		}
		var files []*os.File
		for _, n := range []string{"x", "y", "z"} {
			f, err := d.Create(n)
			if err != nil {
				t.Fatal(err)
			}
			f.WriteString(n + n)
			StartWriteback(f)
			files = append(files, f)
		}
		if i, err := SyncFiles(files); err != nil || i != -1 {
			t.Errorf("perFile=%v: SyncFiles = %d, %v", perFile, i, err)
		}
		for _, f := range files {
			f.Close()
		}
		if err := d.LinkNoReplace("x", "y"); !os.IsExist(err) {
			t.Errorf("LinkNoReplace over an existing name: %v", err)
		}
		if err := d.Rename([]string{"x"}, []string{"w"}); err != nil {
			t.Error(err)
		}
		if err := d.Sync(); err != nil {
			t.Error(err)
		}
		if b, _ := os.ReadFile(filepath.Join(dir, "A", "w")); string(b) != "xx" {
			t.Errorf("w holds %q", b)
		}
		if _, err := d.Create("../escape"); err == nil {
			t.Error("Create(../escape) succeeded")
		}
		d.Close()
		r.Close()
	}
	perFileSync = false
}
