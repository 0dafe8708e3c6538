package ui

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mailferry/mailferry/exporters/imap/dovecottest"
)

// apiCall sends a request of the page (cookie, Origin) and decodes the
// answer into v.
func apiCall(t *testing.T, s *Server, c *http.Cookie, method, path string, body, v any) int {
	t.Helper()
	self := "http://127.0.0.1:" + strconv.Itoa(s.Port())
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = strings.NewReader(string(b))
	}
	req, _ := http.NewRequest(method, self+path, rd)
	req.AddCookie(c)
	if method == "POST" {
		req.Header.Set("Origin", self)
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if v != nil {
		json.NewDecoder(resp.Body).Decode(v)
	}
	return resp.StatusCode
}

// waitJob polls a job until cond holds or it ends.
func waitJob(t *testing.T, s *Server, c *http.Cookie, id int, cond func(JobState) bool) JobState {
	t.Helper()
	deadline := time.Now().Add(3 * time.Minute)
	for {
		var st JobState
		apiCall(t, s, c, "GET", fmt.Sprintf("/api/job?id=%d", id), nil, &st)
		if !st.Running || cond != nil && cond(st) {
			return st
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %d: still running: %+v", id, st)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Stop ends a copy cleanly (exit 130, what was copied stays) and copying
// again finishes the job without copying anything twice; verify then
// finds every message. Passwords never reach the child's arguments.
func TestUIStopAndCopyAgain(t *testing.T) {
	srv := dovecottest.Start(t, nil)
	bin := mailferryBinary(t)
	dir := t.TempDir()
	const n = 1500
	var mb strings.Builder
	for i := 0; i < n; i++ {
		mb.WriteString(tbMessage(fmt.Sprintf("m-%d", i), 2<<10))
	}
	os.WriteFile(filepath.Join(dir, "Inbox"), []byte(mb.String()), 0o600)
	s := startTest(t, Config{Exe: bin, Roots: []string{dir}})
	c := login(t, s)
	host, port, _ := strings.Cut(srv.Addr, ":")
	p, _ := strconv.Atoi(port)
	req := runRequest{Action: "copy", Source: &Store{Kind: "mbox", Path: filepath.Join(dir, "Inbox")},
		Target: &Store{Kind: "imap", Host: host, Port: p, User: "alice", Security: "starttls", Password: dovecottest.Password}}
	var st JobState
	if code := apiCall(t, s, c, "POST", "/api/run", req, &st); code != 200 {
		t.Fatalf("run copy: %d %+v", code, st)
	}
	// The password is in the child's environment, not its arguments.
	s.mu.Lock()
	args := strings.Join(s.jobs[st.ID].cmd.Args, " ")
	s.mu.Unlock()
	if strings.Contains(args, dovecottest.Password) {
		t.Fatalf("the password is in the child's arguments: %s", args)
	}
	// A second step while one runs is refused.
	if code := apiCall(t, s, c, "POST", "/api/run", runRequest{Action: "plan"}, nil); code != http.StatusConflict {
		t.Errorf("a second run while copying: %d, want 409", code)
	}
	waitJob(t, s, c, st.ID, func(st JobState) bool { return st.DoneMessages > 0 })
	apiCall(t, s, c, "POST", "/api/stop", map[string]int{"id": st.ID}, nil)
	first := waitJob(t, s, c, st.ID, nil)
	if first.Code != 130 || !first.Stopped {
		t.Fatalf("stopped copy: exit %d, stopped %v, error %q; want 130", first.Code, first.Stopped, first.Error)
	}
	if first.DoneMessages == 0 || first.DoneMessages >= n {
		t.Fatalf("stopped copy copied %d of %d: the stop came too late or too early", first.DoneMessages, n)
	}
	if first.Summary == nil {
		t.Error("the stopped copy has no summary")
	}

	// Again, with the password of the session (the page sends none).
	req.Target.Password = ""
	if code := apiCall(t, s, c, "POST", "/api/run", req, &st); code != 200 {
		t.Fatalf("run copy again: %d", code)
	}
	second := waitJob(t, s, c, st.ID, nil)
	if second.Code != 0 {
		t.Fatalf("copy again: exit %d: %s", second.Code, second.Error)
	}
	var sum struct {
		Totals struct {
			Copied     int64 `json:"copied"`
			Duplicates int64 `json:"duplicates"`
		} `json:"totals"`
	}
	json.Unmarshal(second.Summary, &sum)
	if sum.Totals.Copied+sum.Totals.Duplicates != n || sum.Totals.Duplicates < first.DoneMessages {
		t.Errorf("copy again: copied %d + already there %d, want %d in all (%d copied before the stop)", sum.Totals.Copied, sum.Totals.Duplicates, n, first.DoneMessages)
	}
	req.Action = "verify"
	apiCall(t, s, c, "POST", "/api/run", req, &st)
	v := waitJob(t, s, c, st.ID, nil)
	var vs struct {
		Complete bool `json:"complete"`
		Totals   struct {
			Present int64 `json:"present"`
		} `json:"totals"`
	}
	json.Unmarshal(v.Verify, &vs)
	if v.Code != 0 || !vs.Complete || vs.Totals.Present != n {
		t.Errorf("verify: exit %d, complete %v, present %d; want all %d", v.Code, vs.Complete, vs.Totals.Present, n)
	}
}

// A wrong password: the test login says so, and the answer does not
// carry the password.
func TestUITestLoginFails(t *testing.T) {
	srv := dovecottest.Start(t, nil)
	s := startTest(t, Config{Exe: mailferryBinary(t)})
	c := login(t, s)
	host, port, _ := strings.Cut(srv.Addr, ":")
	p, _ := strconv.Atoi(port)
	const wrong = "not-the-password-42"
	var st JobState
	apiCall(t, s, c, "POST", "/api/run", runRequest{Action: "test-target",
		Target: &Store{Kind: "imap", Host: host, Port: p, User: "alice", Security: "starttls", Password: wrong}}, &st)
	st = waitJob(t, s, c, st.ID, nil)
	if st.Code == 0 || st.Error == "" {
		t.Fatalf("test login with a wrong password: exit %d, error %q", st.Code, st.Error)
	}
	b, _ := json.Marshal(st)
	if strings.Contains(string(b), wrong) {
		t.Errorf("the answer carries the password: %s", b)
	}
	// The page never gets a password back.
	var hello map[string]any
	apiCall(t, s, c, "GET", "/api/hello", nil, &hello)
	hb, _ := json.Marshal(hello)
	if strings.Contains(string(hb), wrong) {
		t.Errorf("/api/hello carries the password: %s", hb)
	}
	// The right one works and reports the quota.
	apiCall(t, s, c, "POST", "/api/run", runRequest{Action: "test-target",
		Target: &Store{Kind: "imap", Host: host, Port: p, User: "alice", Security: "starttls", Password: dovecottest.Password}}, &st)
	st = waitJob(t, s, c, st.ID, nil)
	if st.Code != 0 || len(st.Quota) == 0 {
		t.Errorf("test login: exit %d, quota %s, error %q", st.Code, st.Quota, st.Error)
	}
	// A source account: its folders.
	apiCall(t, s, c, "POST", "/api/run", runRequest{Action: "test-source",
		Source: &Store{Kind: "imap", Host: host, Port: p, User: "bob", Security: "starttls", Password: dovecottest.Password}}, &st)
	st = waitJob(t, s, c, st.ID, nil)
	if st.Code != 0 || len(st.Folders) == 0 || !strings.Contains(string(st.Folders[0]), "INBOX") {
		t.Errorf("test login of the source: exit %d, folders %s, error %q", st.Code, st.Folders, st.Error)
	}
}
