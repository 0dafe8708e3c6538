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

// batch --check: the file is checked and the plan listed; nothing runs.
func TestBatchCheck(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "office.csv")
	os.WriteFile(file, []byte("source,target,name\nmaildir:"+dir+"/a,maildir:"+dir+"/b,one\nmaildir:"+dir+"/c,maildir:"+dir+"/d,two\n"), 0o600)
	var stdout, stderr strings.Builder
	code := runWith([]string{"batch", "--check", file, "--shard", "0/1"}, &stdout, &stderr)
	if code != exitOK || !strings.Contains(stdout.String(), "2 jobs, the file is valid; 2 would run") || !strings.Contains(stdout.String(), "run (new)") {
		t.Errorf("exit %d\n%s%s", code, stdout.String(), stderr.String())
	}
	for _, p := range []string{"b", "d", "office.state.json"} {
		if _, err := os.Stat(filepath.Join(dir, p)); err == nil {
			t.Errorf("%s was written", p)
		}
	}
	// Shards from the environment of an Indexed Job.
	t.Setenv("JOB_COMPLETION_INDEX", "3")
	t.Setenv("MAILFERRY_SHARDS", "2")
	if code := runWith([]string{"batch", "--check", file}, &stdout, &stderr); code != exitUsage {
		t.Errorf("index 3 of 2 shards: exit %d", code)
	}
}
