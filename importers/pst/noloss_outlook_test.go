package pst

// noloss_outlook_test.go: Exchange OSTs whose IPM subtree is "IPM_SUBTREE"
// under "Root - Mailbox", and items that are not mail, reported as skipped
// and written to --nonmail DIR as readpst writes them.

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/mailferry/mailferry/importers"
	"github.com/mailferry/mailferry/importers/outlook"
)

// ostStore is an Exchange OST layout: no PR_IPM_SUBTREE_ENTRYID in the
// message store, the root "Root - Mailbox" holding "IPM_SUBTREE" (at NID
// 0x2142, where libpst looks) and the internal folders beside it.
func ostStore() *wStore {
	t0 := time.Date(2019, 3, 4, 5, 6, 7, 0, time.UTC)
	n := 0
	msgs := func(k int) []*wMsg {
		var l []*wMsg
		for i := 0; i < k; i++ {
			n++
			subj := fmt.Sprintf("ost message %d", n)
			l = append(l, &wMsg{class: "IPM.Note", subject: subj, body: subj + "\r\n", mid: fmt.Sprintf("<ost-%d@example.com>", n),
				from: "Ann", fromAddr: "ann@example.com", to: []string{"Bob|bob@example.com"}, submit: t0.Add(time.Duration(n) * time.Hour), cp: 1252})
		}
		return l
	}
	return &wStore{name: "ann@example.com", unicode: true, crypt: cryptPermute, cp: 1252,
		rootName: "Root - Mailbox", ipmName: "IPM_SUBTREE", ipmNID: nidOSTTop, noIPMEntryID: true,
		folders: []*wFolder{
			{name: "Inbox", class: "IPF.Note", msgs: msgs(5), children: []*wFolder{{name: "Projects", class: "IPF.Note", msgs: msgs(3)}}},
			{name: "Sent Items", class: "IPF.Note", msgs: msgs(2)},
			{name: "Deleted Items", class: "IPF.Note", msgs: msgs(1)},
		},
		outside: []*wFolder{
			{name: "Freebusy Data", msgs: msgs(1)},
			{name: "Common Views"},
		},
	}
}

func TestOSTRootMailbox(t *testing.T) {
	path := writeCopy(t, "mailbox.ost", writePST(ostStore()))
	s, lb := openTest(t, path)
	fis, err := s.Folders(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var list []string
	for _, fi := range fis {
		list = append(list, fmt.Sprintf("%s=%d", fi.Folder.String(), fi.Messages))
	}
	if got, want := strings.Join(list, ","), "Inbox=5,Inbox/Projects=3,Sent Items=2,Deleted Items=1"; got != want {
		t.Errorf("folders %s, want %s", got, want)
	}
	if !strings.Contains(lb.String(), "outside the personal folders") {
		t.Errorf("the item in Freebusy Data is not logged:\n%s", lb)
	}
	ours := compareWithReadpst(t, path)
	if len(ours) != 11 {
		t.Errorf("%d messages, want 11", len(ours))
	}
}

// TestIPMFallbacks: the IPM subtree by name ("Top of Outlook data file")
// when the entry ID is missing, and the root itself when no folder has a
// known name.
func TestIPMFallbacks(t *testing.T) {
	st := ostStore()
	st.ipmNID, st.ipmName = 0, "Top of Outlook data file"
	s, _ := openTest(t, writeCopy(t, "top.pst", writePST(st)))
	if got := s.st.folders[s.st.ipm].name; got != "Top of Outlook data file" {
		t.Errorf("IPM subtree %q", got)
	}
	st = ostStore()
	st.ipmNID, st.ipmName = 0, "Something else"
	s, lb := openTest(t, writeCopy(t, "root.pst", writePST(st)))
	if s.st.ipm != nidRootFolder {
		t.Errorf("IPM subtree 0x%x, want the root", s.st.ipm)
	}
	if !strings.Contains(lb.String(), "no IPM subtree found") {
		t.Errorf("reading from the root is not logged:\n%s", lb)
	}
	if got := len(walkAll(t, s)); got != 12 {
		t.Errorf("%d messages from the root, want 12", got)
	}
}

// Named properties of nonMailStore, in the order of its name-to-ID map:
// property ID 0x8000+i.
const (
	nmFileUnder = 0x8000 + iota
	nmEmail1
	nmEmail2
	nmApptStart
	nmApptEnd
	nmLocation
	nmBusy
	nmTaskStart
	nmTaskDue
	nmTaskComplete
	nmLogStart
	nmLogEnd
	nmDistOneOff
	nmLogType
)

func ustr(id uint16, s string) wprop {
	var b []byte
	for _, u := range utf16.Encode([]rune(s)) {
		b = le.AppendUint16(b, u)
	}
	return wprop{id, ptUnicode, append(b, 0, 0)}
}

// oneOff is a Unicode one-off entry ID (MS-OXCDATA 2.2.5.1).
func oneOff(name, addr string) []byte {
	b := []byte{0, 0, 0, 0, 0x81, 0x2B, 0x1F, 0xA4, 0xBE, 0xA3, 0x10, 0x19, 0x9D, 0x6E, 0x00, 0xDD, 0x01, 0x0F, 0x54, 0x02, 0, 0, 0x00, 0x80}
	for _, s := range []string{name, "SMTP", addr} {
		for _, u := range utf16.Encode([]rune(s)) {
			b = le.AppendUint16(b, u)
		}
		b = append(b, 0, 0)
	}
	return b
}

// mvBin encodes a PT_MV_BINARY value as a PST stores it.
func mvBin(vals ...[]byte) []byte {
	b := le.AppendUint32(nil, uint32(len(vals)))
	off := 4 + 4*len(vals)
	for _, v := range vals {
		b = le.AppendUint32(b, uint32(off))
		off += len(v)
	}
	for _, v := range vals {
		b = append(b, v...)
	}
	return b
}

type wantContact struct {
	name   string
	emails []string
}

type wantEvent struct {
	summary, location string
	start, end        time.Time
}

// nonMailStore is a PST with mail and every kind of item that is not
// mail: nc contacts, na appointments, tasks, notes, a distribution list
// and a journal entry.
func nonMailStore(nc, na int) (*wStore, []wantContact, []wantEvent) {
	t0 := time.Date(2021, 6, 7, 8, 0, 0, 0, time.UTC)
	st := &wStore{name: "Leaving Outlook", unicode: true, crypt: cryptPermute, cp: 1252,
		named: []wNamed{
			{outlook.PSETIDAddress, outlook.LidFileUnder}, {outlook.PSETIDAddress, outlook.LidEmail1Address},
			{outlook.PSETIDAddress, outlook.LidEmail2Address}, {outlook.PSETIDAppointment, outlook.LidAppointmentStart},
			{outlook.PSETIDAppointment, outlook.LidAppointmentEnd}, {outlook.PSETIDAppointment, outlook.LidLocation},
			{outlook.PSETIDAppointment, outlook.LidBusyStatus}, {outlook.PSETIDTask, outlook.LidTaskStartDate},
			{outlook.PSETIDTask, outlook.LidTaskDueDate}, {outlook.PSETIDTask, outlook.LidTaskComplete},
			{outlook.PSETIDLog, outlook.LidLogStart}, {outlook.PSETIDLog, outlook.LidLogEnd},
			{outlook.PSETIDAddress, outlook.LidDistListOneOff}, {outlook.PSETIDLog, outlook.LidLogType},
		}}
	var contacts []*wMsg
	var wc []wantContact
	for i := 0; i < nc; i++ {
		first, last := fmt.Sprintf("Given%d", i), fmt.Sprintf("O'Family, %d", i)
		full := first + " " + last
		emails := []string{fmt.Sprintf("person%d@example.com", i)}
		extra := []wprop{ustr(pidDisplayName, full), ustr(0x3A06, first), ustr(0x3A11, last), ustr(nmFileUnder, full),
			ustr(nmEmail1, emails[0]), ustr(0x3A08, "+1 555 0100"), ustr(0x3A16, "Acme; Inc.")}
		if i%2 == 0 {
			emails = append(emails, fmt.Sprintf("home%d@example.org", i))
			extra = append(extra, ustr(nmEmail2, emails[1]))
		}
		contacts = append(contacts, &wMsg{class: "IPM.Contact", subject: full, body: "met at the fair\r\nsecond line", extra: extra})
		wc = append(wc, wantContact{full, emails})
	}
	var appts []*wMsg
	var we []wantEvent
	for i := 0; i < na; i++ {
		s := t0.Add(time.Duration(i) * 24 * time.Hour)
		e := s.Add(90 * time.Minute)
		subj := fmt.Sprintf("Meeting %d, room; B", i)
		loc := fmt.Sprintf("Room %d", i)
		appts = append(appts, &wMsg{class: "IPM.Appointment", subject: subj, body: "agenda", delivery: t0.Add(-time.Hour),
			extra: []wprop{ftime(nmApptStart, s), ftime(nmApptEnd, e), ustr(nmLocation, loc), i32(nmBusy, 2)}})
		we = append(we, wantEvent{summary: subj, location: loc, start: s, end: e})
	}
	mail := &wMsg{class: "IPM.Note", subject: "real mail", body: "hello\r\n", mid: "<real@example.com>", from: "Ann", fromAddr: "ann@example.com",
		to: []string{"Bob|bob@example.com"}, submit: t0, cp: 1252}
	st.folders = []*wFolder{
		{name: "Inbox", class: "IPF.Note", msgs: []*wMsg{mail}},
		{name: "Contacts", class: "IPF.Contact", msgs: append(contacts, &wMsg{class: "IPM.DistList", subject: "Team",
			extra: []wprop{ustr(pidDisplayName, "Team"), {nmDistOneOff, ptMV | ptBinary, mvBin(oneOff("Ann", "ann@example.com"), oneOff("Bob", "bob@example.com"))}}})},
		{name: "Calendar", class: "IPF.Appointment", msgs: appts},
		{name: "Tasks", class: "IPF.Task", msgs: []*wMsg{{class: "IPM.Task", subject: "File taxes",
			extra: []wprop{ftime(nmTaskStart, t0), ftime(nmTaskDue, t0.Add(72*time.Hour)), {nmTaskComplete, ptBool, []byte{0}}}}}},
		{name: "Notes", class: "IPF.StickyNote", msgs: []*wMsg{{class: "IPM.StickyNote", subject: "Wifi password", body: "Wifi password\r\nhunter2"}}},
		{name: "Journal", class: "IPF.Journal", msgs: []*wMsg{{class: "IPM.Activity", subject: "Phone call with Bob",
			extra: []wprop{ftime(nmLogStart, t0), ftime(nmLogEnd, t0.Add(10*time.Minute)), ustr(nmLogType, "Phone call")}}}},
	}
	return st, wc, we
}

// skipWalk walks s and returns, per folder, the kinds of the skipped items
// and the number of messages.
func skipWalk(t *testing.T, s *Source) (skipped map[string][]string, msgs map[string]int) {
	t.Helper()
	skipped, msgs = map[string][]string{}, map[string]int{}
	ctx := context.Background()
	fis, err := s.Folders(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, fi := range fis {
		n := 0
		err := s.Walk(ctx, fi.Folder, nil, func(m *importers.Message, rerr error) error {
			n++
			var se *importers.SkipError
			switch {
			case errors.As(rerr, &se):
				if se.Ref != m.Ref || !se.Folder.Equal(fi.Folder) || m.Body != nil {
					t.Errorf("SkipError %+v for message %+v", se, m)
				}
				skipped[fi.Folder.String()] = append(skipped[fi.Folder.String()], se.Kind)
			case rerr != nil:
				t.Errorf("%s: %v", m.Ref, rerr)
			default:
				msgs[fi.Folder.String()]++
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if int64(n) != fi.Messages {
			t.Errorf("folder %s: Folders counts %d items, Walk handed out %d", fi.Folder, fi.Messages, n)
		}
	}
	return skipped, msgs
}

func TestNonMailSkipped(t *testing.T) {
	st, _, _ := nonMailStore(72, 9)
	path := writeCopy(t, "contacts.pst", writePST(st))
	s, _ := openTest(t, path)
	skipped, msgs := skipWalk(t, s)
	count := map[string]int{}
	for _, l := range skipped {
		for _, k := range l {
			count[k]++
		}
	}
	want := map[string]int{"contact": 72, "distribution-list": 1, "appointment": 9, "task": 1, "note": 1, "journal": 1}
	if fmt.Sprint(count) != fmt.Sprint(want) {
		t.Errorf("skipped %v, want %v", count, want)
	}
	if msgs["Inbox"] != 1 || len(msgs) != 1 {
		t.Errorf("messages %v, want Inbox: 1", msgs)
	}
	// readpst writes the same number of contacts, appointments and journal
	// entries per folder (it writes no tasks, notes or lists).
	rp := runReadpst(t, path, "")
	for folder, ext := range map[string]string{"Contacts": ".vcf", "Calendar": ".ics", "Journal": ".ics"} {
		n := 0
		for _, k := range skipped[folder] {
			if k != "distribution-list" {
				n++
			}
		}
		if got := rp.others[folder][ext]; got != n {
			t.Errorf("folder %s: readpst wrote %d %s files, we skipped %d items", folder, got, ext, n)
		}
	}
}

// parseDir reads the vCard/iCalendar files of dir (recursively): for each,
// its properties by name (parameters dropped), lines unfolded and values
// unescaped.
func parseDir(t *testing.T, files []string) []map[string][]string {
	t.Helper()
	var out []map[string][]string
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		s := strings.ReplaceAll(string(b), "\r\n", "\n")
		s = strings.ReplaceAll(s, "\n ", "")
		s = strings.ReplaceAll(s, "\n\t", "")
		m := map[string][]string{}
		for _, line := range strings.Split(s, "\n") {
			k, v, ok := strings.Cut(line, ":")
			if !ok {
				continue
			}
			k, _, _ = strings.Cut(k, ";")
			if _, seen := m["BEGIN"]; k == "BEGIN" && seen && v == "VCARD" {
				continue // readpst's AGENT
			}
			v = strings.NewReplacer(`\n`, "\n", `\N`, "\n", `\,`, ",", `\;`, ";", `\\`, `\`).Replace(v)
			m[k] = append(m[k], v)
		}
		out = append(out, m)
	}
	return out
}

func contactKeys(cards []map[string][]string) []string {
	var keys []string
	for _, c := range cards {
		emails := append([]string(nil), c["EMAIL"]...)
		sort.Strings(emails)
		keys = append(keys, strings.Join(c["FN"], "|")+" <"+strings.Join(emails, ",")+"> N="+strings.Join(c["N"], "|")+" ORG="+strings.Join(c["ORG"], "|"))
	}
	sort.Strings(keys)
	return keys
}

func eventKeys(evs []map[string][]string) []string {
	var keys []string
	for _, e := range evs {
		keys = append(keys, strings.Join([]string{strings.Join(e["SUMMARY"], "|"), strings.Join(e["DTSTART"], "|"),
			strings.Join(e["DTEND"], "|"), strings.Join(e["LOCATION"], "|"), strings.Join(e["DESCRIPTION"], "|")}, " / "))
	}
	sort.Strings(keys)
	return keys
}

func TestNonMailDirMatchesReadpst(t *testing.T) {
	st, wc, we := nonMailStore(12, 5)
	path := writeCopy(t, "contacts.pst", writePST(st))
	dir := filepath.Join(t.TempDir(), "nonmail")
	open := func() *Source {
		opts, _ := testOptions(t)
		opts.Driver = outlook.Settings{NonMailDir: dir}.Options().Driver
		s, err := Open(path, opts)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	skipWalk(t, open())
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	byExt := map[string][]string{}
	var names []string
	for _, e := range ents {
		fi, _ := e.Info()
		if fi.Mode().Perm() != 0o600 || !fi.Mode().IsRegular() {
			t.Errorf("%s: mode %v, want a regular file 0600", e.Name(), fi.Mode())
		}
		byExt[filepath.Ext(e.Name())] = append(byExt[filepath.Ext(e.Name())], filepath.Join(dir, e.Name()))
		names = append(names, e.Name())
	}
	// 12 contacts + the list; 5 appointments, the task, the journal entry; the note.
	if len(byExt[".vcf"]) != 13 || len(byExt[".ics"]) != 7 || len(byExt[".txt"]) != 1 || len(ents) != 21 {
		t.Fatalf("files written: %v", names)
	}
	// A second run (and the copy pass after the plan's) writes nothing new.
	skipWalk(t, open())
	if again, _ := os.ReadDir(dir); len(again) != len(ents) {
		t.Errorf("second run: %d files, first %d", len(again), len(ents))
	}

	ours := parseDir(t, byExt[".vcf"])
	var cards, lists []map[string][]string
	for _, c := range ours {
		if len(c["X-ADDRESSBOOKSERVER-KIND"]) > 0 {
			lists = append(lists, c)
		} else {
			cards = append(cards, c)
		}
	}
	if len(lists) != 1 || strings.Join(lists[0]["X-ADDRESSBOOKSERVER-MEMBER"], ",") != "mailto:ann@example.com,mailto:bob@example.com" {
		t.Errorf("distribution list: %v", lists)
	}
	for _, c := range cards {
		if strings.Join(c["VERSION"], "") != "3.0" {
			t.Errorf("vCard version %v", c["VERSION"])
		}
	}
	var evs, todos, journals []map[string][]string
	for _, e := range parseDir(t, byExt[".ics"]) {
		switch {
		case slices.Contains(e["BEGIN"], "VEVENT"):
			evs = append(evs, e)
		case slices.Contains(e["BEGIN"], "VTODO"):
			todos = append(todos, e)
		case slices.Contains(e["BEGIN"], "VJOURNAL"):
			journals = append(journals, e)
		}
	}
	if len(todos) != 1 || todos[0]["DUE"][0] != "20210610T080000Z" || todos[0]["SUMMARY"][0] != "File taxes" {
		t.Errorf("task: %v", todos)
	}
	if note, _ := os.ReadFile(byExt[".txt"][0]); string(note) != "Wifi password\nhunter2\n" {
		t.Errorf("note: %q", note)
	}

	// What the test wrote.
	var wantC, wantE []string
	for _, c := range wc {
		sort.Strings(c.emails)
		wantC = append(wantC, c.name+" <"+strings.Join(c.emails, ",")+">")
	}
	sort.Strings(wantC)
	for _, e := range we {
		wantE = append(wantE, strings.Join([]string{e.summary, e.start.Format("20060102T150405Z"), e.end.Format("20060102T150405Z"), e.location, "agenda"}, " / "))
	}
	sort.Strings(wantE)
	var gotC []string
	for _, k := range contactKeys(cards) {
		name, _, _ := strings.Cut(k, " N=")
		gotC = append(gotC, name)
	}
	if strings.Join(gotC, "\n") != strings.Join(wantC, "\n") {
		t.Errorf("contacts:\n%s\nwant\n%s", strings.Join(gotC, "\n"), strings.Join(wantC, "\n"))
	}
	if got := eventKeys(evs); strings.Join(got, "\n") != strings.Join(wantE, "\n") {
		t.Errorf("appointments:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(wantE, "\n"))
	}

	// readpst's files for the same store: same contacts (name, e-mail
	// addresses, N, ORG), same appointments (summary, start, end,
	// location, description), same journal entry.
	rp := runReadpst(t, path, "")
	var rpVCF, rpICS, rpJournal []string
	for _, p := range rp.files["Contacts"] {
		if filepath.Ext(p) == ".vcf" {
			rpVCF = append(rpVCF, p)
		}
	}
	for _, p := range rp.files["Calendar"] {
		if filepath.Ext(p) == ".ics" {
			rpICS = append(rpICS, p)
		}
	}
	for _, p := range rp.files["Journal"] {
		if filepath.Ext(p) == ".ics" {
			rpJournal = append(rpJournal, p)
		}
	}
	if a, b := contactKeys(cards), contactKeys(parseDir(t, rpVCF)); strings.Join(a, "\n") != strings.Join(b, "\n") {
		t.Errorf("contacts differ from readpst's:\nours:\n%s\nreadpst:\n%s", strings.Join(a, "\n"), strings.Join(b, "\n"))
	}
	if a, b := eventKeys(evs), eventKeys(parseDir(t, rpICS)); strings.Join(a, "\n") != strings.Join(b, "\n") {
		t.Errorf("appointments differ from readpst's:\nours:\n%s\nreadpst:\n%s", strings.Join(a, "\n"), strings.Join(b, "\n"))
	}
	if a, b := eventKeys(journals), eventKeys(parseDir(t, rpJournal)); strings.Join(a, "\n") != strings.Join(b, "\n") {
		t.Errorf("journal differs from readpst's:\nours:\n%s\nreadpst:\n%s", strings.Join(a, "\n"), strings.Join(b, "\n"))
	}
}
