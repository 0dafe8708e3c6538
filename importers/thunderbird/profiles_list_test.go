package thunderbird

import (
	"os"
	"path/filepath"
	"testing"
)

// Profiles lists every profile whose directory exists, and marks the one
// DefaultProfile picks (the Install section's Default= first).
func TestProfilesListsAndMarksDefault(t *testing.T) {
	base := t.TempDir()
	abs := filepath.Join(t.TempDir(), "elsewhere")
	for _, d := range []string{filepath.Join(base, "Profiles", "a.default"), filepath.Join(base, "Profiles", "b.work"), abs} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	ini := "\xEF\xBB\xBF[Profile0]\nName=default\nIsRelative=1\nPath=Profiles/a.default\nDefault=1\n\n" +
		"[Profile1]\nName=work\nIsRelative=1\nPath=Profiles\\b.work\n\n" +
		"[Profile2]\nIsRelative=0\nPath=" + abs + "\n\n" +
		"[Profile3]\nName=gone\nIsRelative=1\nPath=Profiles/gone\n\n" +
		"[InstallABC]\nDefault=Profiles\\b.work\nLocked=1\n"
	if err := os.WriteFile(filepath.Join(base, "profiles.ini"), []byte(ini), 0o644); err != nil {
		t.Fatal(err)
	}
	got := Profiles(base)
	if len(got) != 3 {
		t.Fatalf("profiles %+v, want 3 (the missing directory left out)", got)
	}
	want := []Profile{
		{Name: "default", Path: filepath.Join(base, "Profiles", "a.default")},
		{Name: "work", Path: filepath.Join(base, "Profiles", "b.work"), Default: true},
		{Name: "elsewhere", Path: abs},
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("profile %d: %+v, want %+v", i, got[i], want[i])
		}
	}
	if Profiles(t.TempDir()) != nil {
		t.Error("profiles listed without a profiles.ini")
	}
}
