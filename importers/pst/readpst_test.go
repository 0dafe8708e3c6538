package pst

// readpst_test.go compares this reader with readpst (Debian's pst-utils,
// libpst 0.6.x), an independent implementation, on every PST sample.

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/mailferry/mailferry/importers/outlook"
)

// needReadpst returns the path of readpst, or skips the test. With CI=true
// a missing readpst fails the test: CI installs pst-utils.
func needReadpst(t testing.TB) string {
	t.Helper()
	p, err := exec.LookPath("readpst")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("readpst not found (apt-get install pst-utils); CI=true forbids skipping")
		}
		t.Skip("readpst not found (apt-get install pst-utils); set CI=true to make this a failure")
	}
	return p
}

// readpstOut is what readpst wrote for one PST: for each folder (path
// below the store's directory, "/"-separated), the Message-IDs of its
// .eml files ("" for a file without one), and the other files by
// extension.
type readpstOut struct {
	store  string
	mids   map[string][]string
	others map[string]map[string]int // folder → extension → count
	files  map[string][]string       // folder → .eml/.ics paths
}

// runReadpst runs readpst on path into a temporary directory.
//
//	-D  include Deleted Items (readpst skips them by default)
//	-e  one file per item with an extension (.eml mail, .ics, .vcf)
//	-b  no extra RTF attachment for RTF bodies
//	-j 0  no parallel jobs
//	-q  quiet
//
// types is readpst's -t list ("e" for mail only, "" for all types).
func runReadpst(t testing.TB, path, types string) *readpstOut {
	return runReadpstArgs(t, path, types, "-D")
}

func runReadpstArgs(t testing.TB, path, types string, extra ...string) *readpstOut {
	t.Helper()
	bin := needReadpst(t)
	dir := t.TempDir()
	args := append([]string{"-e", "-b", "-j", "0", "-q", "-o", dir}, extra...)
	if types != "" {
		args = append(args, "-t", types)
	}
	cmd := exec.Command(bin, append(args, path)...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("readpst %s: %v\n%s", strings.Join(cmd.Args[1:], " "), err, out)
	}
	tops, err := os.ReadDir(dir)
	if err != nil || len(tops) != 1 {
		t.Fatalf("readpst wrote %d top-level entries (%v), want one directory for the store", len(tops), err)
	}
	r := &readpstOut{store: tops[0].Name(), mids: map[string][]string{}, others: map[string]map[string]int{}, files: map[string][]string{}}
	root := filepath.Join(dir, r.store)
	err = filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(root, filepath.Dir(p))
		folder := filepath.ToSlash(rel)
		if folder == "." {
			folder = ""
		}
		ext := filepath.Ext(p)
		r.files[folder] = append(r.files[folder], p)
		if ext != ".eml" {
			if r.others[folder] == nil {
				r.others[folder] = map[string]int{}
			}
			r.others[folder][ext]++
			return nil
		}
		raw, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		r.mids[folder] = append(r.mids[folder], headerField(raw, "Message-Id"))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// readpstMail reports whether readpst -t e writes an item of class as mail
// (libpst's pst_parse_item: IPM.Note*, IPM, REPORT.IPM.Note*,
// IPM.Schedule.Meeting*).
func readpstMail(class string) bool {
	c := strings.ToLower(class)
	return strings.HasPrefix(c, "ipm.note") || c == "ipm" ||
		strings.HasPrefix(c, "report.ipm.note") || strings.HasPrefix(c, "ipm.schedule.meeting")
}

// nidOf parses the NID out of a Ref.
func nidOf(t testing.TB, ref string) uint32 {
	i := strings.LastIndex(ref, "#nid=0x")
	n, err := strconv.ParseUint(ref[i+7:], 16, 32)
	if i < 0 || err != nil {
		t.Fatalf("Ref %q has no NID", ref)
	}
	return uint32(n)
}

// compareWithReadpst walks path with this package and with readpst and
// checks that every folder has the same number of mail items with the
// same Message-IDs. Every difference must be one of the explained kinds:
//
//   - items whose class readpst does not treat as mail (task requests,
//     posts, custom classes, no class): we read them, readpst -t e does
//     not;
//   - items that this reader reports as unreadable: readpst skips them or
//     writes what it can.
//
// It returns our messages for further checks.
func compareWithReadpst(t *testing.T, path string) []got {
	t.Helper()
	rp := runReadpst(t, path, "e")
	s, _ := openTest(t, path)
	ours := walkAll(t, s)

	byNID := map[uint32]nbtEntry{}
	for _, l := range s.st.msgs {
		for _, e := range l {
			byNID[e.nid] = e
		}
	}
	mids := map[string][]string{}
	explained := map[string][]string{}
	for _, g := range ours {
		folder := readpstFolderName(t, s, g.folder)
		if len(s.st.msgs[s.st.ipm]) > 0 && folder == s.st.folders[s.st.ipm].name {
			folder = "" // readpst writes items of the top folder into the store's directory
		}
		if g.err != nil {
			explained[folder] = append(explained[folder], fmt.Sprintf("unreadable %s: %v", g.ref, g.err))
			continue
		}
		class, err := s.st.messageClass(byNID[nidOf(t, g.ref)])
		if err != nil {
			t.Fatalf("%s: class: %v", g.ref, err)
		}
		if !readpstMail(class) {
			explained[folder] = append(explained[folder], fmt.Sprintf("class %q (readpst -t e skips it)", class))
			continue
		}
		mids[folder] = append(mids[folder], headerField(g.raw, "Message-Id"))
	}
	folders := map[string]bool{}
	for f := range mids {
		folders[f] = true
	}
	for f := range rp.mids {
		folders[f] = true
	}
	var names []string
	for f := range folders {
		names = append(names, f)
	}
	sort.Strings(names)
	total := 0
	for _, f := range names {
		a, b := append([]string(nil), mids[f]...), append([]string(nil), rp.mids[f]...)
		sort.Strings(a)
		sort.Strings(b)
		total += len(a)
		if len(a) != len(b) {
			t.Errorf("%s: folder %q: we read %d mail items, readpst wrote %d .eml files (explained differences: %v)", filepath.Base(path), f, len(a), len(b), explained[f])
		}
		onlyA, onlyB := diff(a, b)
		for _, m := range onlyA {
			t.Errorf("%s: folder %q: Message-ID %q only in our output", filepath.Base(path), f, m)
		}
		for _, m := range onlyB {
			t.Errorf("%s: folder %q: Message-ID %q only in readpst's output", filepath.Base(path), f, m)
		}
		noID := 0
		for _, m := range a {
			if m == "" {
				noID++
			}
		}
		t.Logf("%s: folder %q: %d mail items (%d without Message-ID) in both; %d more items explained: %v", filepath.Base(path), f, len(a), noID, len(explained[f]), explained[f])
	}
	t.Logf("%s: %d mail items compared with readpst", filepath.Base(path), total)
	return ours
}

// readpstFolderName is the directory readpst writes folder f of s into.
// QUIRK: readpst decodes 8-bit folder names of ANSI files as ISO-8859-1
// whatever the code page, so "受信トレイ" of a cp932 file becomes the
// Latin-1 reading of its Shift_JIS bytes.
func readpstFolderName(t testing.TB, s *Source, f string) string {
	if s.f.unicode || s.st.cp == 0 || s.st.cp == 1252 {
		return f
	}
	b, err := outlook.CodePageEncoding(s.st.cp).NewEncoder().Bytes([]byte(f))
	if err != nil {
		t.Fatalf("encoding folder %q in code page %d: %v", f, s.st.cp, err)
	}
	r := make([]rune, len(b))
	for i, c := range b {
		r[i] = rune(c)
	}
	return string(r)
}

// diff returns the elements of the sorted multisets a and b found only in
// one of them.
func diff(a, b []string) (onlyA, onlyB []string) {
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case j >= len(b) || i < len(a) && a[i] < b[j]:
			onlyA = append(onlyA, a[i])
			i++
		case i >= len(a) || b[j] < a[i]:
			onlyB = append(onlyB, b[j])
			j++
		default:
			i++
			j++
		}
	}
	return onlyA, onlyB
}

func TestReadpstEnron(t *testing.T) {
	ours := compareWithReadpst(t, samplePath(t, "enron.pst"))
	if len(ours) != 2178 {
		t.Errorf("enron.pst: %d messages, want 2178", len(ours))
	}
}

func TestReadpstSupport(t *testing.T) {
	ours := compareWithReadpst(t, samplePath(t, "support.pst"))
	if len(ours) != 17 {
		t.Errorf("support.pst: %d messages, want 17", len(ours))
	}
}

// TestReadpstANSI reads go-pst's 32-bit.pst, an ANSI (Outlook 97-2002)
// file that go-pst itself cannot read. It holds one appointment and no
// mail; readpst -t e writes nothing, readpst with all types writes one
// .ics whose SUMMARY is the appointment's subject.
func TestReadpstANSI(t *testing.T) {
	path := samplePath(t, "32-bit.pst")
	compareWithReadpst(t, path)

	s, lb := openTest(t, path)
	if s.f.unicode {
		t.Fatal("32-bit.pst read as a Unicode file")
	}
	if s.st.name != "Personal Folders" {
		t.Errorf("store name %q, want %q", s.st.name, "Personal Folders")
	}
	var folders []string
	for _, fo := range s.st.list {
		folders = append(folders, fo.path.String())
	}
	if got := strings.Join(folders, ","); got != "Deleted Items,Calendar" {
		t.Errorf("folders %q, want %q", got, "Deleted Items,Calendar")
	}
	if n := len(walkAll(t, s)); n != 0 {
		t.Errorf("%d mail items, want 0", n)
	}
	if !strings.Contains(lb.String(), `folder=Calendar items=1 classes="IPM.Appointment=1"`) {
		t.Errorf("skipped appointment not logged; log:\n%s", lb.String())
	}

	all := runReadpst(t, path, "")
	if all.others["Calendar"][".ics"] != 1 {
		t.Fatalf("readpst wrote %v into Calendar, want one .ics", all.others["Calendar"])
	}
	ics, err := os.ReadFile(all.files["Calendar"][0])
	if err != nil {
		t.Fatal(err)
	}
	cal := s.st.folders[s.st.list[1].e.nid]
	it, err := s.st.readItem(s.f.nodeOf(s.st.msgs[cal.e.nid][0]), 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(ics), "SUMMARY:"+it.Subject+"\n") {
		t.Errorf("our subject %q is not readpst's SUMMARY:\n%s", it.Subject, ics)
	}
	if it.Subject != "Updated: Olympus training for new hires" || it.MessageClass != "IPM.Appointment" || len(it.To) != 4 || len(it.Cc) != 3 {
		t.Errorf("appointment: class %q subject %q, %d To, %d Cc", it.MessageClass, it.Subject, len(it.To), len(it.Cc))
	}
}

// TestReadpstDeletedItems explains the one difference to readpst's
// default: without -D readpst skips every folder named "Deleted Items"
// (and its subfolders); we read them (the engine maps the store's Deleted
// Items to the target's \Trash).
func TestReadpstDeletedItems(t *testing.T) {
	path := samplePath(t, "enron.pst")
	with, without := runReadpst(t, path, "e"), runReadpstArgs(t, path, "e")
	for f, mids := range with.mids {
		deleted := false
		for _, e := range strings.Split(f, "/") {
			deleted = deleted || strings.EqualFold(e, "Deleted Items")
		}
		switch n := len(without.mids[f]); {
		case deleted && n != 0:
			t.Errorf("readpst without -D wrote %d items into %q", n, f)
		case !deleted && n != len(mids):
			t.Errorf("folder %q: readpst wrote %d items without -D, %d with", f, n, len(mids))
		}
	}
	if n := len(with.mids["bailey-s/Deleted Items"]); n != 441 {
		t.Errorf("readpst -D: %d items in bailey-s/Deleted Items, want 441 (as we read)", n)
	}
}
