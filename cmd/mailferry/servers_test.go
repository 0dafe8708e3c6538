package main

// Issue 22, "Every real server, not only Dovecot": the integration suite
// with the server as a parameter — Dovecot (exporters/imap/dovecottest),
// Cyrus IMAP in Debian's and upstream's layouts and Courier-IMAP
// (internal/labserver) — through the command line: push, re-run, quota
// refusal, pull to maildir/mbox/eml with verify --content, IMAP to IMAP
// across servers, a box that fills mid-run on servers without MULTIAPPEND
// (no duplicates, counts equal what the server stored), quota without a
// limit and message-count quotas.

import (
	"context"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/mailferry/mailferry/exporters/imap/dovecottest"
	"github.com/mailferry/mailferry/importers"
	imapimp "github.com/mailferry/mailferry/importers/imap"
	"github.com/mailferry/mailferry/importers/importertest"
	"github.com/mailferry/mailferry/internal/labserver"
)

// labSrv is one running server of the suite.
type labSrv struct {
	name string
	addr string
	lab  *labserver.Server // nil for Dovecot
}

// suiteServers are the servers every case runs against.
var suiteServers = []string{"dovecot", "cyrus", "cyrus-unix", "courier"}

// startSuiteServer starts a server by name; "cyrus-nomulti" is Cyrus
// without MULTIAPPEND and UIDPLUS.
func startSuiteServer(t *testing.T, name string) labSrv {
	t.Helper()
	if labserver.Password != dovecottest.Password {
		t.Fatal("labserver and dovecottest have different passwords")
	}
	switch name {
	case "dovecot":
		return labSrv{name: name, addr: dovecottest.Start(t, nil).Addr}
	case "cyrus-nomulti":
		s := labserver.Start(t, labserver.Cyrus, &labserver.Config{NoMultiAppend: true})
		return labSrv{name: name, addr: s.Addr, lab: s}
	}
	s := labserver.Start(t, labserver.Kind(name), nil)
	return labSrv{name: name, addr: s.Addr, lab: s}
}

func (s labSrv) url(user string) string { return "imap://" + user + "@" + s.addr }

// holds reads every message of user's account, sorted.
func (s labSrv) holds(t *testing.T, user string) []stored {
	t.Helper()
	src, err := imapimp.Open(context.Background(), s.url(user), &importers.Options{
		Password: func(string, string) (string, error) { return dovecottest.Password, nil },
	})
	if err != nil {
		t.Fatalf("%s: open as source: %v", s.name, err)
	}
	defer src.Close()
	out := importertest.Digests(t, src)
	sortStored(out)
	return out
}

// folders lists user's folders with their special use.
func (s labSrv) folders(t *testing.T, user string) []string {
	t.Helper()
	src, err := imapimp.Open(context.Background(), s.url(user), &importers.Options{
		Password: func(string, string) (string, error) { return dovecottest.Password, nil },
	})
	if err != nil {
		t.Fatalf("%s: open as source: %v", s.name, err)
	}
	defer src.Close()
	fis, err := src.Folders(context.Background())
	if err != nil {
		t.Fatalf("%s: folders: %v", s.name, err)
	}
	var out []string
	for _, fi := range fis {
		out = append(out, fi.Folder.String()+string(fi.Use))
	}
	return out
}

func flagsOf(m *importers.Message) string { return importertest.FlagSet(m.Flags) }

// TestServersPushPull: push a generated corpus, re-run (copies 0), refuse
// a copy that does not fit small's quota (exit 4, nothing written), pull
// to maildir, mbox and eml and verify --content each way.
func TestServersPushPull(t *testing.T) {
	t.Setenv("MAILFERRY_PASSWORD", dovecottest.Password)
	o := importertest.GenOptions{Count: 300, Seed: 22, AvgSize: 4 << 10}
	dir := t.TempDir()
	writeWithEngine(t, context.Background(), "maildir:"+dir, o)
	src := "maildir:" + dir
	want := genExpected(o, nil, importertest.FolderName, nil, flagsOf)
	for _, name := range suiteServers {
		t.Run(name, func(t *testing.T) {
			srv := startSuiteServer(t, name)
			account := srv.url("alice")
			code, sum := copyJSON(t, src, account)
			if code != exitOK || totalOf(t, sum, "copied") != int64(o.Count) {
				t.Fatalf("push: exit %d, copied %d, want %d", code, totalOf(t, sum, "copied"), o.Count)
			}
			compareStored(t, name+" after the push", srv.holds(t, "alice"), want)
			if code, sum := copyJSON(t, src, account); code != exitOK || totalOf(t, sum, "copied") != 0 {
				t.Errorf("re-run: exit %d, copied %d, want 0", code, totalOf(t, sum, "copied"))
			}
			if code, tot, probs := verifyJSON(t, "--content", src, account); code != 0 || num(tot, "present") != int64(o.Count) {
				t.Errorf("verify --content after the push: exit %d, totals %v, problems %.1000v", code, tot, probs)
			}
			// 300 × 4 KiB does not fit small's 1 MiB.
			if code, _ := copyJSON(t, src, srv.url("small")); code != exitQuota {
				t.Errorf("copy into small: exit %d, want %d", code, exitQuota)
			}
			if got := srv.holds(t, "small"); len(got) != 0 {
				t.Errorf("the refused copy wrote %d messages", len(got))
			}
			for _, format := range []string{"maildir", "mbox", "eml"} {
				dst := format + ":" + filepath.Join(t.TempDir(), "backup")
				if code, _, stderr := runCLI(t, "copy", account, dst); code != 0 {
					t.Fatalf("pull to %s: exit %d: %s", format, code, stderr)
				}
				if code, tot, probs := verifyJSON(t, "--content", account, dst); code != 0 || num(tot, "present") != int64(o.Count) {
					t.Errorf("verify --content %s: exit %d, totals %v, problems %.1000v", format, code, tot, probs)
				}
			}
		})
	}
}

// TestServersIMAPToIMAP: Dovecot → Cyrus and Cyrus → Courier: every
// message once, byte for byte, with flags and dates; a re-run copies 0.
func TestServersIMAPToIMAP(t *testing.T) {
	t.Setenv("MAILFERRY_PASSWORD", dovecottest.Password)
	for _, pair := range [][2]string{{"dovecot", "cyrus"}, {"cyrus", "courier"}} {
		t.Run(pair[0]+"-to-"+pair[1], func(t *testing.T) {
			from, to := startSuiteServer(t, pair[0]), startSuiteServer(t, pair[1])
			o := importertest.GenOptions{Count: 200, Seed: 23, AvgSize: 4 << 10}
			writeWithEngine(t, context.Background(), from.url("alice"), o)
			want := from.holds(t, "alice")
			if len(want) != o.Count {
				t.Fatalf("source holds %d messages, want %d", len(want), o.Count)
			}
			code, sum := copyJSON(t, from.url("alice"), to.url("bob"))
			if code != exitOK || totalOf(t, sum, "copied") != int64(o.Count) {
				t.Fatalf("copy: exit %d, copied %d", code, totalOf(t, sum, "copied"))
			}
			got := to.holds(t, "bob")
			compareStored(t, pair[0]+" to "+pair[1], got, want)
			if testing.Verbose() && len(got) != len(want) {
				for _, s := range got {
					t.Logf("got %s", describe(s))
				}
				for _, s := range want {
					t.Logf("want %s", describe(s))
				}
			}
			if code, sum := copyJSON(t, from.url("alice"), to.url("bob")); code != exitOK || totalOf(t, sum, "copied") != 0 {
				t.Errorf("re-run: exit %d, copied %d, want 0; the target holds %d, folders %v\nsummary: %.4000v", code, totalOf(t, sum, "copied"), len(to.holds(t, "bob")), to.folders(t, "bob"), sum)
			}
		})
	}
}

// TestServersFullMidRun: a box that fills during the copy (--ignore-quota)
// stops with exit 4; no message is stored twice (the defect was on
// servers without MULTIAPPEND, whose batches were retried whole), and the
// summary's counts, per folder and in total, equal what the server holds.
func TestServersFullMidRun(t *testing.T) {
	t.Setenv("MAILFERRY_PASSWORD", dovecottest.Password)
	o := importertest.GenOptions{Count: 120, Seed: 24, AvgSize: 16 << 10,
		Folders: []importers.Folder{{"INBOX"}, {"Archive"}, {"Lists", "go-nuts"}}}
	dir := t.TempDir()
	writeWithEngine(t, context.Background(), "maildir:"+dir, o)
	// (Dovecot: TestOverQuotaMidRun.)
	for _, name := range []string{"courier", "cyrus-nomulti", "cyrus"} {
		t.Run(name, func(t *testing.T) {
			srv := startSuiteServer(t, name)
			code, sum := copyJSON(t, "--ignore-quota", "maildir:"+dir, srv.url("small"))
			if code != exitQuota {
				t.Fatalf("copy into a box that fills: exit %d, want %d", code, exitQuota)
			}
			got := srv.holds(t, "small")
			seen := map[string]int{}
			perFolder := map[string]int64{}
			for _, s := range got {
				seen[s.Hash]++
				perFolder[s.Folder]++
			}
			for h, n := range seen {
				if n > 1 {
					t.Errorf("message %s stored %d times", h[:12], n)
				}
			}
			if c := totalOf(t, sum, "copied"); c != int64(len(got)) || c == 0 {
				t.Errorf("summary says %d copied, the server holds %d", c, len(got))
			}
			folders, _ := sum["folders"].([]any)
			for _, f := range folders {
				fm, _ := f.(map[string]any)
				src, _ := fm["source"].(string)
				if c := num(fm, "copied"); c != perFolder[src] {
					t.Errorf("folder %s: summary says %d copied, the server holds %d", src, c, perFolder[src])
				}
			}
		})
	}
}

// TestServersQuotaNoLimit: "mailferry quota" on a server that announces
// QUOTA but has no limit for the user (Courier answers `* QUOTA "ROOT"`
// without a list) reports "no limit" and exits 0.
func TestServersQuotaNoLimit(t *testing.T) {
	t.Setenv("MAILFERRY_PASSWORD", dovecottest.Password)
	o := importertest.GenOptions{Count: 40, Seed: 26, AvgSize: 2 << 10}
	dir := t.TempDir()
	writeWithEngine(t, context.Background(), "maildir:"+dir, o)
	for _, name := range []string{"courier", "cyrus"} {
		t.Run(name, func(t *testing.T) {
			srv := startSuiteServer(t, name)
			if err := srv.lab.SetQuota("small", 0, 0); err != nil {
				t.Fatal(err)
			}
			code, stdout, stderr := runCLI(t, "quota", srv.url("small"))
			if code != 0 || !strings.Contains(stdout, "no limit") {
				t.Errorf("quota: exit %d\n%s%s", code, stdout, stderr)
			}
			// A copy reads the quota first and goes on.
			if code, sum := copyJSON(t, "maildir:"+dir, srv.url("small")); code != exitOK || totalOf(t, sum, "copied") != int64(o.Count) {
				t.Errorf("copy into a box without limit: exit %d, copied %d", code, totalOf(t, sum, "copied"))
			}
		})
	}
}

// TestServersMessageQuota: a limit on the number of messages refuses a
// copy of more messages (exit 4, nothing written) and explains it in
// messages, not bytes.
func TestServersMessageQuota(t *testing.T) {
	t.Setenv("MAILFERRY_PASSWORD", dovecottest.Password)
	o := importertest.GenOptions{Count: 30, Seed: 25, AvgSize: 2 << 10}
	dir := t.TempDir()
	writeWithEngine(t, context.Background(), "maildir:"+dir, o)
	for _, name := range []string{"cyrus", "courier"} {
		t.Run(name, func(t *testing.T) {
			srv := startSuiteServer(t, name)
			if err := srv.lab.SetQuota("small", 0, 10); err != nil {
				t.Fatal(err)
			}
			code, stdout, stderr := runCLI(t, "copy", "maildir:"+dir, srv.url("small"))
			if code != exitQuota {
				t.Fatalf("copy of 30 messages into a 10-message box: exit %d, want %d\n%s%s", code, exitQuota, stdout, stderr)
			}
			out := stdout + stderr
			if !regexp.MustCompile(`short by 2[01] messages`).MatchString(out) || strings.Contains(out, "short by -") {
				t.Errorf("the refusal does not explain the message limit:\n%s", out)
			}
			if got := srv.holds(t, "small"); len(got) != 0 {
				t.Errorf("the refused copy wrote %d messages", len(got))
			}
		})
	}
}
