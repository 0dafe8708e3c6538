package thunderbird

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailferry/mailferry/importers"
)

// popProfile is a profile with Local Folders, a POP account with its own
// Inbox, Sent and Trash (Thunderbird's default for a new POP account), an
// IMAP account with an offline cache, an RSS account and a directory no
// account uses.
func popProfile(t *testing.T) string {
	p := t.TempDir()
	msg := "From - Mon Jan  1 00:00:00 2001\nX-Mozilla-Status: 0001\nSubject: x\n\nb\n"
	mkfile(t, filepath.Join(p, "prefs.js"), strings.Join([]string{
		`// Mozilla User Preferences`,
		`user_pref("mail.accountmanager.localfoldersserver", "server1");`,
		`user_pref("mail.server.server1.directory-rel", "[ProfD]Mail/Local Folders");`,
		`user_pref("mail.server.server1.type", "none");`,
		`user_pref("mail.server.server2.directory-rel", "[ProfD]Mail/pop.example.com");`,
		`user_pref("mail.server.server2.hostname", "pop.example.com");`,
		`user_pref("mail.server.server2.name", "Alice at home");`,
		`user_pref("mail.server.server2.type", "pop3");`,
		`user_pref("mail.server.server3.directory-rel", "[ProfD]ImapMail/imap.example.com");`,
		`user_pref("mail.server.server3.hostname", "imap.example.com");`,
		`user_pref("mail.server.server3.name", "Office");`,
		`user_pref("mail.server.server3.userName", "alice");`,
		`user_pref("mail.server.server3.type", "imap");`,
		`user_pref("mail.server.server4.directory-rel", "[ProfD]Mail/Feeds");`,
		`user_pref("mail.server.server4.type", "rss");`,
	}, "\n")+"\n")
	mkfile(t, filepath.Join(p, "Mail", "Local Folders", "Inbox"), msg)
	mkfile(t, filepath.Join(p, "Mail", "Local Folders", "Trash"), "")
	for _, f := range []string{"Inbox", "Sent", "Trash", "Inbox.sbd/Work"} {
		mkfile(t, filepath.Join(p, "Mail", "pop.example.com", filepath.FromSlash(f)), msg)
	}
	mkfile(t, filepath.Join(p, "Mail", "Feeds", "Blog"), msg)
	mkfile(t, filepath.Join(p, "Mail", "old.example.org", "Inbox"), msg)
	mkfile(t, filepath.Join(p, "ImapMail", "imap.example.com", "INBOX"), msg)
	return p
}

type folderTarget struct{ folder, target string }

func folderTargets(t *testing.T, src importers.Source) []folderTarget {
	t.Helper()
	fis, err := src.Folders(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var out []folderTarget
	for _, fi := range fis {
		out = append(out, folderTarget{fi.Folder.String(), fi.Target.String()})
	}
	return out
}

func wantTargets(t *testing.T, what string, got []folderTarget, want ...string) {
	t.Helper()
	var g []string
	for _, ft := range got {
		s := ft.folder
		if ft.target != "" {
			s += "=" + ft.target
		}
		g = append(g, s)
	}
	if strings.Join(g, " ") != strings.Join(want, " ") {
		t.Errorf("%s: folders\n%q\nwant\n%q", what, g, want)
	}
}

// By default: Local Folders and the POP account, whose folders say where
// they belong in the target (FolderInfo.Target); the IMAP account is named
// in the notes, its cache not read; RSS and the unused directory only
// with --all-accounts, without a Target.
func TestPOPAccountReadByDefault(t *testing.T) {
	p := popProfile(t)
	src, err := Open(p, nil)
	if err != nil {
		t.Fatal(err)
	}
	wantTargets(t, "default", folderTargets(t, src), "Inbox", "Trash", "pop.example.com",
		"pop.example.com/Inbox=Inbox", "pop.example.com/Inbox/Work=Inbox/Work",
		"pop.example.com/Sent=Sent", "pop.example.com/Trash=Trash")
	notes := strings.Join(src.Notes(), "\n")
	for _, want := range []string{`"Office"`, "alice@imap.example.com", "skipped", `"Alice at home"`, "INBOX", "--account"} {
		if !strings.Contains(notes, want) {
			t.Errorf("notes lack %q:\n%s", want, notes)
		}
	}

	src, err = Open(p, Settings{AllAccounts: true}.Options())
	if err != nil {
		t.Fatal(err)
	}
	wantTargets(t, "--all-accounts", folderTargets(t, src), "Feeds", "Feeds/Blog", "Inbox", "Trash",
		"old.example.org", "old.example.org/Inbox", "pop.example.com",
		"pop.example.com/Inbox=Inbox", "pop.example.com/Inbox/Work=Inbox/Work",
		"pop.example.com/Sent=Sent", "pop.example.com/Trash=Trash")

	// Without prefs.js (the Mail directory given): every directory but
	// Local Folders and Feeds is taken for a POP account.
	src, err = Open(filepath.Join(p, "Mail"), nil)
	if err != nil {
		t.Fatal(err)
	}
	wantTargets(t, "Mail directory", folderTargets(t, src), "Inbox", "Trash",
		"old.example.org", "old.example.org/Inbox=Inbox", "pop.example.com",
		"pop.example.com/Inbox=Inbox", "pop.example.com/Inbox/Work=Inbox/Work",
		"pop.example.com/Sent=Sent", "pop.example.com/Trash=Trash")
}

// --account reads one account, named as Thunderbird shows it, by host or
// by directory; an IMAP account or an unknown name is a usage error that
// says why.
func TestAccountOption(t *testing.T) {
	p := popProfile(t)
	for _, name := range []string{"Alice at home", "pop.example.com", "POP.EXAMPLE.COM"} {
		src, err := Open(p, Settings{Account: name}.Options())
		if err != nil {
			t.Fatalf("--account %q: %v", name, err)
		}
		wantTargets(t, "--account "+name, folderTargets(t, src), "pop.example.com",
			"pop.example.com/Inbox=Inbox", "pop.example.com/Inbox/Work=Inbox/Work",
			"pop.example.com/Sent=Sent", "pop.example.com/Trash=Trash")
		if len(src.Notes()) != 0 {
			t.Errorf("--account %q: notes %q", name, src.Notes())
		}
	}
	src, err := Open(p, Settings{Account: "Local Folders"}.Options())
	if err != nil {
		t.Fatal(err)
	}
	wantTargets(t, "--account Local Folders", folderTargets(t, src), "Inbox", "Trash")
	for name, want := range map[string]string{"Office": "IMAP", "imap.example.com": "on the server", "nope": `"Alice at home"`} {
		_, err := Open(p, Settings{Account: name}.Options())
		if !errors.Is(err, importers.ErrUsage) || !strings.Contains(err.Error(), want) {
			t.Errorf("--account %q: %v, want a usage error saying %q", name, err, want)
		}
	}
}
