package main

import (
	"bytes"
	"strconv"
	"strings"
	"testing"
)

var helpCommands = []string{"", "archive", "copy", "demo", "login", "ls", "plan", "quota", "verify", "version", "completion"}

// Every --help fits the terminal (80 and 120 columns, and a narrow 50), in
// English and in Japanese (full-width characters count two columns), and
// the Japanese help has Japanese headings and flag texts.
func TestHelpFitsAndSpeaksJapanese(t *testing.T) {
	for _, cols := range []int{50, 80, 120} {
		t.Setenv("COLUMNS", strconv.Itoa(cols))
		for _, lang := range []string{"en", "ja"} {
			for _, c := range helpCommands {
				args := []string{"--lang", lang, "--help"}
				if c != "" {
					args = []string{"--lang", lang, c, "--help"}
				}
				var out, errb bytes.Buffer
				if code := runWith(args, &out, &errb); code != 0 {
					t.Fatalf("%v: exit %d: %s", args, code, errb.String())
				}
				for _, l := range strings.Split(out.String(), "\n") {
					if w := displayWidth(l); w > cols-1 {
						t.Errorf("%d columns, %v: line of %d columns: %q", cols, args, w, l)
					}
				}
				if lang == "ja" {
					s := out.String()
					for _, en := range []string{"Usage:", "Flags:", "Global Flags:", "Examples:", "help for ", "for more information"} {
						if strings.Contains(s, en) {
							t.Errorf("%v: English %q in the Japanese help", args, en)
						}
					}
					if !strings.Contains(s, "使い方:") {
						t.Errorf("%v: no 使い方: heading:\n%s", args, s)
					}
				}
			}
		}
	}
}

// verify --help lists only what applies to verify; the copy-only flags
// are still accepted, so a copy command line can be re-used for verify.
func TestVerifyHelpOnlyVerifyFlags(t *testing.T) {
	var out, errb bytes.Buffer
	runWith([]string{"verify", "--help"}, &out, &errb)
	for _, f := range notForVerify {
		if strings.Contains(out.String(), "--"+f) {
			t.Errorf("verify --help lists --%s:\n%s", f, out.String())
		}
	}
	if !strings.Contains(out.String(), "--content") {
		t.Errorf("verify --help lacks --content")
	}
	out.Reset()
	errb.Reset()
	code := runWith([]string{"verify", "--ignore-quota", "mbox:/nonexistent-k"}, &out, &errb)
	if code != exitUsage || strings.Contains(errb.String(), "unknown flag") {
		t.Errorf("verify --ignore-quota: exit %d: %s", code, errb.String())
	}
}

// Examples stay copyable at 80 columns: long ones continue after " \".
func TestHelpExamplesWrapAsShell(t *testing.T) {
	got := wrapExamples("  mailferry archive imaps://info@example.co.jp@mail.example.co.jp mbox:/mnt/nas/archive --older-than 180d  # keep six months", 80)
	want := "  # keep six months\n  mailferry archive imaps://info@example.co.jp@mail.example.co.jp \\\n      mbox:/mnt/nas/archive --older-than 180d"
	if got != want {
		t.Errorf("wrapExamples:\n%s\nwant\n%s", got, want)
	}
}
