package ui

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/mailferry/mailferry/internal/i18n"
)

// The report is one self-contained file; what comes from the mailbox
// (folder names, message references) is escaped.
func TestUIReport(t *testing.T) {
	evil := `<img src=x onerror=alert(1)>`
	sum, _ := json.Marshal(map[string]any{
		"type": "summary", "copy": true,
		"folders":  []map[string]any{{"source": evil, "target_folder": "INBOX", "messages": 3, "new": 2, "new_bytes": 2048, "copied": 2, "duplicates": 1, "deleted_skipped": 0}},
		"totals":   map[string]any{"messages": 3, "new": 2, "new_bytes": 2048, "copied": 2, "duplicates": 1, "deleted_skipped": 1},
		"quota":    []map[string]any{{"root": "User quota", "known": true, "used": 1 << 20, "limit": 10 << 20, "need": 2048, "headroom": 0.9, "fits": true}},
		"problems": []map[string]any{{"kind": "skipped", "folder": evil, "ref": "r1", "reason": "not a message"}},
	})
	ver, _ := json.Marshal(map[string]any{"type": "verify-summary", "complete": true, "totals": map[string]any{"present": 3}})
	for _, l := range []i18n.Lang{i18n.English, i18n.Japanese} {
		var b strings.Builder
		err := writeReport(&b, i18n.New(l), &reportData{Source: "thunderbird:/home/me/.thunderbird/x", Target: "imaps://me@mail.example.com",
			Copy: &JobState{Summary: sum}, Verify: &JobState{Verify: ver}, When: time.Date(2026, 12, 6, 3, 0, 0, 0, time.UTC)})
		if err != nil {
			t.Fatal(err)
		}
		out := b.String()
		if strings.Contains(out, evil) || !strings.Contains(out, "&lt;img") {
			t.Errorf("%s: a folder name is not escaped", l)
		}
		if !strings.Contains(out, "<td>INBOX</td>") {
			t.Errorf("%s: the folder table does not name the target folder", l)
		}
		for _, bad := range []string{"<script", "<link", "http://", "https://", "@import", "url("} {
			if strings.Contains(out, bad) {
				t.Errorf("%s: the report has %q (an external resource or script)", l, bad)
			}
		}
		want := map[i18n.Lang][]string{
			i18n.English:  {"mailferry report", "Verified: all 3 messages are in the target.", "1.0 MiB (10.0%)", "not yet compacted", "<svg"},
			i18n.Japanese: {"mailferry 報告書", "確認しました: 3 通すべてが移行先にあります。", "コピー前の使用量", "除外"},
		}[l]
		for _, w := range want {
			if !strings.Contains(out, w) {
				t.Errorf("%s: the report lacks %q:\n%s", l, w, out)
			}
		}
	}
}
