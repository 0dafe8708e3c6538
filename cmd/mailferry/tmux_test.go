package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mailferry/mailferry/exporters/imap/dovecottest"
)

// The terminal as a person sees it: mailferry runs in tmux at 80 and 120
// columns; no screen line may be wider than the terminal (a wrapped line
// leaves stale lines behind), the progress line shows messages and bytes,
// and Ctrl-C leaves a true summary.

func tmuxOrSkip(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("tmux")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("tmux is not installed (CI installs it)")
		}
		t.Skip("no tmux")
	}
	return p
}

type tmuxSession struct {
	t    *testing.T
	tmux string
	name string
	sock string
}

func startTmux(t *testing.T, tmux string, width int, env []string, command string) *tmuxSession {
	t.Helper()
	s := &tmuxSession{t: t, tmux: tmux, name: fmt.Sprintf("mf%d", width), sock: filepath.Join(t.TempDir(), "tmux.sock")}
	args := []string{"-S", s.sock, "new-session", "-d", "-s", s.name, "-x", fmt.Sprint(width), "-y", "50"}
	for _, e := range env {
		args = append(args, "-e", e)
	}
	args = append(args, command+"; echo EXIT=$?; sleep 60")
	if out, err := exec.Command(tmux, args...).CombinedOutput(); err != nil {
		t.Fatalf("tmux new-session: %v\n%s", err, out)
	}
	t.Cleanup(func() { exec.Command(tmux, "-S", s.sock, "kill-server").Run() })
	return s
}

// screen is the pane's text with wrapped lines joined (-J), so that a line
// wider than the pane shows as one long line.
func (s *tmuxSession) screen() string {
	out, err := exec.Command(s.tmux, "-S", s.sock, "capture-pane", "-p", "-J", "-t", s.name).Output()
	if err != nil {
		s.t.Fatalf("capture-pane: %v", err)
	}
	return string(out)
}

func (s *tmuxSession) keys(k ...string) {
	args := append([]string{"-S", s.sock, "send-keys", "-t", s.name}, k...)
	if out, err := exec.Command(s.tmux, args...).CombinedOutput(); err != nil {
		s.t.Fatalf("send-keys: %v %s", err, out)
	}
}

// waitFor polls the screen until re matches, and returns that screen.
func (s *tmuxSession) waitFor(re *regexp.Regexp, timeout time.Duration) string {
	s.t.Helper()
	deadline := time.Now().Add(timeout)
	var last string
	for time.Now().Before(deadline) {
		last = s.screen()
		if re.MatchString(last) {
			return last
		}
		if re != exitRe && exitRe.MatchString(last) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	s.t.Fatalf("screen never matched %s:\n%s", re, last)
	return ""
}

func checkWidth(t *testing.T, screen string, width int) {
	t.Helper()
	for _, line := range strings.Split(screen, "\n") {
		if w := displayWidth(strings.TrimRight(line, " ")); w > width {
			t.Errorf("a line is %d columns on a %d-column terminal:\n%s", w, width, line)
		}
	}
}

var (
	progressRe = regexp.MustCompile(`\d+/\d+ msgs\s+[\d.]+ \S+/[\d.]+ \S+`)
	exitRe     = regexp.MustCompile(`EXIT=(\d+)`)
)

func TestTerminalWidthAndInterrupt(t *testing.T) {
	tmux := tmuxOrSkip(t)
	srv := dovecottest.Start(t, nil)
	bin := buildBinary(t)
	src := "maildir:" + filepath.Join(t.TempDir(), "src")
	// Japanese folder names among the generated ones, big enough bodies
	// that the copy lasts a while.
	if code, _, stderr := runCLI(t, "gen", src, "--count", "1500", "--seed", "5", "--avg-size", "30000"); code != 0 {
		t.Fatalf("gen: %s", stderr)
	}
	env := []string{"MAILFERRY_PASSWORD=" + dovecottest.Password, "LANG=C.UTF-8", "LC_ALL=", "TERM=xterm-256color"}

	// 80 columns, interrupted.
	s := startTmux(t, tmux, 80, env, fmt.Sprintf("%s copy -j 1 %s imap://alice@%s", bin, src, srv.Addr))
	scr := s.waitFor(progressRe, 60*time.Second)
	checkWidth(t, scr, 80)
	time.Sleep(300 * time.Millisecond)
	s.keys("C-c")
	scr = s.waitFor(exitRe, 60*time.Second)
	checkWidth(t, scr, 80)
	if m := exitRe.FindStringSubmatch(scr); m[1] != "130" {
		t.Errorf("exit %s after Ctrl-C, want 130:\n%s", m[1], scr)
	}
	if !strings.Contains(strings.Join(strings.Fields(scr), " "), "run the same command again") {
		t.Errorf("no advice to run again after Ctrl-C:\n%s", scr)
	}
	copied := regexp.MustCompile(`Copied (\d+) messages`).FindStringSubmatch(scr)
	if copied == nil || copied[1] == "0" || copied[1] == "1500" {
		t.Errorf("the summary after Ctrl-C does not say how many of 1500 were copied:\n%s", scr)
	}
	if strings.Contains(scr, "100%") {
		t.Errorf("the progress line jumped to 100%% on Ctrl-C:\n%s", scr)
	}
	if flat := strings.Join(strings.Fields(scr), " "); strings.Contains(flat, "Every item accounted for") || !strings.Contains(flat, "Stopped before the end") {
		t.Errorf("the summary after Ctrl-C claims a count check it did not make:\n%s", scr)
	}

	// 120 columns, to the end (the re-run finishes the job).
	s = startTmux(t, tmux, 120, env, fmt.Sprintf("%s copy -j 1 %s imap://alice@%s", bin, src, srv.Addr))
	scr = s.waitFor(exitRe, 120*time.Second)
	checkWidth(t, scr, 120)
	if m := exitRe.FindStringSubmatch(scr); m[1] != "0" {
		t.Errorf("re-run exit %s, want 0:\n%s", m[1], scr)
	}
}
