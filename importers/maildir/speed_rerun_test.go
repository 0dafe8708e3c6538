package maildir

import (
	"context"
	"path/filepath"
	"testing"
	"time"
)

// Folders takes a folder's size from ",S=" where names have it and lstats
// the others; Walk's message size is always the file's.
func TestFoldersSizeFromNames(t *testing.T) {
	root := t.TempDir()
	mkMaildir(t, root)
	body := []byte("Subject: x\n\n12345\n") // 18 bytes
	writeFile(t, filepath.Join(root, "cur", "1.M1.h,S=1000,W=1010:2,S"), body, time.Time{})
	writeFile(t, filepath.Join(root, "cur", "2.M1.h:2,S"), body, time.Time{})
	writeFile(t, filepath.Join(root, "new", "3.M1.h,S=bad"), body, time.Time{})
	src, err := Open(root, nil)
	if err != nil {
		t.Fatal(err)
	}
	fis, err := src.Folders(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(fis) != 1 || fis[0].Messages != 3 || fis[0].Bytes != 1000+18+18 {
		t.Fatalf("Folders = %+v, want 3 messages, 1036 bytes (S= for the first)", fis)
	}
	for _, m := range walkAll(t, src, fis[0].Folder) {
		if m.Size() != int64(len(body)) {
			t.Errorf("%s: Walk size %d, want the file's %d", m.Ref, m.Size(), len(body))
		}
	}
	for name, want := range map[string]int64{"1.M1.h,S=9": 9, "1.M1.h,S=9,W=10:2,RS": 9, "1.M1.h,W=10,S=7:2,": 7, "1.M1.h": -1, "1.M1.h,S=-3": -1, "1.M1.h:2,S=5": -1} {
		n, ok := sizeInName(name)
		if !ok {
			n = -1
		}
		if n != want {
			t.Errorf("sizeInName(%q) = %d, want %d", name, n, want)
		}
	}
}
