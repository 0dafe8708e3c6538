package importers

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FileList lists the same files in the same order as Files (several
// directories, an empty one among them, directories and filtered names
// left out), and the single-file folder as the one file.
func TestFileListAgreesWithFiles(t *testing.T) {
	root := t.TempDir()
	var dirs []string
	for d, n := range []int{700, 0, 3, 1100} {
		dir := filepath.Join(root, fmt.Sprint("d", d))
		os.Mkdir(dir, 0o755)
		dirs = append(dirs, dir)
		for i := range n {
			name := fmt.Sprintf("%x-%d.eml", (i*7919)%1000, i)
			if i%13 == 0 {
				name = strings.TrimSuffix(name, ".eml") + ".skip"
			}
			if err := os.WriteFile(filepath.Join(dir, name), []byte("x"), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		os.Mkdir(filepath.Join(dir, "sub.eml"), 0o755)
	}
	keep := func(name string) bool { return !strings.HasSuffix(name, ".skip") }
	fo := &TreeFolder{Dirs: dirs}
	want, err := fo.Files(keep)
	if err != nil {
		t.Fatal(err)
	}
	got, err := fo.FileList(keep)
	if err != nil {
		t.Fatal(err)
	}
	if got.Len() != len(want) || got.Single() {
		t.Fatalf("%d files, want %d", got.Len(), len(want))
	}
	for i, w := range want {
		if got.Path(i) != w.Path || got.Name(i) != w.Ent.Name() {
			t.Fatalf("file %d: %s (%s), want %s", i, got.Path(i), got.Name(i), w.Path)
		}
		fi, err := got.Info(i)
		wi, _ := w.Info()
		if err != nil || fi.Size() != wi.Size() || fi.Name() != wi.Name() {
			t.Fatalf("file %d: info %v %v", i, fi, err)
		}
	}
	one := &TreeFolder{File: filepath.Join(dirs[0], want[0].Ent.Name())}
	l, err := one.FileList(keep)
	if err != nil || l.Len() != 1 || !l.Single() || l.Path(0) != one.File || l.Name(0) != "" {
		t.Fatalf("single file: %+v %v", l, err)
	}
	if _, err := (&TreeFolder{Dirs: []string{filepath.Join(root, "gone")}}).FileList(keep); err == nil {
		t.Error("a missing directory listed")
	}
}
