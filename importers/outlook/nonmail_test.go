package outlook

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestNonMailKind(t *testing.T) {
	for class, want := range map[string]string{
		"IPM.Note": "", "IPM.Schedule.Meeting.Request": "", "IPM.Contact": "contact", "ipm.contact.custom": "contact",
		"IPM.DistList": "distribution-list", "IPM.Appointment": "appointment", "IPM.Task": "task", "IPM.TaskRequest": "",
		"IPM.StickyNote": "note", "IPM.Activity": "journal", "IPM.Document.Word.Document.8": "document", "IPM.Configuration.X": "other",
	} {
		if got := NonMailKind(class); got != want {
			t.Errorf("NonMailKind(%q) = %q, want %q", class, got, want)
		}
	}
}

func TestSafeName(t *testing.T) {
	for in, want := range map[string]string{
		"John Smith":            "John Smith",
		"../../etc/passwd":      "______etc_passwd",
		"..":                    "contact",
		"":                      "contact",
		"a/b\\c\x00d\ne":        "a_b_c_d_e",
		"Müller, Jürgen":        "Müller, Jürgen",
		strings.Repeat("é", 40): strings.Repeat("é", 30),
	} {
		got := SafeName(in, "contact")
		if got != want {
			t.Errorf("SafeName(%q) = %q, want %q", in, got, want)
		}
		if filepath.Base(got) != got || strings.ContainsAny(got, "/\\\x00") || got == "." || got == ".." {
			t.Errorf("SafeName(%q) = %q is not one plain component", in, got)
		}
	}
}

func TestNonMailDirSafe(t *testing.T) {
	dir := t.TempDir()
	outside := t.TempDir()
	d, err := OpenNonMailDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	n := &NonMail{Kind: "contact", FullName: "../../Evil", Emails: []string{"e@example.com"}}
	p, err := d.Save(n, "id1")
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Dir(p) != dir {
		t.Fatalf("written outside DIR: %s", p)
	}
	fi, err := os.Lstat(p)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("%s: %v %v", p, fi.Mode(), err)
	}
	// Same item again: same file, nothing new.
	if p2, err := d.Save(n, "id1"); err != nil || p2 != p {
		t.Errorf("second Save: %s, %v; want %s", p2, err, p)
	}
	// A symbolic link where the next file goes is neither followed nor
	// replaced: the item goes to a name of its own.
	m := &NonMail{Kind: "contact", FullName: "Link Target"}
	name := SafeName(m.Title(), m.Kind)
	first, err := d.Save(m, "id2")
	if err != nil {
		t.Fatal(err)
	}
	os.Remove(first)
	target := filepath.Join(outside, "victim")
	if err := os.Symlink(target, first); err != nil {
		t.Fatal(err)
	}
	p3, err := d.Save(m, "id2")
	if err != nil {
		t.Fatal(err)
	}
	if p3 == first || !strings.HasPrefix(filepath.Base(p3), name) {
		t.Errorf("Save through a symlink: %s", p3)
	}
	if _, err := os.Lstat(target); err == nil {
		t.Errorf("the link was followed: %s exists", target)
	}
	// The same identity with other content (another store) gets its own file.
	m2 := &NonMail{Kind: "contact", FullName: "Link Target", Emails: []string{"x@example.com"}}
	p4, err := d.Save(m2, "id2")
	if err != nil || p4 == p3 || p4 == first {
		t.Errorf("other content: %s, %v", p4, err)
	}
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), ".tmp-") {
			t.Errorf("temporary file left: %s", e.Name())
		}
	}
}

func TestVCardFolding(t *testing.T) {
	n := &NonMail{Kind: "contact", FullName: "X", Body: strings.Repeat("ü", 100)}
	for _, line := range strings.Split(string(n.Write("u")), "\r\n") {
		if len(line) > 75 {
			t.Errorf("line of %d octets: %q", len(line), line)
		}
	}
	ev := &NonMail{Kind: "appointment", Subject: "S", Start: time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)}
	if s := string(ev.Write("u")); !strings.Contains(s, "DTSTART:20200102T030405Z\r\n") || !strings.Contains(s, "DTSTAMP:20200102T030405Z\r\n") {
		t.Errorf("event:\n%s", s)
	}
}
