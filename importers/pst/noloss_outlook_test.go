package pst

// noloss_outlook_test.go: Exchange OSTs whose IPM subtree is "IPM_SUBTREE"
// under "Root - Mailbox", and items that are not mail, reported as skipped
// and written to --nonmail DIR as readpst writes them.

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
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
