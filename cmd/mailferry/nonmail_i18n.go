package main

import (
	"fmt"
	"sort"
	"strings"

	"github.com/mailferry/mailferry/internal/i18n"
)

// jaKind names the SkipError kinds in Japanese (no plural forms).
var jaKind = map[string]string{
	"contact": "連絡先", "distribution-list": "配布リスト", "appointment": "予定", "task": "タスク",
	"journal": "履歴", "note": "メモ", "not-a-message": "メッセージでないファイル", "other": "その他の項目",
	"document": "文書",
}

// nonMailSummaryIn is nonMailSummary in the language of t: "連絡先 72 件、
// 予定 9 件" in Japanese.
func nonMailSummaryIn(t *i18n.Printer, counts map[string]int) string {
	if t.Lang() != i18n.Japanese {
		return nonMailSummary(counts)
	}
	kinds := make([]string, 0, len(counts))
	for k := range counts {
		kinds = append(kinds, k)
	}
	sort.Slice(kinds, func(i, j int) bool {
		if counts[kinds[i]] != counts[kinds[j]] {
			return counts[kinds[i]] > counts[kinds[j]]
		}
		return kinds[i] < kinds[j]
	})
	parts := make([]string, 0, len(kinds))
	for _, k := range kinds {
		name, ok := jaKind[k]
		if !ok {
			name = k
		}
		parts = append(parts, fmt.Sprintf("%s %d 件", name, counts[k]))
	}
	return strings.Join(parts, "、")
}
