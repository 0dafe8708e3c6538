package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/mailferry/mailferry/exporters"
)

// The end-of-run lines a new user reads say what happened and what to do,
// in English and in Japanese: a run refused by quota does not claim a copy;
// an unknown quota says why it matters; Ctrl-C says that running the same
// command again finishes the job.
func TestSummaryEndLinesTeach(t *testing.T) {
	for _, c := range []struct {
		lang    string
		refused []string
		unknown []string
		intr    []string
	}{
		{"en", []string{"Refused by quota: nothing was written."}, []string{"does not report a quota", "cannot check that this copy fits"},
			[]string{"interrupted", "run the same command again"}},
		{"ja", []string{"容量制限のため中止しました: 何も書き込んでいません。"}, []string{"容量: 不明", "確認できません"},
			[]string{"中断しました", "同じコマンドをもう一度実行"}},
	} {
		var out, errb bytes.Buffer
		g := &globalOptions{stdout: &out, stderr: &errb, lang: c.lang}
		r := g.newReporter(true)
		r.refused = true
		p := goldenPlan()
		for _, f := range p.Folders {
			f.Copied = 0
		}
		p.QuotaErr = exporters.ErrQuotaUnknown.Error()
		p.Quota = nil
		r.summary(p, true)
		s := out.String()
		for _, w := range append(c.refused, c.unknown...) {
			if !strings.Contains(s, w) {
				t.Errorf("%s: summary lacks %q:\n%s", c.lang, w, s)
			}
		}
		for _, bad := range []string{"Copied 0", "0 通のメッセージ", "(quota unknown)"} {
			if strings.Contains(s, bad) {
				t.Errorf("%s: summary says %q:\n%s", c.lang, bad, s)
			}
		}
		g.printError(errInterruptedForTest, exitCancelled)
		for _, w := range c.intr {
			if !strings.Contains(errb.String(), w) {
				t.Errorf("%s: interrupt message lacks %q: %q", c.lang, w, errb.String())
			}
		}
		errb.Reset()
		g.printError(errIncomplete, exitIncomplete)
		if c.lang == "ja" && !strings.Contains(errb.String(), "コピーしなかったメッセージがあります") {
			t.Errorf("ja: exit-3 line %q", errb.String())
		}
	}
}
