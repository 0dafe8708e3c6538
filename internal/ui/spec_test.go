package ui

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/mailferry/mailferry/internal/i18n"
)

func TestUIStoreSpec(t *testing.T) {
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "mail"), 0o700)
	fr := newFileRoots([]string{root})
	for _, c := range []struct {
		role  string
		st    Store
		spec  string
		flags string
		bad   bool
	}{
		{"source", Store{Kind: "thunderbird", Path: filepath.Join(root, "mail"), Account: "pop.example.com"}, "thunderbird:" + filepath.Join(root, "mail"), "--account pop.example.com", false},
		{"source", Store{Kind: "pst", Path: filepath.Join(root, "a.pst")}, "pst:" + filepath.Join(root, "a.pst"), "", false},
		{"source", Store{Kind: "imap", Host: "mail.example.com", User: "info@example.co.jp", Security: "tls", Port: 993, Password: "pw"}, "imaps://info@example.co.jp@mail.example.com:993", "", false},
		{"source", Store{Kind: "pop3", Host: "pop.example.com", User: "me", Security: "starttls"}, "pop3://me@pop.example.com", "", false},
		{"target", Store{Kind: "imap", Host: "127.0.0.1", User: "alice", Security: "starttls", Port: 1143}, "imap://alice@127.0.0.1:1143", "", false},
		{"target", Store{Kind: "maildir", Path: filepath.Join(root, "backup", "new")}, "maildir:" + filepath.Join(root, "backup", "new"), "", false},
		{"target", Store{Kind: "pop3", Host: "h", User: "u"}, "", "", true},
		{"target", Store{Kind: "thunderbird", Path: root}, "", "", true},
		{"source", Store{Kind: "maildir", Path: "/etc"}, "", "", true},
		{"source", Store{Kind: "maildir", Path: filepath.Join(root, "..", "x")}, "", "", true},
		{"source", Store{Kind: "maildir", Path: "relative/path"}, "", "", true},
		{"source", Store{Kind: "imap", Host: "evil/path", User: "u"}, "", "", true},
		{"source", Store{Kind: "imap", Host: "h", User: "u\nx"}, "", "", true},
		{"source", Store{Kind: "imap", Host: "h", User: ""}, "", "", true},
		{"source", Store{Kind: "imap", Host: "h", User: "u", Security: "none"}, "", "", true},
	} {
		spec, flags, err := c.st.Spec(c.role, fr.allowed)
		if c.bad {
			if err == nil {
				t.Errorf("%s %+v: spec %q, want an error", c.role, c.st, spec)
			}
			continue
		}
		if err != nil || spec != c.spec || strings.Join(flags, " ") != c.flags {
			t.Errorf("%s %+v: %q %q %v; want %q %q", c.role, c.st, spec, flags, err, c.spec, c.flags)
		}
		if c.st.Password != "" && strings.Contains(spec, c.st.Password) {
			t.Errorf("the password is in the spec %q", spec)
		}
	}
}

func TestUIFileBrowserStaysInside(t *testing.T) {
	root := t.TempDir()
	outside := t.TempDir()
	os.MkdirAll(filepath.Join(root, "Mail", "Sub"), 0o700)
	os.WriteFile(filepath.Join(root, "Mail", "a.pst"), []byte("x"), 0o600)
	os.WriteFile(filepath.Join(root, ".hidden"), []byte("x"), 0o600)
	os.Symlink(outside, filepath.Join(root, "escape"))
	fr := newFileRoots([]string{root})
	l, err := fr.list(root)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range l.Entries {
		names = append(names, e.Name)
	}
	if strings.Join(names, ",") != "Mail" {
		t.Errorf("listing of the root: %v, want Mail only (no hidden file, no link leading out)", names)
	}
	if l.Parent != "" {
		t.Errorf("the root has a parent %q", l.Parent)
	}
	for _, p := range []string{outside, filepath.Join(root, "escape"), filepath.Join(root, "escape", "x"), "/", filepath.Dir(root), root + "/../" + filepath.Base(outside)} {
		if _, err := fr.list(p); err == nil {
			t.Errorf("list(%q) succeeded", p)
		}
		if _, err := fr.allowed(p); err == nil {
			t.Errorf("allowed(%q)", p)
		}
	}
	if _, err := fr.allowed(filepath.Join(root, "Mail", "new", "deeper")); err != nil {
		t.Errorf("a new folder inside: %v", err)
	}
	roots, _ := fr.list("")
	if len(roots.Entries) != 1 {
		t.Errorf("roots: %+v", roots.Entries)
	}
}

// Every text of the page is in the catalogue, in Japanese.
func TestUIStringsInCatalogue(t *testing.T) {
	js, err := assets.ReadFile("assets/app.js")
	if err != nil {
		t.Fatal(err)
	}
	tab := i18n.UITable(i18n.Japanese)
	keys := map[string]bool{}
	for _, m := range regexp.MustCompile(`\bt\("((?:[^"\\]|\\.)*)"`).FindAllStringSubmatch(string(js), -1) {
		keys[m[1]] = true
	}
	// Labels passed through t() from tables.
	for _, m := range regexp.MustCompile(`\["[a-z0-9]+", "([^"]+)", "([^"]*)"\]`).FindAllStringSubmatch(string(js), -1) {
		keys[m[1]] = true
		if m[2] != "" {
			keys[m[2]] = true
		}
	}
	for _, m := range regexp.MustCompile(`\["[a-z]+", "([A-Z][a-z]+)"\]`).FindAllStringSubmatch(string(js), -1) {
		keys[m[1]] = true
	}
	for _, m := range regexp.MustCompile(`count\([^;]*?, "([^"]+)", "([^"]+)"\)`).FindAllStringSubmatch(string(js), -1) {
		keys[m[1]], keys[m[2]] = true, true
	}
	if !keys["%d messages"] {
		t.Error("the texts of count() were not found")
	}
	if len(keys) < 100 {
		t.Fatalf("found only %d texts in app.js", len(keys))
	}
	for k := range keys {
		if tab[k] == "" {
			t.Errorf("no Japanese for %q", k)
		}
	}
	for _, re := range []*regexp.Regexp{regexp.MustCompile(`\.T "([^"]+)"`), regexp.MustCompile(`\.Tf4? "([^"]+)"`), regexp.MustCompile(`p\.Text\("([^"]+)"\)`)} {
		src, _ := os.ReadFile("report.go")
		for _, m := range re.FindAllStringSubmatch(string(src), -1) {
			if tab[m[1]] == "" {
				t.Errorf("report: no Japanese for %q", m[1])
			}
		}
	}
}

// The progress of a copy from its NDJSON events.
func TestUIJobProgress(t *testing.T) {
	j := newJob(1, "copy")
	j.update(func(s *JobState) { s.Running = true })
	for _, l := range []string{
		`{"type":"scan","folder":"Inbox"}`,
		`{"type":"start","messages":3,"bytes":300}`,
		`{"type":"folder","folder":"Inbox","target":"INBOX"}`,
		`{"type":"copied","ref":"a","bytes":100}`,
		`{"type":"dup","ref":"b"}`,
		`{"type":"folder","folder":"Sent","target":"Sent"}`,
		`{"type":"copied","ref":"c","bytes":100}`,
		`{"type":"error","ref":"d","reason":"unreadable"}`,
		`not json`,
		`{"type":"summary","totals":{"copied":2}}`,
		`{"type":"exit","code":3,"error":"finished, but","failure":"message"}`,
	} {
		j.line([]byte(l))
	}
	st, _ := j.snapshot()
	if st.Phase != "copy" || st.TotalMessages != 3 || st.DoneMessages != 2 || st.DoneBytes != 200 || st.Duplicates != 1 ||
		st.FoldersDone != 1 || st.Folder != "Sent" || len(st.Errors) != 1 || st.Summary == nil || st.Error != "finished, but" || st.Kind != "message" {
		t.Errorf("state: %+v", st)
	}
}

func TestUIChildEnv(t *testing.T) {
	env := childEnv([]string{"PATH=/bin", "MAILFERRY_PASSWORD=old", "MAILFERRY_TARGET_PASSWORD=old2", "HOME=/h"}, "", "new")
	got := strings.Join(env, " ")
	if got != "PATH=/bin HOME=/h MAILFERRY_TARGET_PASSWORD=new" {
		t.Errorf("child environment: %s", got)
	}
}
