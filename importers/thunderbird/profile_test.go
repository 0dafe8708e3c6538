package thunderbird

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func mkfile(t *testing.T, path, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
}

func mkdir(t *testing.T, path string) {
	t.Helper()
	if err := os.MkdirAll(path, 0o700); err != nil {
		t.Fatal(err)
	}
}

func TestDefaultProfile(t *testing.T) {
	tests := []struct {
		name   string
		goos   string
		files  map[string]string // below the fake home ("" content: a directory)
		want   string            // below home; "" means an error
		others int
		errHas string
	}{
		{
			name: "linux, Default=1",
			goos: "linux",
			files: map[string]string{
				".thunderbird/profiles.ini": "[General]\nStartWithLastProfile=1\n\n[Profile0]\nName=default\nIsRelative=1\nPath=abcd.default\nDefault=1\n",
				".thunderbird/abcd.default": "",
			},
			want: ".thunderbird/abcd.default",
		},
		{
			name: "Install section wins, CRLF and BOM",
			goos: "linux",
			files: map[string]string{
				".thunderbird/profiles.ini":        "\xEF\xBB\xBF[Profile1]\r\nPath=old.default\r\nIsRelative=1\r\nDefault=1\r\n\r\n[Profile0]\r\nPath=new.default-release\r\nIsRelative=1\r\n\r\n[Install4F96D1932A9F858E]\r\nDefault=new.default-release\r\nLocked=1\r\n",
				".thunderbird/old.default":         "",
				".thunderbird/new.default-release": "",
			},
			want: ".thunderbird/new.default-release",
		},
		{
			name: "Install default missing on disk: Default=1",
			goos: "linux",
			files: map[string]string{
				".thunderbird/profiles.ini": "[Install1]\nDefault=gone.default\n\n[Profile0]\nPath=here.default\nIsRelative=1\nDefault=1\n",
				".thunderbird/here.default": "",
			},
			want: ".thunderbird/here.default",
		},
		{
			name: "windows: Profiles/ with '/' under APPDATA",
			goos: "windows",
			files: map[string]string{
				"AppData/Roaming/Thunderbird/profiles.ini":            "[Profile0]\nName=default\nIsRelative=1\nPath=Profiles/x1y2z3.default\nDefault=1\n",
				"AppData/Roaming/Thunderbird/Profiles/x1y2z3.default": "",
			},
			want: "AppData/Roaming/Thunderbird/Profiles/x1y2z3.default",
		},
		{
			name: "backslashes in a copied profiles.ini",
			goos: "linux",
			files: map[string]string{
				".thunderbird/profiles.ini":            "[Profile0]\nIsRelative=1\nPath=Profiles\\x1y2z3.default\n",
				".thunderbird/Profiles/x1y2z3.default": "",
			},
			want: ".thunderbird/Profiles/x1y2z3.default",
		},
		{
			name: "macOS",
			goos: "darwin",
			files: map[string]string{
				"Library/Thunderbird/profiles.ini":         "[Profile0]\nIsRelative=1\nPath=Profiles/m4c.default\nDefault=1\n",
				"Library/Thunderbird/Profiles/m4c.default": "",
			},
			want: "Library/Thunderbird/Profiles/m4c.default",
		},
		{
			name: "snap and flatpak, the snap one first",
			goos: "linux",
			files: map[string]string{
				"snap/thunderbird/common/.thunderbird/profiles.ini":          "[Profile0]\nIsRelative=1\nPath=s.default\n",
				"snap/thunderbird/common/.thunderbird/s.default":             "",
				".var/app/org.mozilla.Thunderbird/.thunderbird/profiles.ini": "[Profile0]\nIsRelative=1\nPath=f.default\n",
				".var/app/org.mozilla.Thunderbird/.thunderbird/f.default":    "",
			},
			want:   "snap/thunderbird/common/.thunderbird/s.default",
			others: 1,
		},
		{
			name: "several profiles, no default",
			goos: "linux",
			files: map[string]string{
				".thunderbird/profiles.ini": "[Profile0]\nIsRelative=1\nPath=a.default\n\n[Profile1]\nIsRelative=1\nPath=b.default\n",
			},
			errHas: "b.default",
		},
		{
			name:   "no profiles.ini",
			goos:   "linux",
			files:  map[string]string{".thunderbird/x": "y"},
			errHas: "profiles.ini",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			home := t.TempDir()
			for p, data := range tt.files {
				if data == "" {
					mkdir(t, filepath.Join(home, p))
				} else {
					mkfile(t, filepath.Join(home, p), data)
				}
			}
			e := env{goos: tt.goos, home: home, getenv: func(k string) string {
				if k == "APPDATA" {
					return filepath.Join(home, "AppData", "Roaming")
				}
				return ""
			}}
			got, others, err := defaultProfile(e)
			if tt.want == "" {
				if err == nil || !strings.Contains(err.Error(), tt.errHas) {
					t.Fatalf("got %q, %v; want an error with %q", got, err, tt.errHas)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if want := filepath.Join(home, filepath.FromSlash(tt.want)); got != want || len(others) != tt.others {
				t.Errorf("got %q (others %v), want %q (%d others)", got, others, want, tt.others)
			}
		})
	}
}

func TestDefaultProfileAbsolutePath(t *testing.T) {
	home, elsewhere := t.TempDir(), t.TempDir()
	mkfile(t, filepath.Join(home, ".thunderbird", "profiles.ini"),
		"[Profile0]\nIsRelative=0\nPath="+elsewhere+"\n\n[Install1]\nDefault="+elsewhere+"\n")
	got, _, err := defaultProfile(env{goos: "linux", home: home, getenv: func(string) string { return "" }})
	if err != nil || got != elsewhere {
		t.Errorf("got %q, %v; want %q", got, err, elsewhere)
	}
}

// TestLocalFoldersFromPrefs: Local Folders moved elsewhere (Account
// Settings, "Local directory") is found through prefs.js.
func TestLocalFoldersFromPrefs(t *testing.T) {
	profile, moved := t.TempDir(), t.TempDir()
	mkfile(t, filepath.Join(profile, "prefs.js"), strings.Join([]string{
		`// Mozilla User Preferences`,
		`user_pref("mail.accountmanager.localfoldersserver", "server2");`,
		`user_pref("mail.server.server2.directory", "` + strings.ReplaceAll(moved, `\`, `\\`) + `");`,
		`user_pref("mail.server.server2.type", "none");`,
		`user_pref("mail.server.server3.directory-rel", "[ProfD]../pop3-elsewhere");`,
		`user_pref("mail.server.server3.type", "pop3");`,
	}, "\n")+"\n")
	msg := "From - Mon Jan  1 00:00:00 2001\nX-Mozilla-Status: 0001\nSubject: x\n\nb\n"
	mkfile(t, filepath.Join(moved, "Inbox"), msg)
	mkfile(t, filepath.Join(profile, "Mail", "Local Folders", "Stale"), msg)
	mkfile(t, filepath.Join(filepath.Dir(profile), "pop3-elsewhere", "Inbox"), msg)
	src, err := Open(profile, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Local Folders where prefs.js says, and the POP account that prefs.js
	// places outside the profile.
	fs := src.Files()
	if len(fs) != 3 || fs[0].Path != filepath.Join(moved, "Inbox") || fs[2].Folder.String() != "pop3-elsewhere/Inbox" {
		t.Errorf("files %+v, want %s and pop3-elsewhere/Inbox", fs, filepath.Join(moved, "Inbox"))
	}
	// --all-accounts: also the other directory below Mail/.
	src, err = Open(profile, Settings{AllAccounts: true}.Options())
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range src.Files() {
		names = append(names, f.Folder.String())
	}
	if got, want := strings.Join(names, " "), "Inbox Local Folders Local Folders/Stale pop3-elsewhere pop3-elsewhere/Inbox"; got != want {
		t.Errorf("all accounts: %q, want %q", got, want)
	}
}

// TestAccountNameClash: an account directory named like a Local Folders
// folder gets a suffix instead of mixing the two.
func TestAccountNameClash(t *testing.T) {
	profile := t.TempDir()
	msg := "From - Mon Jan  1 00:00:00 2001\nSubject: x\n\nb\n"
	mkfile(t, filepath.Join(profile, "Mail", "Local Folders", "Archive"), msg)
	mkfile(t, filepath.Join(profile, "Mail", "Archive", "Inbox"), msg)
	src, err := Open(profile, Settings{AllAccounts: true}.Options())
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range src.Files() {
		names = append(names, f.Folder.String())
	}
	if got, want := strings.Join(names, " "), "Archive Archive-2 Archive-2/Inbox"; got != want {
		t.Errorf("folders %q, want %q", got, want)
	}
}
