package main

// Issue 12, items 7, 8 and 9, through the command line against a private
// Dovecot and local targets: a Thunderbird profile's POP accounts land in
// INBOX and the special folders (--account picks one, IMAP accounts are
// named as skipped); empty source folders exist in the target after a
// copy and a re-run's plan shows no "(new)"; source folders whose names
// collide in the target ("a.b" and "a_b" with "." as separator, "Foo" and
// "foo" on a case-insensitive file system) stay distinct, at -j 1 and -j 3.

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/mailferry/mailferry/exporters/imap/dovecottest"
	"github.com/mailferry/mailferry/importers"
	"github.com/mailferry/mailferry/importers/importertest"
)

// tbMessage is one message as Thunderbird stores it in an mbox file.
func tbMessage(id string) string {
	return "From - Mon Jan  1 00:00:00 2001\nX-Mozilla-Status: 0001\nX-Mozilla-Status2: 00000000\n" +
		"Message-ID: <" + id + "@example.com>\nFrom: a@example.com\nSubject: " + id + "\n\nbody of " + id + "\n\n"
}

func tbFile(t *testing.T, path string, ids ...string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, id := range ids {
		b.WriteString(tbMessage(id))
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// tbPOPProfile writes a profile with Local Folders, two POP accounts with
// their own Inbox (Thunderbird's default for a new POP account) and an
// IMAP account whose offline cache must not be read. lf-dup is in Local
// Folders' Inbox and in the first POP account's Inbox (same Message-ID,
// same bytes): merged into INBOX it is stored once.
func tbPOPProfile(t *testing.T) string {
	p := filepath.Join(t.TempDir(), "abcd1234.default-release")
	mail := filepath.Join(p, "Mail")
	tbFile(t, filepath.Join(mail, "Local Folders", "Inbox"), "lf-1", "lf-dup")
	tbFile(t, filepath.Join(mail, "Local Folders", "Sent"), "lf-sent")
	tbFile(t, filepath.Join(mail, "Local Folders", "Trash"))
	tbFile(t, filepath.Join(mail, "Local Folders", "Empty"))
	tbFile(t, filepath.Join(mail, "Local Folders", "Empty.sbd", "Deeper"))
	tbFile(t, filepath.Join(mail, "pop.example.com", "Inbox"), "pop1-1", "pop1-2", "lf-dup")
	tbFile(t, filepath.Join(mail, "pop.example.com", "Sent"), "pop1-sent-1", "pop1-sent-2")
	tbFile(t, filepath.Join(mail, "pop.example.com", "Trash"), "pop1-trash")
	tbFile(t, filepath.Join(mail, "pop.example.com", "Drafts"), "pop1-draft")
	tbFile(t, filepath.Join(mail, "pop.other.org", "Inbox"), "pop2-1", "pop2-2")
	tbFile(t, filepath.Join(mail, "pop.other.org", "Junk"), "pop2-junk")
	tbFile(t, filepath.Join(p, "ImapMail", "imap.example.com", "INBOX"), "imap-cache")
	prefs := `// Mozilla User Preferences
user_pref("mail.accountmanager.accounts", "account1,account2,account3,account4");
user_pref("mail.accountmanager.localfoldersserver", "server1");
user_pref("mail.server.server1.directory-rel", "[ProfD]Mail/Local Folders");
user_pref("mail.server.server1.hostname", "Local Folders");
user_pref("mail.server.server1.name", "Local Folders");
user_pref("mail.server.server1.type", "none");
user_pref("mail.server.server2.directory-rel", "[ProfD]Mail/pop.example.com");
user_pref("mail.server.server2.hostname", "pop.example.com");
user_pref("mail.server.server2.name", "alice@example.com");
user_pref("mail.server.server2.type", "pop3");
user_pref("mail.server.server2.userName", "alice");
user_pref("mail.server.server3.directory-rel", "[ProfD]Mail/pop.other.org");
user_pref("mail.server.server3.hostname", "pop.other.org");
user_pref("mail.server.server3.name", "Work POP");
user_pref("mail.server.server3.type", "pop3");
user_pref("mail.server.server4.directory-rel", "[ProfD]ImapMail/imap.example.com");
user_pref("mail.server.server4.hostname", "imap.example.com");
user_pref("mail.server.server4.name", "Office IMAP");
user_pref("mail.server.server4.type", "imap");
user_pref("mail.server.server4.userName", "alice");
`
	if err := os.WriteFile(filepath.Join(p, "prefs.js"), []byte(prefs), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// subjectsByFolder reads a store and returns its messages' subjects by
// folder (sorted), and every folder it lists.
func subjectsByFolder(t *testing.T, spec string) (map[string][]string, []string) {
	t.Helper()
	src, err := importers.Open(context.Background(), spec, &importers.Options{
		Password: func(string, string) (string, error) { return dovecottest.Password, nil },
	})
	if err != nil {
		t.Fatalf("open %s: %v", spec, err)
	}
	defer src.Close()
	fis, err := src.Folders(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	var folders []string
	for _, fi := range fis {
		name := importertest.FolderName(fi.Folder)
		folders = append(folders, name)
		if fi.NoSelect {
			continue
		}
		err := src.Walk(context.Background(), fi.Folder, nil, func(m *importers.Message, err error) error {
			if err != nil {
				t.Errorf("%s: %v", name, err)
				return nil
			}
			rc, err := m.Body.Open()
			if err != nil {
				t.Errorf("%s: %v", m.Ref, err)
				return nil
			}
			b, err := io.ReadAll(rc)
			rc.Close()
			if err != nil {
				t.Errorf("%s: %v", m.Ref, err)
			}
			_, subj, _ := strings.Cut(string(b), "Subject: ")
			subj, _, _ = strings.Cut(subj, "\n")
			out[name] = append(out[name], strings.TrimSpace(subj))
			return nil
		})
		if err != nil {
			t.Fatalf("walk %s: %v", name, err)
		}
		sort.Strings(out[name])
	}
	return out, folders
}

func wantFolders(t *testing.T, what string, got map[string][]string, want map[string]string) {
	t.Helper()
	for f, w := range want {
		if g := strings.Join(got[f], " "); g != w {
			t.Errorf("%s: folder %s holds %q, want %q", what, f, g, w)
		}
	}
	for f, g := range got {
		if _, ok := want[f]; !ok && len(g) > 0 {
			t.Errorf("%s: unexpected folder %s holding %q", what, f, g)
		}
	}
}

func hasFolder(folders []string, f string) bool {
	for _, x := range folders {
		if x == f {
			return true
		}
	}
	return false
}

// summaryNotes returns the notes of a --json summary.
func summaryNotes(sum map[string]any) string {
	b, _ := json.Marshal(sum["notes"])
	return string(b)
}

func TestThunderbirdPOPAccountsIntoDovecot(t *testing.T) {
	srv := dovecottest.Start(t, nil)
	t.Setenv("MAILFERRY_PASSWORD", dovecottest.Password)
	profile := tbPOPProfile(t)
	spec := "thunderbird:" + profile
	url := "imap://alice@" + srv.Addr

	// The plan shows where each account's folders go and says what is
	// left out.
	code, out, stderr := runCLI(t, "plan", spec, url)
	if code != exitOK {
		t.Fatalf("plan: exit %d\n%s\n%s", code, out, stderr)
	}
	for _, want := range []string{"pop.example.com/Inbox", "pop.other.org/Junk", "Office IMAP", "skipped", "--account"} {
		if !strings.Contains(out, want) {
			t.Errorf("plan output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "imap-cache") || strings.Contains(out, "ImapMail") {
		t.Errorf("plan reads the IMAP account's cache:\n%s", out)
	}

	code, sum := copyJSON(t, spec, url)
	if code != exitOK {
		t.Fatalf("copy: exit %d, %v", code, sum)
	}
	if n := summaryNotes(sum); !strings.Contains(n, "Office IMAP") || !strings.Contains(n, "skipped") {
		t.Errorf("summary notes %s: want the IMAP account named as skipped", n)
	}
	if got := totalOf(t, sum, "copied"); got != 12 {
		t.Errorf("copied %d, want 12 (13 messages, one in two Inboxes)", got)
	}
	got, folders := subjectsByFolder(t, url)
	want := map[string]string{
		"INBOX":  "lf-1 lf-dup pop1-1 pop1-2 pop2-1 pop2-2",
		"Sent":   "lf-sent pop1-sent-1 pop1-sent-2",
		"Trash":  "pop1-trash",
		"Drafts": "pop1-draft",
		"Junk":   "pop2-junk",
	}
	wantFolders(t, "after copy", got, want)
	for _, f := range []string{"Empty", "Empty/Deeper"} {
		if !hasFolder(folders, f) {
			t.Errorf("empty folder %s not created; server has %v", f, folders)
		}
	}
	if n, ok := sum["created_empty_folders"].(float64); !ok || n != 2 {
		t.Errorf("summary created_empty_folders = %v, want 2", sum["created_empty_folders"])
	}
	if code, out, stderr := runCLI(t, "verify", "--content", spec, url); code != exitOK {
		t.Errorf("verify --content: exit %d\n%s\n%s", code, out, stderr)
	}
	// A re-run finds every folder: nothing "(new)", nothing to copy.
	code, out, _ = runCLI(t, "plan", spec, url)
	if code != exitOK || strings.Contains(out, "(new)") {
		t.Errorf("re-run plan: exit %d, still shows new folders:\n%s", code, out)
	}
	if code, sum := copyJSON(t, spec, url); code != exitOK || totalOf(t, sum, "copied") != 0 {
		t.Errorf("second copy: exit %d, copied %d, want 0", code, totalOf(t, sum, "copied"))
	}

	// --account picks one account, by the name Thunderbird shows, by host
	// or by directory.
	for _, tc := range []struct {
		account string
		want    map[string]string
	}{
		{"Work POP", map[string]string{"INBOX": "pop2-1 pop2-2", "Junk": "pop2-junk"}},
		{"pop.example.com", map[string]string{"INBOX": "lf-dup pop1-1 pop1-2", "Sent": "pop1-sent-1 pop1-sent-2",
			"Trash": "pop1-trash", "Drafts": "pop1-draft"}},
		{"local folders", map[string]string{"INBOX": "lf-1 lf-dup", "Sent": "lf-sent"}},
	} {
		t.Run(tc.account, func(t *testing.T) {
			srv.ResetUser(t, "alice")
			code, sum := copyJSON(t, "--account", tc.account, spec, url)
			if code != exitOK {
				t.Fatalf("copy --account %q: exit %d, %v", tc.account, code, sum)
			}
			got, _ := subjectsByFolder(t, url)
			wantFolders(t, "--account "+tc.account, got, tc.want)
		})
	}
	for _, bad := range []string{"Office IMAP", "nosuch"} {
		code, _, stderr := runCLI(t, "plan", "--account", bad, spec, url)
		if code != exitUsage || !strings.Contains(stderr, bad) {
			t.Errorf("--account %q: exit %d (want %d), stderr %q", bad, code, exitUsage, stderr)
		}
	}
}

// TestEmptyFoldersCreatedLocally: the same for local targets.
func TestEmptyFoldersCreatedLocally(t *testing.T) {
	profile := tbPOPProfile(t)
	spec := "thunderbird:" + profile
	for _, scheme := range []string{"maildir", "mbox"} {
		t.Run(scheme, func(t *testing.T) {
			dst := scheme + ":" + t.TempDir()
			if code, out, stderr := runCLI(t, "copy", spec, dst); code != exitOK || !strings.Contains(out, "Created 2 empty folders") {
				t.Fatalf("copy: exit %d\n%s\n%s", code, out, stderr)
			}
			_, folders := subjectsByFolder(t, dst)
			for _, f := range []string{"Empty", "Empty/Deeper"} {
				if !hasFolder(folders, f) {
					t.Errorf("empty folder %s not created; target has %v", f, folders)
				}
			}
			if code, out, _ := runCLI(t, "plan", spec, dst); code != exitOK || strings.Contains(out, "(new)") {
				t.Errorf("re-run plan: exit %d, still shows new folders:\n%s", code, out)
			}
			if code, out, stderr := runCLI(t, "verify", "--content", spec, dst); code != exitOK {
				t.Errorf("verify --content: exit %d\n%s\n%s", code, out, stderr)
			}
		})
	}
}

// collisionSource writes folders whose names collide in some targets:
// each folder holds as many messages as its number, so a merge shows.
func collisionSource(t *testing.T) string {
	dir := filepath.Join(t.TempDir(), "Local Folders")
	for i, f := range []string{"Inbox", "a.b", "a_b", "Foo", "foo", "a.b.sbd/x", "a_b.sbd/x"} {
		var ids []string
		for k := 0; k <= i; k++ {
			ids = append(ids, fmt.Sprintf("%s-%d", strings.NewReplacer("/", "-", ".sbd", "").Replace(f), k))
		}
		tbFile(t, filepath.Join(dir, filepath.FromSlash(f)), ids...)
	}
	return "thunderbird:" + dir
}

// checkDistinct reads the target and wants every source folder's messages
// together in a folder of their own.
func checkDistinct(t *testing.T, dst string) {
	t.Helper()
	got, _ := subjectsByFolder(t, dst)
	groups := map[string]string{} // source folder -> target folder
	for f, subjects := range got {
		src := map[string]bool{}
		for _, s := range subjects {
			src[s[:strings.LastIndex(s, "-")]] = true
		}
		if len(src) > 1 {
			t.Errorf("target folder %s merges source folders %v", f, src)
		}
		for s := range src {
			if prev, ok := groups[s]; ok {
				t.Errorf("source folder %s split between %s and %s", s, prev, f)
			}
			groups[s] = f
		}
	}
	for i, s := range []string{"Inbox", "a.b", "a_b", "Foo", "foo", "a.b-x", "a_b-x"} {
		f, ok := groups[s]
		if !ok {
			t.Errorf("source folder %s not found in the target (has %.1000v)", s, got)
			continue
		}
		if n := len(got[f]); n != i+1 {
			t.Errorf("target folder %s (source %s) holds %d messages, want %d", f, s, n, i+1)
		}
	}
}

func TestFolderCollisionsStayDistinct(t *testing.T) {
	spec := collisionSource(t)
	type target struct {
		name  string
		dst   func(t *testing.T) string
		reset func(t *testing.T)
		fold  bool // the target may ignore case
	}
	var targets []target
	for _, prefix := range []string{"", "INBOX."} {
		srv := dovecottest.Start(t, &dovecottest.Config{NamespacePrefix: prefix})
		targets = append(targets, target{"dovecot " + prefix, func(*testing.T) string { return "imap://bob@" + srv.Addr },
			func(t *testing.T) { srv.ResetUser(t, "bob") }, false})
	}
	for _, scheme := range []string{"maildir", "mbox"} {
		var dir string
		targets = append(targets, target{scheme, func(*testing.T) string { return scheme + ":" + dir },
			func(t *testing.T) { dir = t.TempDir() }, true})
	}
	t.Setenv("MAILFERRY_PASSWORD", dovecottest.Password)
	for _, tg := range targets {
		for _, j := range []string{"1", "3"} {
			t.Run(tg.name+" -j "+j, func(t *testing.T) {
				tg.reset(t)
				dst := tg.dst(t)
				code, sum := copyJSON(t, "-j", j, spec, dst)
				if code != exitOK {
					t.Fatalf("copy -j %s: exit %d, %v", j, code, sum)
				}
				if got := totalOf(t, sum, "copied"); got != 28 {
					t.Errorf("copied %d, want 28", got)
				}
				// The plan shows the chosen names: one target per source folder.
				seen := map[string]string{}
				fs, _ := sum["folders"].([]any)
				for _, x := range fs {
					f, _ := x.(map[string]any)
					src, _ := f["source"].(string)
					tgt, _ := f["target"].(string)
					if tg.fold {
						tgt = strings.ToLower(tgt)
					}
					if prev, ok := seen[tgt]; ok {
						t.Errorf("source folders %s and %s share the target %s", prev, src, tgt)
					}
					seen[tgt] = src
				}
				checkDistinct(t, dst)
				if code, out, stderr := runCLI(t, "verify", "--content", "-j", j, spec, dst); code != exitOK {
					t.Errorf("verify --content: exit %d\n%s\n%s", code, out, stderr)
				}
				// A re-run finds the same folders.
				if code, sum := copyJSON(t, "-j", j, spec, dst); code != exitOK || totalOf(t, sum, "copied") != 0 {
					t.Errorf("second copy: exit %d, copied %d, want 0", code, totalOf(t, sum, "copied"))
				}
				checkDistinct(t, dst)
			})
		}
	}
}
