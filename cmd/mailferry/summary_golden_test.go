package main

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mailferry/mailferry/internal/engine"
)

var updateGolden = flag.Bool("update-golden", false, "rewrite testdata/*.golden from the current output")

// goldenPlan is a copy's outcome with what a first run shows: Japanese
// and long folder names, duplicates, a skipped item, a quota that fits.
func goldenPlan() *engine.Plan {
	return &engine.Plan{
		Folders: []*engine.FolderPlan{
			{SourceP: "Inbox", TargetP: "INBOX", Exists: true, Messages: 1204, Copied: 1180, NewBytes: 163_577_856, Duplicates: 24, Found: 1204},
			{SourceP: "受信トレイ/取引先/株式会社サンプル商事", TargetP: "受信トレイ/取引先/株式会社サンプル商事", Messages: 312, Copied: 311, NewBytes: 41_943_040, Skipped: 1, Found: 312},
			{SourceP: "Archives/2019/Customers and suppliers of the Osaka office", TargetP: "Archives/2019/Customers and suppliers of the Osaka office", Messages: 57, Copied: 57, NewBytes: 5_242_880, Found: 57},
			{SourceP: "Sent", TargetP: "Sent", Exists: true, Messages: 88, Copied: 88, NewBytes: 9_437_184, Found: 88},
		},
		Quota: []engine.QuotaCheck{{Root: "User quota", Known: true, Used: 104_857_600, Limit: 1 << 30, Need: 220_200_960,
			Available: 861_042_892, Headroom: 0.9, UsedMsgs: -1, LimitMsgs: -1, NeedMsgs: 0, Fits: true}},
		Problems: []engine.Problem{{Ref: "thunderbird:Mail/受信トレイ@4711", Folder: "受信トレイ/取引先/株式会社サンプル商事", Kind: "skipped", Reason: "not a message (no header)"}},
		Elapsed:  83 * time.Second,
	}
}

// The summary of a copy, in English and in Japanese: the table at 80
// columns, at 40 (the per-folder lines of a narrow terminal) and the whole
// summary as it goes to a file (no width), each against a golden file.
func TestSummaryGolden(t *testing.T) {
	for _, lang := range []string{"en", "ja"} {
		var out, errb bytes.Buffer
		g := &globalOptions{stdout: &out, stderr: &errb, lang: lang}
		r := g.newReporter(true)
		var got bytes.Buffer
		for _, width := range []int{80, 40} {
			var b bytes.Buffer
			r.folderTable(&b, width, goldenPlan(), true)
			for _, l := range strings.Split(strings.TrimRight(b.String(), "\n"), "\n") {
				if w := displayWidth(l); w > width {
					t.Errorf("%s at %d columns: line of %d columns: %q", lang, width, w, l)
				}
			}
			got.WriteString("== table at " + strconv.Itoa(width) + " columns\n")
			got.Write(b.Bytes())
		}
		r.summary(goldenPlan(), true)
		got.WriteString("== summary to a file\n")
		got.Write(out.Bytes())
		checkGolden(t, filepath.Join("testdata", "summary_"+lang+".golden"), got.String())
		if lang == "ja" {
			for _, en := range []string{"Every item", "Quota", "Not copied", "Copied", "TOTAL", "FOLDER"} {
				if strings.Contains(got.String(), en) {
					t.Errorf("Japanese summary still has English %q:\n%s", en, got.String())
				}
			}
		}
	}
}

func checkGolden(t *testing.T, path, got string) {
	t.Helper()
	if *updateGolden {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run %s -update-golden to create it)", err, t.Name())
	}
	if string(want) != got {
		t.Errorf("%s differs from the output (go test -run %s -update-golden rewrites it after review):\n--- got\n%s--- want\n%s", path, t.Name(), got, want)
	}
}
