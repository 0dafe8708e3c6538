package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A bad batch file: exit 2, every bad line named, nothing started.
func TestBatchBadFile(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "bad.csv")
	os.WriteFile(file, []byte("source,target,target_password\nmaildir:"+dir+"/a,maildir:"+dir+"/b,x\nnope,maildir:"+dir+"/c,\n"), 0o600)
	var stdout, stderr strings.Builder
	code := runWith([]string{"batch", file}, &stdout, &stderr)
	if code != exitUsage {
		t.Errorf("exit %d, want 2", code)
	}
	for _, want := range []string{"bad.csv:1:", "never written", "bad.csv:3:", "source"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr.String())
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "b")); err == nil {
		t.Error("a job started")
	}
	if _, err := os.Stat(filepath.Join(dir, "bad.state.json")); err == nil {
		t.Error("a state file was written")
	}
}
