package main

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mailferry/mailferry/exporters/imap/dovecottest"
)

var progressJaRe = regexp.MustCompile(`[\d,]+/[\d,]+ 通\s+[\d.]+ \S+/[\d.]+ \S+`)

// The first hour in Japanese, as a person sees it in tmux at 80 columns
// with LANG=ja_JP.UTF-8: the progress line counts in 通 and fits, Ctrl-C
// leaves a Japanese summary and the Japanese advice to run again, every
// line within 80 columns (full-width characters count two; Japanese prose
// without spaces is wrapped between characters).
func TestTerminalJapanese(t *testing.T) {
	tmux := tmuxOrSkip(t)
	srv := dovecottest.Start(t, nil)
	bin := buildBinary(t)
	src := "maildir:" + filepath.Join(t.TempDir(), "src")
	if code, _, stderr := runCLI(t, "gen", src, "--count", "1500", "--seed", "5", "--avg-size", "30000"); code != 0 {
		t.Fatalf("gen: %s", stderr)
	}
	env := []string{"MAILFERRY_PASSWORD=" + dovecottest.Password, "LANG=ja_JP.UTF-8", "LC_ALL=", "TERM=xterm-256color"}
	s := startTmux(t, tmux, 80, env, fmt.Sprintf("%s copy -j 1 %s imap://alice@%s", bin, src, srv.Addr))
	scr := s.waitFor(progressJaRe, 60*time.Second)
	checkWidth(t, scr, 80)
	time.Sleep(300 * time.Millisecond)
	s.keys("C-c")
	scr = s.waitFor(exitRe, 60*time.Second)
	checkWidth(t, scr, 80)
	if m := exitRe.FindStringSubmatch(scr); m[1] != "130" {
		t.Errorf("exit %s after Ctrl-C, want 130:\n%s", m[1], scr)
	}
	t.Logf("screen after Ctrl-C:\n%s", scr)
	flat := strings.Join(strings.Fields(scr), "")
	for _, w := range []string{"中断しました", "同じコマンドをもう一度実行すると続きから完了します", "合計", "コピーしました"} {
		if !strings.Contains(flat, w) {
			t.Errorf("no %q after Ctrl-C:\n%s", w, scr)
		}
	}
	for _, en := range []string{"interrupted", "Every item", "TOTAL"} {
		if strings.Contains(scr, en) {
			t.Errorf("English %q on a Japanese terminal:\n%s", en, scr)
		}
	}
}
