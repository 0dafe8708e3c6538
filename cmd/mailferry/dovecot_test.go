package main

// Issue 2's "done when", through the command line against a real Dovecot:
// a Thunderbird Local Folders tree, a Maildir++ tree and a single mbox
// file, each of several thousand messages, copy into Dovecot with every
// message present byte for byte (CRLF aside), flags and internal dates
// kept and folders mapped; a second copy uploads nothing; plan and copy
// against a too-small quota refuse with exit 4 and write nothing.

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/mailferry/mailferry/exporters"
	"github.com/mailferry/mailferry/exporters/imap/dovecottest"
	"github.com/mailferry/mailferry/importers"
	imapimp "github.com/mailferry/mailferry/importers/imap"
	"github.com/mailferry/mailferry/importers/importertest"
	"github.com/mailferry/mailferry/internal/engine"
)

// integrationCount is the size of each store: several thousand messages,
// small ones so that CI stays quick.
const integrationCount = 3000

// stored is what a test knows about one message (HasID is not compared).
type stored = importertest.Digest

// describe is how messages are compared and reported.
func describe(s stored) string {
	return fmt.Sprintf("%s %s [%s] %s", s.Folder, s.Hash[:12], s.Flags, time.Unix(s.Date, 0).UTC().Format(time.RFC3339))
}

func crlfHash(b []byte) string {
	h := sha256.Sum256(importertest.ToCRLF(b))
	return hex.EncodeToString(h[:])
}

// serverHolds reads every message of user's account through the IMAP
// importer and returns them sorted.
func serverHolds(t *testing.T, srv *dovecottest.Server, user string) []stored {
	t.Helper()
	src, err := imapimp.Open(context.Background(), "imap://"+user+"@"+srv.Addr, &importers.Options{
		Password: func(string, string) (string, error) { return dovecottest.Password, nil },
	})
	if err != nil {
		t.Fatalf("open server as source: %v", err)
	}
	defer src.Close()
	out := importertest.Digests(t, src)
	sortStored(out)
	return out
}

func sortStored(s []stored) {
	sort.Slice(s, func(i, j int) bool { return describe(s[i]) < describe(s[j]) })
}

// compareStored fails the test with the first differences.
func compareStored(t *testing.T, what string, got, want []stored) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: server holds %d messages, want %d", what, len(got), len(want))
	}
	gm := map[string]int{}
	for _, s := range got {
		gm[describe(s)]++
	}
	wm := map[string]int{}
	for _, s := range want {
		wm[describe(s)]++
	}
	n := 0
	for k, c := range wm {
		if gm[k] != c && n < 10 {
			t.Errorf("%s: want %d× %s, server has %d", what, c, k, gm[k])
			n++
		}
	}
	for k, c := range gm {
		if wm[k] == 0 && n < 20 {
			t.Errorf("%s: server has %d× unexpected %s", what, c, k)
			n++
		}
	}
}

// genOptions is the corpus of these tests: messages of about 6 KiB.
func genOptions(folders []importers.Folder) importertest.GenOptions {
	return importertest.GenOptions{Count: integrationCount, Seed: 2, AvgSize: 6 << 10, Folders: folders}
}

func genRawOf(o importertest.GenOptions, i int) []byte {
	m := importertest.GenMessage(o, i)
	rc, _ := m.Body.Open()
	defer rc.Close()
	b, _ := io.ReadAll(rc)
	return b
}

// genExpected is what the server must hold after copying the generated
// corpus: mapFolder gives the target folder of a source folder, prefix is
// prepended to each message (what a store adds, such as X-Mozilla-Status),
// keepFlags says whether the store keeps flags.
func genExpected(o importertest.GenOptions, keep func(i int) bool, mapFolder func(importers.Folder) string,
	extra func(i int) []byte, flagsOf func(m *importers.Message) string) []stored {
	folders := o.Folders
	if len(folders) == 0 {
		folders = importertest.DefaultGenFolders
	}
	var out []stored
	for i := 0; i < o.Count; i++ {
		if keep != nil && !keep(i) {
			continue
		}
		m := importertest.GenMessage(o, i)
		raw := genRawOf(o, i)
		if extra != nil {
			raw = append(extra(i), raw...)
		}
		out = append(out, stored{Folder: mapFolder(folders[i%len(folders)]), Hash: crlfHash(raw), Flags: flagsOf(m), Date: m.InternalDate.Unix()})
	}
	sortStored(out)
	return out
}

// copyJSON runs copy with --json and returns the exit code and the final
// summary event's totals.
func copyJSON(t *testing.T, args ...string) (int, map[string]any) {
	t.Helper()
	code, stdout, stderr := runCLI(t, append([]string{"copy", "--json"}, args...)...)
	var summary map[string]any
	for _, line := range strings.Split(strings.TrimSpace(stdout), "\n") {
		var ev map[string]any
		if json.Unmarshal([]byte(line), &ev) == nil && ev["type"] == "summary" {
			summary = ev
		}
	}
	if summary == nil {
		t.Fatalf("copy %q: exit %d, no summary event in --json output\nstdout tail: %.2000s\nstderr: %s", args, code, tail(stdout, 2000), stderr)
	}
	return code, summary
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

func totalOf(t *testing.T, summary map[string]any, field string) int64 {
	t.Helper()
	tot, ok := summary["totals"].(map[string]any)
	if !ok {
		t.Fatalf("summary without total: %v", summary)
	}
	v, ok := tot[field].(float64)
	if !ok {
		t.Fatalf("summary total without %q: %v", field, tot)
	}
	return int64(v)
}

func TestCopyLocalStoresIntoDovecot(t *testing.T) {
	if testing.Short() {
		t.Skip("several thousand messages")
	}
	srv := dovecottest.Start(t, &dovecottest.Config{QuotaBytes: 1 << 30})
	t.Setenv("MAILFERRY_PASSWORD", dovecottest.Password)
	url := "imap://alice@" + srv.Addr
	ctx := context.Background()

	keepFlags := func(m *importers.Message) string { return importertest.FlagSet(m.Flags) }
	noFlags := func(*importers.Message) string { return "" }

	stores := []struct {
		name string
		make func(t *testing.T, dir string) (spec string, want []stored)
	}{
		{"thunderbird", func(t *testing.T, dir string) (string, []stored) {
			o := genOptions(nil)
			lf := filepath.Join(dir, "profile", "Mail", "Local Folders")
			if err := importertest.WriteThunderbird(lf, o, tbExpunged); err != nil {
				t.Fatal(err)
			}
			want := genExpected(o, func(i int) bool { return !tbExpunged(i) }, importertest.FolderName,
				func(i int) []byte {
					return importertest.MozillaHeader(importertest.GenMessage(o, i).Flags, tbExpunged(i))
				}, keepFlags)
			return "thunderbird:" + lf, want
		}},
		{"maildir++", func(t *testing.T, dir string) (string, []stored) {
			o := genOptions(nil)
			md := filepath.Join(dir, "Maildir")
			writeWithEngine(t, ctx, "maildir:"+md, o)
			return "maildir:" + md, genExpected(o, nil, importertest.FolderName, nil, keepFlags)
		}},
		{"mbox file", func(t *testing.T, dir string) (string, []stored) {
			o := genOptions([]importers.Folder{{"INBOX"}})
			writeWithEngine(t, ctx, "mbox:"+dir, o)
			// The mbox exporter names the inbox "Inbox"; an mbox file does
			// not keep flags.
			return "mbox:" + filepath.Join(dir, "Inbox"), genExpected(o, nil, importertest.FolderName, nil, noFlags)
		}},
	}
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			srv.ResetUser(t, "alice")
			spec, want := st.make(t, t.TempDir())
			t.Logf("%s: %d messages expected on the server", spec, len(want))

			code, sum := copyJSON(t, spec, url)
			if code != exitOK {
				t.Fatalf("copy: exit %d, summary %v", code, sum)
			}
			if got := totalOf(t, sum, "copied"); got != int64(len(want)) {
				t.Errorf("copy says it copied %d, want %d", got, len(want))
			}
			compareStored(t, "after copy", serverHolds(t, srv, "alice"), want)

			code, sum = copyJSON(t, spec, url)
			if code != exitOK || totalOf(t, sum, "copied") != 0 {
				t.Errorf("second copy: exit %d, copied %d, want 0 and 0", code, totalOf(t, sum, "copied"))
			}
			if d := totalOf(t, sum, "duplicates"); d != int64(len(want)) {
				t.Errorf("second copy: %d duplicates, want %d", d, len(want))
			}
			compareStored(t, "after the second copy", serverHolds(t, srv, "alice"), want)

			// The same store into a box too small for it: refused, exit 4,
			// nothing written.
			srv.ResetUser(t, "small")
			small := "imap://small@" + srv.Addr
			if code, _, stderr := runCLI(t, "plan", spec, small); code != exitQuota || !strings.Contains(stderr, "quota") {
				t.Errorf("plan into small: exit %d (want %d), stderr %q", code, exitQuota, stderr)
			}
			if code, _, stderr := runCLI(t, "copy", spec, small); code != exitQuota {
				t.Errorf("copy into small: exit %d (want %d), stderr %q", code, exitQuota, stderr)
			}
			if got := serverHolds(t, srv, "small"); len(got) != 0 {
				t.Errorf("refused copy wrote %d messages into small", len(got))
			}
		})
	}
}

// writeWithEngine writes the generated corpus o into a local store.
func writeWithEngine(t *testing.T, ctx context.Context, spec string, o importertest.GenOptions) {
	t.Helper()
	sink, err := exporters.Open(ctx, spec, &importers.Options{
		Password: func(string, string) (string, error) { return dovecottest.Password, nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close()
	eng := &engine.Engine{Src: &importertest.GenSource{Opt: o}, Sink: sink,
		Opts: engine.Options{Dedupe: engine.ScopeOff, IgnoreQuota: true}}
	plan, err := eng.Copy(ctx)
	if err != nil {
		t.Fatalf("writing %s: %v", spec, err)
	}
	if plan.Incomplete() {
		t.Fatalf("writing %s: incomplete: %v", spec, plan.Problems)
	}
}

// TestCopyIntoPrefixedNamespace copies into a Courier-style server
// ("INBOX." prefix, "." delimiter): folders become INBOX.Archive.2019 and
// the Japanese ones travel in modified UTF-7.
func TestCopyIntoPrefixedNamespace(t *testing.T) {
	srv := dovecottest.Start(t, &dovecottest.Config{NamespacePrefix: "INBOX."})
	t.Setenv("MAILFERRY_PASSWORD", dovecottest.Password)
	ctx := context.Background()
	dir := t.TempDir()
	o := importertest.GenOptions{Count: 210, Seed: 3, AvgSize: 4 << 10}
	writeWithEngine(t, ctx, "maildir:"+dir, o)
	url := "imap://bob@" + srv.Addr
	if code, sum := copyJSON(t, "maildir:"+dir, url); code != exitOK || totalOf(t, sum, "copied") != 210 {
		t.Fatalf("copy: exit %d, %v", code, sum)
	}
	compareStored(t, "INBOX. server", serverHolds(t, srv, "bob"), genExpected(o, nil, importertest.FolderName, nil,
		func(m *importers.Message) string { return importertest.FlagSet(m.Flags) }))

	c := srv.Dial(t, "bob")
	l, err := c.List("", "*", nil).Collect()
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, d := range l {
		names[d.Mailbox] = true
	}
	for _, want := range []string{"INBOX", "INBOX.Archive.2019", "INBOX.Lists.go-nuts", "INBOX.仕事.重要", "INBOX.Sent"} {
		if !names[want] {
			t.Errorf("server has no mailbox %q; has %v", want, names)
		}
	}
	if code, sum := copyJSON(t, "maildir:"+dir, url); code != exitOK || totalOf(t, sum, "copied") != 0 {
		t.Errorf("second copy: exit %d, %v", code, sum)
	}
}

func tbExpunged(i int) bool { return i%50 == 7 }

// TestDemo runs the README's first command (what .ci/demo runs).
func TestDemo(t *testing.T) {
	if _, err := os.Stat("/usr/sbin/dovecot"); err != nil && os.Getenv("CI") != "true" {
		t.Skip("no Dovecot")
	}
	code, stdout, stderr := runCLI(t, "demo")
	if code != exitOK || !strings.Contains(stdout, "every step behaved as expected") {
		t.Fatalf("demo: exit %d\n%s\n%s", code, tail(stdout, 3000), stderr)
	}
	if strings.Contains(stdout+stderr, dovecottest.Password) {
		t.Errorf("the demo printed the password")
	}
}

// TestOverQuotaMidRun: with --ignore-quota the copy runs into the 1 MiB
// box until the server answers OVERQUOTA (to a MULTIAPPEND batch, then to
// single APPENDs), stops with exit 4, and every message it stored is
// complete.
func TestOverQuotaMidRun(t *testing.T) {
	srv := dovecottest.Start(t, nil)
	t.Setenv("MAILFERRY_PASSWORD", dovecottest.Password)
	dir := t.TempDir()
	o := importertest.GenOptions{Count: 120, Seed: 5, AvgSize: 16 << 10, Folders: []importers.Folder{{"INBOX"}, {"Archive"}}}
	writeWithEngine(t, context.Background(), "maildir:"+dir, o)
	small := "imap://small@" + srv.Addr
	code, sum := copyJSON(t, "--ignore-quota", "maildir:"+dir, small)
	if code != exitQuota {
		t.Fatalf("copy into a full box: exit %d, want %d", code, exitQuota)
	}
	got := serverHolds(t, srv, "small")
	if int64(len(got)) != totalOf(t, sum, "copied") || len(got) == 0 {
		t.Errorf("server holds %d messages, the summary says %d copied", len(got), totalOf(t, sum, "copied"))
	}
	want := map[string]bool{}
	for _, s := range genExpected(o, nil, importertest.FolderName, nil, func(m *importers.Message) string { return importertest.FlagSet(m.Flags) }) {
		want[describe(s)] = true
	}
	for _, s := range got {
		if !want[describe(s)] {
			t.Errorf("server holds a message that is not one of the source's (partial?): %s", describe(s))
		}
	}
}

// TestIMAPToIMAP: a consultant's move between two servers, one with the
// default namespace ("/" delimiter), the other Courier-style ("INBOX."
// prefix, "." delimiter): every message arrives once, byte for byte, with
// flags and dates, in the mapped folders; a second run copies nothing.
func TestIMAPToIMAP(t *testing.T) {
	from := dovecottest.Start(t, nil)
	to := dovecottest.Start(t, &dovecottest.Config{NamespacePrefix: "INBOX."})
	t.Setenv("MAILFERRY_PASSWORD", dovecottest.Password)
	o := importertest.GenOptions{Count: 630, Seed: 11, AvgSize: 6 << 10}
	writeWithEngine(t, context.Background(), "imap://alice@"+from.Addr, o)
	src, dst := "imap://alice@"+from.Addr, "imap://bob@"+to.Addr
	code, sum := copyJSON(t, src, dst)
	if code != exitOK || totalOf(t, sum, "copied") != int64(o.Count) {
		t.Fatalf("copy: exit %d, copied %d, want %d", code, totalOf(t, sum, "copied"), o.Count)
	}
	want := serverHolds(t, from, "alice")
	if len(want) != o.Count {
		t.Fatalf("source holds %d messages, want %d", len(want), o.Count)
	}
	compareStored(t, "IMAP to IMAP", serverHolds(t, to, "bob"), want)
	if code, sum := copyJSON(t, src, dst); code != exitOK || totalOf(t, sum, "copied") != 0 {
		t.Errorf("second copy: exit %d, copied %d, want 0", code, totalOf(t, sum, "copied"))
	}
}

// TestQuotaFreedRerunCompletes: another writer filled the box; the copy
// stops cleanly with exit 4 when the server says OVERQUOTA; once space is
// freed, the next run completes with every message exactly once.
func TestQuotaFreedRerunCompletes(t *testing.T) {
	srv := dovecottest.Start(t, nil)
	t.Setenv("MAILFERRY_PASSWORD", dovecottest.Password)
	dir := t.TempDir()
	o := importertest.GenOptions{Count: 40, Seed: 8, AvgSize: 8 << 10, Folders: []importers.Folder{{"INBOX"}, {"Archive"}}}
	writeWithEngine(t, context.Background(), "maildir:"+dir, o)

	c := srv.Dial(t, "small")
	filler := []byte("Message-ID: <filler@test>\r\nSubject: filler\r\n\r\n" + strings.Repeat("f", 760<<10) + "\r\n")
	cmd := c.Append("INBOX", int64(len(filler)), nil)
	cmd.Write(filler)
	cmd.Close()
	if _, err := cmd.Wait(); err != nil {
		t.Fatal(err)
	}
	small := "imap://small@" + srv.Addr
	if code, _ := copyJSON(t, "--ignore-quota", "maildir:"+dir, small); code != exitQuota {
		t.Fatalf("copy into a box another writer filled: exit %d, want %d", code, exitQuota)
	}
	// Free the space: the filler goes.
	if _, err := c.Select("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	var all imap.SeqSet
	all.AddNum(1)
	if err := c.Store(all, &imap.StoreFlags{Op: imap.StoreFlagsAdd, Flags: []imap.Flag{imap.FlagDeleted}}, nil).Close(); err != nil {
		t.Fatal(err)
	}
	if err := c.Expunge().Close(); err != nil {
		t.Fatal(err)
	}
	// One connection: the sequential path against the real server too.
	if code, sum := copyJSON(t, "-j", "1", "maildir:"+dir, small); code != exitOK {
		t.Fatalf("re-run after freeing space: exit %d, %v", code, sum)
	}
	compareStored(t, "after the re-run", serverHolds(t, srv, "small"),
		genExpected(o, nil, importertest.FolderName, nil, func(m *importers.Message) string { return importertest.FlagSet(m.Flags) }))
}

// TestBadInputToDovecot: awkward messages (empty file, 8-bit header, broken
// MIME, broken encoded words, a 2 MiB single line without a newline, bare
// CR) are either stored byte for byte (CRLF aside) or reported by name;
// the run goes on and the exit code says which.
func TestBadInputToDovecot(t *testing.T) {
	srv := dovecottest.Start(t, nil)
	t.Setenv("MAILFERRY_PASSWORD", dovecottest.Password)
	dir := t.TempDir()
	for _, sub := range []string{"cur", "new", "tmp"} {
		os.MkdirAll(filepath.Join(dir, sub), 0o700)
	}
	msgs := map[string]string{
		"1.empty:2,S":   "",
		"2.8bit:2,S":    "Message-ID: <8bit@test>\nSubject: 日本語の件名 raw UTF-8\nFrom: 山田 <yamada@example.jp>\n\nbody\n",
		"3.mime:2,S":    "Message-ID: <mime@test>\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"nope\"\n\n--other\nno closing boundary\n",
		"4.words:2,S":   "Message-ID: <words@test>\nSubject: =?ISO-2022-JP?B?broken====?= =?x?Q?=ZZ?=\n\nbody\n",
		"5.oneline:2,S": "Message-ID: <oneline@test>\nSubject: long\n\n" + strings.Repeat("x", 2<<20),
		"6.cr:2,S":      "Message-ID: <cr@test>\nSubject: bare\rCR\n\nline\rwith CR\n",
		"7.noheader:2,": "just a body line without any header\n",
	}
	for name, body := range msgs {
		if err := os.WriteFile(filepath.Join(dir, "cur", name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	code, stdout, stderr := runCLI(t, "copy", "--json", "maildir:"+dir, "imap://alice@"+srv.Addr)
	if code != exitOK && code != exitIncomplete {
		t.Fatalf("exit %d\n%s\n%s", code, tail(stdout, 2000), stderr)
	}
	var problems []map[string]any
	for _, line := range strings.Split(stdout, "\n") {
		var ev map[string]any
		if json.Unmarshal([]byte(line), &ev) == nil && ev["type"] == "summary" {
			if ps, ok := ev["problems"].([]any); ok {
				for _, p := range ps {
					problems = append(problems, p.(map[string]any))
				}
			}
		}
	}
	if (code == exitIncomplete) != (len(problems) > 0) {
		t.Errorf("exit %d with %d problems listed", code, len(problems))
	}
	reported := map[string]bool{}
	for _, p := range problems {
		for name := range msgs {
			if strings.Contains(fmt.Sprint(p["ref"], p["reason"]), name) {
				reported[name] = true
			}
		}
	}
	onServer := map[string]bool{}
	for _, s := range serverHolds(t, srv, "alice") {
		onServer[s.Hash] = true
	}
	for name, body := range msgs {
		stored := onServer[crlfHash([]byte(body))]
		if !stored && !reported[name] {
			t.Errorf("%s: neither on the server byte for byte nor reported by name (problems %v)", name, problems)
		}
		if stored && reported[name] {
			t.Errorf("%s: stored and reported", name)
		}
	}
	t.Logf("reported: %v", reported)
}
