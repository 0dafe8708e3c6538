package main

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// mailferry ui --no-browser prints the address (and, with --json, an
// event with it), serves the page there once the token is exchanged, and
// ends cleanly on Ctrl-C.
func TestUICommand(t *testing.T) {
	bin := buildBinary(t)
	cmd := exec.Command(bin, "ui", "--no-browser", "--json", "--lang", "ja")
	cmd.Env = append(os.Environ(), "DISPLAY=")
	stdout, _ := cmd.StdoutPipe()
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("no event: %v (stderr %q)", err, stderr.String())
	}
	var ev struct {
		Type string `json:"type"`
		URL  string `json:"url"`
	}
	if err := json.Unmarshal([]byte(line), &ev); err != nil || ev.Type != "ui" || !strings.HasPrefix(ev.URL, "http://127.0.0.1:") || !strings.Contains(ev.URL, "token=") {
		t.Fatalf("event %q: %v", line, err)
	}
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 10 * time.Second}
	resp, err := c.Get(ev.URL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), "app.js") || resp.Request.URL.RawQuery != "" {
		t.Fatalf("GET %s: %d, ended at %s:\n%s", ev.URL, resp.StatusCode, resp.Request.URL, body)
	}
	// The address works once.
	if resp, err := http.Get(ev.URL); err != nil || resp.StatusCode != http.StatusForbidden {
		t.Errorf("second use of the address: %v %v, want 403", resp.StatusCode, err)
	}
	cmd.Process.Signal(os.Interrupt)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("after Ctrl-C: %v (stderr %q)", err, stderr.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("mailferry ui did not stop on Ctrl-C")
	}
	if s := stderr.String(); !strings.Contains(s, ev.URL) || !strings.Contains(s, "ブラウザー") || !strings.Contains(s, "終了しました") {
		t.Errorf("stderr: %q", s)
	}
}
