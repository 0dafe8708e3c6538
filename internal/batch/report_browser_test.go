package batch

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The report in a real browser: headless Chromium renders
// batch-report.html to a PNG, and its DOM (after rendering) has a row per
// account. Skipped where Chromium is not installed (apt-get install
// chromium); nothing is fetched from the network (the page has no
// external reference, TestReportHTML checks).
func TestReportInChromium(t *testing.T) {
	var bin string
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			bin = p
			break
		}
	}
	if bin == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("no chromium installed (.ci/run installs it)")
		}
		t.Skip("no chromium installed")
	}
	dir := t.TempDir()
	st, _ := LoadState(filepath.Join(dir, "s.json"))
	names := []string{"alice", "bob", "carol"}
	for i, n := range names {
		j := &Job{Line: i + 2, Name: n, Source: "maildir:/m/" + n, Target: "imap://" + n + "@h", Opts: map[string]string{}}
		st.Update(j, func(e *Entry) {
			e.Status, e.Seconds = StatusDone, float64(10*(i+1))
			e.Outcome = &Outcome{Folders: 3, Messages: 100, Copied: 100}
		})
	}
	if err := WriteReport(dir, BuildReport([]*State{st})); err != nil {
		t.Fatal(err)
	}
	page := "file://" + filepath.Join(dir, "batch-report.html")
	args := []string{"--headless", "--no-sandbox", "--disable-gpu", "--user-data-dir=" + filepath.Join(dir, "profile")}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	png := filepath.Join(dir, "report.png")
	if out, err := exec.CommandContext(ctx, bin, append(args, "--window-size=1400,1000", "--screenshot="+png, page)...).CombinedOutput(); err != nil {
		t.Fatalf("chromium --screenshot: %v\n%s", err, out)
	}
	b, err := os.ReadFile(png)
	if err != nil || len(b) < 1000 || !bytes.HasPrefix(b, []byte("\x89PNG")) {
		t.Fatalf("no PNG rendered (%d bytes): %v", len(b), err)
	}
	dom, err := exec.CommandContext(ctx, bin, append(args, "--dump-dom", page)...).Output()
	if err != nil {
		t.Fatalf("chromium --dump-dom: %v", err)
	}
	for _, n := range names {
		if !strings.Contains(string(dom), `data-account="`+n+`"`) {
			t.Errorf("the rendered page has no row of %s", n)
		}
	}
	if !strings.Contains(string(dom), `<svg`) {
		t.Error("the rendered page has no chart")
	}
}
