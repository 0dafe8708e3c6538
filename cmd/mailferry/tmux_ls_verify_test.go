package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// ls, verify (with a message missing in the target) and --help on an
// 80-column terminal, in English and Japanese: long folder names and a
// long target path are shortened, prose is wrapped, no line is wider than
// the terminal.
func TestTerminalLsVerifyHelp(t *testing.T) {
	tmux := tmuxOrSkip(t)
	bin := buildBinary(t)
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	if err := os.MkdirAll(src, 0o755); err != nil {
		t.Fatal(err)
	}
	mbox := "From a@b Thu Jan  1 00:00:00 2026\nMessage-ID: <1@x>\nFrom: =?UTF-8?B?5bGx55Sw5aSq6YOO?= <yamada@example.co.jp>\nDate: Thu, 1 Jan 2026 09:00:00 +0900\nSubject: =?UTF-8?B?6KaL56mN5pu4?=\n\nbody\n"
	long := "株式会社サンプル商事との取引に関するメールと見積書と請求書のやり取り全部"
	if err := os.WriteFile(filepath.Join(src, long), []byte(mbox), 0o600); err != nil {
		t.Fatal(err)
	}
	// A target deep enough that its absolute path alone is wider than 80.
	dst := filepath.Join(dir, strings.Repeat("deep-directory/", 6), "maildir-target")
	if code, out, errs := runCLI(t, "copy", "-q", "mbox:"+src, "maildir:"+dst); code != 0 {
		t.Fatalf("copy: %d %s %s", code, out, errs)
	}
	files, _ := filepath.Glob(filepath.Join(dst, "*", "cur", "*"))
	more, _ := filepath.Glob(filepath.Join(dst, "cur", "*"))
	for _, f := range append(files, more...) {
		os.Remove(f)
	}
	for _, lang := range []string{"C.UTF-8", "ja_JP.UTF-8"} {
		env := []string{"LANG=" + lang, "LC_ALL=", "TERM=xterm-256color"}
		for _, c := range []struct {
			args string
			want string
		}{
			{"ls mbox:" + src, ""},
			{"verify mbox:" + src + " maildir:" + dst, "EXIT=3"},
			{"copy --help", ""},
		} {
			s := startTmux(t, tmux, 80, env, fmt.Sprintf("%s %s", bin, c.args))
			scr := s.waitFor(exitRe, 30*time.Second)
			checkWidth(t, scr, 80)
			if c.want != "" && !strings.Contains(scr, c.want) {
				t.Errorf("%s %s: no %q:\n%s", lang, c.args, c.want, scr)
			}
			if strings.HasPrefix(c.args, "verify") {
				want := "missing in the target"
				if lang == "ja_JP.UTF-8" {
					want = "移行先にありません"
				}
				if !strings.Contains(scr, want) || !strings.Contains(scr, "山田太郎") || !strings.Contains(scr, "見積書") {
					t.Errorf("%s verify: the missing message is not named by %q, sender and subject:\n%s", lang, want, scr)
				}
			}
		}
	}
}
