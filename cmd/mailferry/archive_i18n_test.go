package main

import (
	"bytes"
	"strings"
	"testing"
)

// The archive summary and its dry run speak the user's language: no
// English sentence is left under --lang ja, and the numbers are there.
func TestArchiveSummaryJapanese(t *testing.T) {
	results := func() []*archiveResult {
		return []*archiveResult{
			{DryRun: true, Archive: "mbox:/backup", QuotaKnown: true, UsedBefore: 900 << 20, Limit: 1 << 30, ArchiveFree: 50 << 30,
				Folders: []*archiveFolder{{Name: "INBOX", Selected: 1200, SelBytes: 400 << 20, Kept: 3}}},
			{Archive: "mbox:/backup", QuotaKnown: true, UsedBefore: 900 << 20, UsedAfter: 500 << 20, Limit: 1 << 30,
				Moved: 1197, MovedBytes: 400 << 20, Gone: 1, Left: 2,
				Folders:  []*archiveFolder{{Name: "INBOX", Moved: 1197}},
				Problems: []archiveProblem{{Folder: "INBOX", UID: 42, Reason: "not found in the archive"}}},
			{Archive: "maildir:/backup", QuotaKnown: true, UsedAfter: 100 << 20, Limit: 1 << 30},
		}
	}
	for _, lang := range []string{"en", "ja"} {
		for _, r := range results() {
			var out bytes.Buffer
			g := &globalOptions{stdout: &out, stderr: &out, lang: lang}
			g.archiveSummary(r)
			s := out.String()
			t.Logf("%s:\n%s", lang, s)
			if lang != "ja" {
				continue
			}
			for _, en := range []string{"Would move", "box usage", "Dry run", "Moved", "Nothing to move", "stay on the server", "Run the same", "deleted on the server", "FOLDER", "KEPT"} {
				if strings.Contains(s, en) {
					t.Errorf("ja output has %q:\n%s", en, s)
				}
			}
		}
	}
}

// The archive's refusals are in the catalogue too.
func TestArchiveErrorsJapanese(t *testing.T) {
	q := &archiveQuotaError{format: "--until-usage %s cannot be reached: the box uses %s of %s (%s); archiving every selected message (%s messages, %s) would leave it at %s. Nothing was changed. Select more (a shorter --older-than, more folders, without --keep-flagged/--keep-unread) or choose a higher target.",
		args: []any{"10%", "900.0 MiB", "1.0 GiB", "88%", "1,200", "400.0 MiB", "49%"}}
	g := &globalOptions{lang: "ja"}
	for _, err := range []error{q, errArchiveNoUIDPlus} {
		s, ok := localizedError(err, g.T())
		if !ok || strings.Contains(s, "Nothing was changed") {
			t.Errorf("%v: not localized: %q", err, s)
		}
		t.Log(s)
	}
	if s, _ := localizedError(q, (&globalOptions{lang: "en"}).T()); s != q.Error() {
		t.Errorf("English: %q, want %q", s, q.Error())
	}
}
