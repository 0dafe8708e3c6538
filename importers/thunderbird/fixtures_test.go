package thunderbird

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mailferry/mailferry/importers"
)

type tbMsg struct {
	off    int64
	size   int64
	sha256 string
	flags  []string
	date   time.Time
}

type tbFolder struct {
	folder string
	file   string // below the profile
	msgs   []tbMsg
}

func fixtureHome(t *testing.T) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Join(wd, "..", "..", "testdata", "thunderbird", "home")
}

func fixtureProfile(t *testing.T) string {
	return filepath.Join(fixtureHome(t), ".thunderbird", "k3x9q2lm.default-release")
}

type folderCount struct {
	name     string
	messages int64
	noSelect bool
}

func listFolders(t *testing.T, src importers.Source) []folderCount {
	t.Helper()
	fis, err := src.Folders(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var out []folderCount
	for _, fi := range fis {
		out = append(out, folderCount{fi.Folder.String(), fi.Messages, fi.NoSelect})
	}
	return out
}

// TestFixtureProfile reads the fixture profile with --all-accounts and
// compares with the table testdata/thunderbird/make.py printed from its
// own definitions of the messages.
func TestFixtureProfile(t *testing.T) {
	var logs bytes.Buffer
	profile := fixtureProfile(t)
	src, err := Open(profile, &importers.Options{Driver: importers.DriverValues{"all-accounts": "true"}, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	got := listFolders(t, src)
	want := []folderCount{
		{"Archive", 0, false}, {"Archive/2019", 2, false}, {"Drafts", 1, false}, {"Inbox", 7, false},
		{"Sent", 2, false}, {"Trash", 0, false}, {"Unsent Messages", 0, false},
		{"pop.example.com", 0, true}, {"pop.example.com/Inbox", 1, false}, {"pop.example.com/Trash", 0, false},
		{"仕事", 0, false}, {"仕事/重要", 1, false},
	}
	if len(got) != len(want) {
		t.Fatalf("folders:\n%v\nwant:\n%v", got, want)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Errorf("folder %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	for _, tf := range tbFixtures {
		t.Run(tf.folder, func(t *testing.T) {
			path := filepath.Join(profile, filepath.FromSlash(tf.file))
			var i int
			err := src.Walk(context.Background(), importers.Folder(strings.Split(tf.folder, "/")), nil, func(m *importers.Message, err error) error {
				if err != nil {
					t.Errorf("message %d: %v", i, err)
					i++
					return nil
				}
				if i >= len(tf.msgs) {
					t.Fatalf("more than %d messages", len(tf.msgs))
				}
				w := tf.msgs[i]
				rc, err := m.Body.Open()
				if err != nil {
					t.Fatal(err)
				}
				body, err := io.ReadAll(rc)
				rc.Close()
				if err != nil {
					t.Fatal(err)
				}
				sum := sha256.Sum256(body)
				if wantRef := "thunderbird:" + path + "@" + strconv.FormatInt(w.off, 10); m.Ref != wantRef {
					t.Errorf("message %d: Ref %s, want %s", i, m.Ref, wantRef)
				}
				if int64(len(body)) != w.size || m.Body.Len() != w.size || hex.EncodeToString(sum[:]) != w.sha256 {
					t.Errorf("message %d: %d bytes (Len %d), sha256 %x; want %d %s:\n%s", i, len(body), m.Body.Len(), sum, w.size, w.sha256, body)
				}
				var flags []string
				for _, f := range m.Flags {
					flags = append(flags, string(f))
				}
				if strings.Join(flags, " ") != strings.Join(w.flags, " ") {
					t.Errorf("message %d: flags %q, want %q", i, flags, w.flags)
				}
				if !m.InternalDate.Equal(w.date) {
					t.Errorf("message %d: date %v, want %v", i, m.InternalDate, w.date)
				}
				i++
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if i != len(tf.msgs) {
				t.Errorf("%d messages, want %d", i, len(tf.msgs))
			}
		})
	}
	// The garbage file is skipped with a warning; settings quietly; the
	// partly downloaded message is reported.
	for _, s := range []string{"notes", "partly downloaded"} {
		if !strings.Contains(logs.String(), s) {
			t.Errorf("log does not mention %q:\n%s", s, logs.String())
		}
	}
	for _, s := range []string{"msgFilterRules", "popstate", "filterlog", "folderTree", ".msf", "ImapMail", "old1234"} {
		if strings.Contains(logs.String(), s) {
			t.Errorf("log mentions %q:\n%s", s, logs.String())
		}
	}
}

// TestOpenPaths: a profile and its Mail directory give Local Folders and
// the POP account (with or without --all-accounts); Local Folders itself
// gives its tree; an account directory gives its own folders.
func TestOpenPaths(t *testing.T) {
	profile := fixtureProfile(t)
	lfTree := "Archive Archive/2019 Drafts Inbox Sent Trash Unsent Messages 仕事 仕事/重要"
	withPOP := "Archive Archive/2019 Drafts Inbox Sent Trash Unsent Messages " +
		"pop.example.com pop.example.com/Inbox pop.example.com/Trash 仕事 仕事/重要"
	for _, tt := range []struct {
		path string
		all  bool
		want string
	}{
		{profile, false, withPOP},
		{profile, true, withPOP},
		{filepath.Join(profile, "Mail"), false, withPOP},
		{filepath.Join(profile, "Mail", "Local Folders"), false, lfTree},
		{filepath.Join(profile, "Mail", "Local Folders"), true, lfTree},
		{filepath.Join(profile, "Mail", "pop.example.com"), false, "Inbox Trash"},
		{filepath.Join(profile, "Mail"), true, withPOP},
	} {
		src, err := Open(tt.path, Settings{AllAccounts: tt.all}.Options())
		if err != nil {
			t.Errorf("Open(%s): %v", tt.path, err)
			continue
		}
		var names []string
		for _, f := range listFolders(t, src) {
			names = append(names, f.name)
		}
		if got := strings.Join(names, " "); got != tt.want {
			t.Errorf("Open(%s, all=%v) folders %q, want %q", tt.path, tt.all, got, tt.want)
		}
	}
	// The directory holding profiles.ini: its default profile.
	src, err := Open(filepath.Dir(profile), nil)
	if err != nil || len(src.Files()) == 0 || !strings.HasPrefix(src.Files()[0].Path, profile) {
		t.Errorf("Open(%s) = %v; want the files of %s", filepath.Dir(profile), err, profile)
	}
	for _, p := range []string{filepath.Join(profile, "nope"), filepath.Join(profile, "prefs.js")} {
		if _, err := Open(p, nil); !errors.Is(err, importers.ErrUsage) {
			t.Errorf("Open(%s) = %v, want a usage error", p, err)
		}
	}
}

// TestOpenDefaultProfile finds the fixture profile through HOME and
// profiles.ini (the Install section wins over the older Default=1).
func TestOpenDefaultProfile(t *testing.T) {
	if goos := systemEnv().goos; goos == "windows" || goos == "darwin" {
		t.Skip("the fixture home is laid out for Linux")
	}
	t.Setenv("HOME", fixtureHome(t))
	src, err := Open("", nil)
	if err != nil {
		t.Fatal(err)
	}
	fs := src.Files()
	if len(fs) == 0 || !strings.Contains(fs[0].Path, "k3x9q2lm.default-release") {
		t.Errorf("files %+v, want those of k3x9q2lm.default-release", fs)
	}
	// The same through the registry: the spec "thunderbird:" has no path.
	reg, err := importers.Open(context.Background(), "thunderbird:", nil)
	if err != nil {
		t.Fatalf(`importers.Open("thunderbird:"): %v`, err)
	}
	defer reg.Close()
	fis, err := reg.Folders(context.Background())
	if err != nil || len(fis) == 0 {
		t.Fatalf(`"thunderbird:" folders %v, %v`, fis, err)
	}
	direct, err := src.Folders(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if n, want := len(fis), len(direct); n != want {
		t.Errorf(`"thunderbird:" lists %d folders, Open("") %d`, n, want)
	}
}

// Generated by testdata/thunderbird/make.py.
var tbFixtures = []tbFolder{
	{"Inbox", "Mail/Local Folders/Inbox", []tbMsg{
		{0, 255, "67f821a054dfdc8714ce5a5950e15adf81198c9e7a7edf646b3d437f22a71df6", []string{"\\Seen"}, time.Date(2019, 3, 4, 14, 6, 7, 0, tz)},
		{288, 221, "953ac6e3b82e227f29cac36a71d47f076bfe7fdc656a993b48b7a91bd1e04904", []string{"\\Seen", "\\Answered", "$label1"}, time.Date(2019, 3, 5, 9, 0, 0, 0, tz)},
		{542, 273, "34d41fd3c5d4fdbef3f4a0c48b45dfe108e9cb8455536ac79ffe5c14eeba5352", []string{"\\Flagged"}, time.Date(2019, 3, 6, 10, 0, 0, 0, tz)},
		{849, 222, "fec3e30a23400de3846da5cad8ed1aef00538e5465bc68a9890ecaae67c6e4c8", []string{"\\Seen", "\\Deleted"}, time.Date(2019, 3, 7, 11, 0, 0, 0, tz)},
		{1104, 244, "32ff9e764982fa44a02997dc560f3d9e76dea8a92a51d1dca05b21151bf5c859", []string{"\\Seen", "$Forwarded", "$MDNSent", "$Junk"}, time.Date(2019, 3, 8, 12, 0, 0, 0, tz)},
		{1380, 168, "cdd829eb0174813cb22cc9132694535cc599eb92005580fbfd0f77e2ee77bfbd", []string{}, time.Date(2019, 3, 9, 13, 0, 0, 0, tz)},
		{1581, 219, "0f2037977c1edef5bd3cc8a7405c913af06faa03838c513fda4dd1d1962982e6", []string{"\\Seen"}, time.Date(2019, 3, 10, 14, 0, 0, 0, tz)},
	}},
	{"Sent", "Mail/Local Folders/Sent", []tbMsg{
		{0, 163, "92ad3418405c10af890fc6643059df1ce0c1c991025605ef0ea6f1a2bcfec612", []string{"\\Seen"}, time.Date(2015, 1, 3, 1, 5, 34, 0, tz)},
		{200, 109, "1eba404353dd376c1b9a8bfa95a22dd749dadfd614894782bb04382a4de65ab2", []string{"\\Seen"}, time.Date(2015, 1, 4, 1, 5, 34, 0, tz)},
	}},
	{"Drafts", "Mail/Local Folders/Drafts", []tbMsg{
		{0, 189, "c13bbbbfb0825dc0b0c00c740421a02fd7e5bb2a8221ca901882c6a81b167496", []string{}, time.Date(2015, 1, 5, 8, 0, 0, 0, tz)},
	}},
	{"Archive/2019", "Mail/Local Folders/Archive.sbd/2019", []tbMsg{
		{0, 202, "3e209587fa5c6fdc6970bce2882fb6a500b9c92bac10e793bdcd30cb41e0d13b", []string{"\\Seen"}, time.Date(2019, 1, 1, 0, 0, 0, 0, tz)},
		{235, 220, "b3e92a2c3235b82e37e84235c4fa58af6d6ccdf0c75e1a9e6a392dad4978c8f4", []string{"\\Seen"}, time.Date(2019, 1, 2, 0, 0, 0, 0, tz)},
	}},
	{"仕事/重要", "Mail/Local Folders/仕事.sbd/重要", []tbMsg{
		{0, 259, "7974423c44ecd81e0638baf6ce41fa0ae85ff4273d7cec771b81e3c28b686e60", []string{"\\Seen", "\\Flagged"}, time.Date(2021, 4, 1, 9, 0, 0, 0, tz)},
	}},
	{"pop.example.com/Inbox", "Mail/pop.example.com/Inbox", []tbMsg{
		{0, 202, "3957ccf9b4d6705e6973e69b33bf615321a6e4ab1b4faa4c63114dfa2c4997a0", []string{}, time.Date(2020, 6, 5, 10, 0, 0, 0, tz)},
	}},
}
