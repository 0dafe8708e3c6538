package main

// Issue 12 items 4 and 5 through the command line: a PST holding contacts
// and an appointment copies into Dovecot with exit 0, and the summary (text
// and --json) names the items that are not mail by kind; --nonmail DIR
// writes them as .vcf/.ics, once.

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailferry/mailferry/exporters/imap/dovecottest"
)

func TestNonMailSummaryPST(t *testing.T) {
	srv := dovecottest.Start(t, nil)
	t.Setenv("MAILFERRY_PASSWORD", dovecottest.Password)
	pst := "pst:" + filepath.Join("..", "..", "testdata", "pst", "ansi-932.pst")

	// Text summary, no --nonmail: named, with the hint, exit 0.
	code, stdout, stderr := runCLI(t, "copy", pst, "imap://alice@"+srv.Addr)
	if code != 0 {
		t.Fatalf("exit %d, want 0 (skipping non-mail is not a failure)\n%s\n%s", code, stdout, stderr)
	}
	for _, want := range []string{"1 appointment, 1 contact: not mail, not copied", "--nonmail DIR", `contact: "Bob"`, `appointment: "Lunch"`} {
		if !strings.Contains(stdout, want) {
			t.Errorf("summary lacks %q:\n%s", want, stdout)
		}
	}

	// --json with --nonmail into a fresh account.
	dir := filepath.Join(t.TempDir(), "address-book")
	code, sum := copyJSON(t, "--nonmail", dir, pst, "imap://bob@"+srv.Addr)
	if code != 0 {
		t.Fatalf("--json: exit %d", code)
	}
	nm, _ := sum["not_mail"].(map[string]any)
	if nm["contact"] != float64(1) || nm["appointment"] != float64(1) || len(nm) != 2 {
		t.Errorf("not_mail = %v", sum["not_mail"])
	}
	if s := totalOf(t, sum, "skipped"); s != 2 {
		t.Errorf("skipped total %d, want 2", s)
	}
	if m, c := totalOf(t, sum, "messages"), totalOf(t, sum, "copied")+totalOf(t, sum, "duplicates")+totalOf(t, sum, "skipped"); m != c {
		t.Errorf("messages %d != copied + duplicates + skipped %d", m, c)
	}
	files := func() []string {
		ents, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, e := range ents {
			names = append(names, e.Name())
		}
		return names
	}
	first := files()
	var vcf, ics int
	for _, n := range first {
		switch filepath.Ext(n) {
		case ".vcf":
			vcf++
		case ".ics":
			ics++
		}
	}
	if vcf != 1 || ics != 1 || len(first) != 2 {
		t.Errorf("--nonmail wrote %v", first)
	}
	// A second run copies nothing and writes no second file.
	code, stdout, _ = runCLI(t, "copy", "--nonmail", dir, pst, "imap://bob@"+srv.Addr)
	if code != 0 || !strings.Contains(stdout, "2 saved as .vcf/.ics/.txt files with --nonmail") {
		t.Errorf("second run: exit %d\n%s", code, stdout)
	}
	if again := files(); len(again) != len(first) {
		t.Errorf("second run: files %v, first %v", again, first)
	}
}
