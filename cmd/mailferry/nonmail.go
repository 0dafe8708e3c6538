package main

import (
	"fmt"
	"github.com/mailferry/mailferry/internal/i18n"
	"io"
	"sort"
	"strings"

	"github.com/mailferry/mailferry/importers"
	"github.com/mailferry/mailferry/internal/engine"
)

// nonMailCounts groups the items a source skipped on purpose
// (importers.SkipError: Outlook contacts, appointments, ...; files that
// are not messages) by kind. The engine names each as a Problem of kind
// "skipped" whose first Arg is the kind (and whose Reason starts
// "KIND: ").
func nonMailCounts(p *engine.Plan) map[string]int {
	counts := map[string]int{}
	for _, pr := range p.Problems {
		if pr.Kind != "skipped" {
			continue
		}
		counts[skipKind(pr)]++
	}
	return counts
}

// skipKind is the SkipError kind of a skipped problem: its first Arg
// (internal/engine/reasons.go), else the start of its Reason.
func skipKind(pr engine.Problem) string {
	if len(pr.Args) > 0 && pr.Code != "" {
		if k, ok := pr.Args[0].(string); ok && k != "" {
			return k
		}
	}
	kind, _, ok := strings.Cut(pr.Reason, ": ")
	if !ok || kind == "" {
		return "other"
	}
	return kind
}

// printNonMail writes one line naming the skipped items by kind: "72
// contacts, 9 appointments: not mail, not copied", and where they went
// (--nonmail) or how to keep them.
func printNonMail(w io.Writer, t *i18n.Printer, p *engine.Plan) {
	counts := nonMailCounts(p)
	if len(counts) == 0 {
		return
	}
	saved, savable := 0, 0
	for _, pr := range p.Problems {
		if pr.Kind != "skipped" {
			continue
		}
		switch pr.Code {
		case importers.SkipNotMailSaved, importers.SkipNotMailTitledSaved:
			saved++
		case importers.SkipNotMailSavable, importers.SkipNotMailTitledSavable:
			savable++
		case "", engine.CodeSkipped: // a reason without a code: its text
			switch {
			case strings.Contains(pr.Reason, "; saved as "):
				saved++
			case strings.Contains(pr.Reason, "--nonmail DIR saves it"):
				savable++
			}
		}
	}
	line := t.Sprintf("%s: not mail, not copied", nonMailSummaryIn(t, counts)) // nonmail_i18n.go
	switch {
	case saved > 0:
		line += t.Sprintf(" (%d saved as .vcf/.ics/.txt files with --nonmail)", saved)
	case savable > 0:
		line += t.Text(" (--nonmail DIR saves contacts as .vcf and calendar items as .ics)")
	}
	fmt.Fprintln(w, line+t.Text("."))
}

// nonMailSummary formats counts by kind, largest first: "72 contacts, 9
// appointments".
func nonMailSummary(counts map[string]int) string {
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
		parts = append(parts, fmt.Sprintf("%d %s", counts[k], kindName(k, counts[k])))
	}
	return strings.Join(parts, ", ")
}

// kindName names n items of a SkipError kind.
func kindName(kind string, n int) string {
	one := map[string]string{"distribution-list": "distribution list", "journal": "journal entry",
		"not-a-message": "file that is not a message", "other": "other item"}
	many := map[string]string{"distribution-list": "distribution lists", "journal": "journal entries",
		"not-a-message": "files that are not messages", "other": "other items", "document": "documents"}
	if n == 1 {
		if s, ok := one[kind]; ok {
			return s
		}
		return kind
	}
	if s, ok := many[kind]; ok {
		return s
	}
	return kind + "s"
}
