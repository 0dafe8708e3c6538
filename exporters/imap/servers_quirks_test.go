package imap_test

// Issue 22 point 8: how mailferry reads each real server — special-use
// detection (which mailbox \Sent \Drafts \Trash \Junk \Archive resolve to
// through Sink.Resolve), the personal namespace (prefix and separator),
// the case of LIST attributes (Cyrus sends "\sent" in lower case) and
// whether STATUS and SELECT agree on MESSAGES, UIDNEXT and UIDVALIDITY —
// against Dovecot (both namespace layouts), Cyrus IMAP (Debian's and
// upstream's layouts) and Courier-IMAP, the server as the subtest name.

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	imapexp "github.com/mailferry/mailferry/exporters/imap"
	"github.com/mailferry/mailferry/exporters/imap/dovecottest"
	"github.com/mailferry/mailferry/importers"
	imapimp "github.com/mailferry/mailferry/importers/imap"
	ic "github.com/mailferry/mailferry/internal/imapclient"
	"github.com/mailferry/mailferry/internal/labserver"
)

// quirkServer is one server of the point-8 tests.
type quirkServer struct {
	name   string
	addr   string
	prefix string
	delim  rune
	// specialUse: the server announces SPECIAL-USE and has the five
	// special folders at the first login (Dovecot as labserver
	// configures it, Cyrus with autocreate); Courier has neither.
	specialUse bool
	// lowerCaseAttrs: the server sends special-use attributes in lower
	// case (Cyrus 3.6: "\sent").
	lowerCaseAttrs bool
	// noSelectUIDNext: SELECT and EXAMINE send no UIDNEXT (Courier).
	noSelectUIDNext bool
	dial            func(t *testing.T) *imapclient.Client
}

func startQuirkServer(t *testing.T, name string) quirkServer {
	t.Helper()
	switch name {
	case "dovecot", "dovecot-inbox":
		prefix := ""
		if name == "dovecot-inbox" {
			prefix = "INBOX."
		}
		s := dovecottest.Start(t, &dovecottest.Config{NamespacePrefix: prefix})
		return quirkServer{name: name, addr: s.Addr, prefix: s.NamespacePrefix, delim: s.Delimiter, specialUse: true,
			dial: func(t *testing.T) *imapclient.Client { return s.Dial(t, "alice") }}
	}
	k := labserver.Kind(name)
	s := labserver.Start(t, k, nil)
	return quirkServer{name: name, addr: s.Addr, prefix: s.NamespacePrefix, delim: s.Delimiter,
		specialUse: k != labserver.Courier, lowerCaseAttrs: k != labserver.Courier, noSelectUIDNext: k == labserver.Courier,
		dial: func(t *testing.T) *imapclient.Client { return s.Dial(t, "alice") }}
}

// mailbox is the server's name of a personal folder, spelled out by hand
// (not through mailferry's namespace code, which is under test).
func (s quirkServer) mailbox(f ...string) string {
	if len(f) == 1 && strings.EqualFold(f[0], "INBOX") {
		return "INBOX"
	}
	return s.prefix + strings.Join(f, string(s.delim))
}

func (s quirkServer) url() string { return "imap://alice@" + s.addr }

var quirkOpts = &importers.Options{Password: func(string, string) (string, error) { return labserver.Password, nil }}

func (s quirkServer) sink(t *testing.T) *imapexp.Sink {
	t.Helper()
	sink, err := imapexp.Open(context.Background(), s.url(), quirkOpts)
	if err != nil {
		t.Fatalf("%s: open as target: %v", s.name, err)
	}
	t.Cleanup(func() { sink.Close() })
	return sink
}

func TestServersQuirks(t *testing.T) {
	if labserver.Password != dovecottest.Password {
		t.Fatal("labserver and dovecottest have different passwords")
	}
	for _, name := range []string{"dovecot", "dovecot-inbox", "cyrus", "cyrus-unix", "courier"} {
		t.Run(name, func(t *testing.T) {
			srv := startQuirkServer(t, name)
			// The first login creates INBOX and, on Cyrus, the special
			// folders.
			srv.dial(t).Logout().Wait()
			t.Run("Namespace", func(t *testing.T) { testNamespace(t, srv) })
			t.Run("ListAttributeCase", func(t *testing.T) { testListAttrCase(t, srv) })
			t.Run("SpecialUse", func(t *testing.T) { testSpecialUse(t, srv) })
			t.Run("StatusVsSelect", func(t *testing.T) { testStatusVsSelect(t, srv) })
		})
	}
}

// testNamespace: the prefix and separator mailferry maps folders with are
// the server's personal namespace, and a nested folder is created and
// read back under the name the server spells.
func testNamespace(t *testing.T, srv quirkServer) {
	sink := srv.sink(t)
	ns := sink.Namespace()
	if ns.Prefix != srv.prefix || ns.Delim != srv.delim {
		t.Fatalf("namespace: prefix %q separator %q, want %q %q", ns.Prefix, ns.Delim, srv.prefix, srv.delim)
	}
	for _, p := range ns.Others {
		if p == srv.prefix && p != "" {
			t.Errorf("the personal prefix %q is also among the other namespaces %q", p, ns.Others)
		}
	}
	ctx := context.Background()
	f := importers.Folder{"Projects", "2024"}
	tg, err := sink.Resolve(ctx, f, "")
	if err != nil {
		t.Fatal(err)
	}
	if want := srv.mailbox("Projects", "2024"); tg.Name() != want {
		t.Fatalf("Resolve(%v): %q, want %q", f, tg.Name(), want)
	}
	if err := tg.Create(ctx); err != nil {
		t.Fatalf("create %q: %v", tg.Name(), err)
	}
	fis, err := srv.sink(t).Folders(ctx)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, fi := range fis {
		found = found || (len(fi.Folder) == 2 && fi.Folder[0] == "Projects" && fi.Folder[1] == "2024")
	}
	if !found {
		t.Errorf("Folders after creating %q does not report %v: %v", srv.mailbox("Projects", "2024"), f, fis)
	}
}

// rawList is what the server sends for LIST "" "*" (with RETURN
// (SPECIAL-USE) when mailferry would ask for it): mailbox → attributes as
// sent, before any client library normalises them.
func rawList(t *testing.T, srv quirkServer, returnSpecialUse bool) map[string][]string {
	t.Helper()
	c, err := net.DialTimeout("tcp", srv.addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(30 * time.Second))
	r := bufio.NewReader(c)
	// until reads lines up to the tagged answer of tag.
	until := func(tag string) []string {
		var lines []string
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				t.Fatalf("%s: reading: %v (so far %q)", srv.name, err, lines)
			}
			line = strings.TrimRight(line, "\r\n")
			if strings.HasPrefix(line, tag+" ") {
				if !strings.HasPrefix(line, tag+" OK") {
					t.Fatalf("%s: %s", srv.name, line)
				}
				return lines
			}
			lines = append(lines, line)
		}
	}
	if _, err := r.ReadString('\n'); err != nil { // greeting
		t.Fatal(err)
	}
	fmt.Fprintf(c, "a LOGIN alice %q\r\n", labserver.Password)
	until("a")
	cmd := `b LIST "" "*"`
	if returnSpecialUse {
		cmd += " RETURN (SPECIAL-USE)"
	}
	fmt.Fprintf(c, "%s\r\n", cmd)
	out := map[string][]string{}
	for _, line := range until("b") {
		rest, ok := strings.CutPrefix(line, "* LIST (")
		if !ok {
			continue
		}
		attrs, rest, ok := strings.Cut(rest, ") ")
		if !ok {
			t.Fatalf("%s: cannot parse %q", srv.name, line)
		}
		// rest: "delim" name — the names here are ASCII, quoted or atoms.
		_, name, ok := strings.Cut(strings.TrimSpace(rest), " ")
		if !ok {
			t.Fatalf("%s: cannot parse %q", srv.name, line)
		}
		name = strings.Trim(name, `"`)
		out[name] = strings.Fields(attrs)
	}
	fmt.Fprintf(c, "z LOGOUT\r\n")
	return out
}

var specialUses = []imap.MailboxAttr{imap.MailboxAttrSent, imap.MailboxAttrDrafts, imap.MailboxAttrTrash, imap.MailboxAttrJunk, imap.MailboxAttrArchive}

// canonicalUse is attr as one of specialUses when it is one, in any case.
func canonicalUse(attr string) imap.MailboxAttr {
	for _, u := range specialUses {
		if strings.EqualFold(attr, string(u)) {
			return u
		}
	}
	return ""
}

// testListAttrCase: whatever case the server sends its special-use
// attributes in, the uses mailferry reports (Sink.Folders and the IMAP
// source's Folders) are exactly those the raw LIST carries; on Cyrus the
// raw LIST really is lower case, so the case-insensitive path is what is
// tested there.
func testListAttrCase(t *testing.T, srv quirkServer) {
	c := srv.dial(t)
	caps := c.Caps()
	c.Logout().Wait()
	withSU := caps.Has(imap.CapSpecialUse) && (caps.Has(imap.CapListExtended) || caps.Has(imap.CapIMAP4rev2))
	if withSU != srv.specialUse {
		t.Errorf("SPECIAL-USE with LIST-EXTENDED announced: %v, want %v", withSU, srv.specialUse)
	}
	raw := rawList(t, srv, withSU)
	want := map[string]imap.MailboxAttr{}
	sawLower, sawUpper := false, false
	for name, attrs := range raw {
		for _, a := range attrs {
			u := canonicalUse(a)
			if u == "" {
				continue
			}
			want[name] = u
			if a == strings.ToLower(a) {
				sawLower = true
			} else {
				sawUpper = true
			}
		}
	}
	t.Logf("raw LIST special uses: %v (lower case: %v, other: %v)", want, sawLower, sawUpper)
	if srv.specialUse && len(want) != len(specialUses) {
		t.Errorf("the raw LIST carries %d special uses, want %d: %v", len(want), len(specialUses), raw)
	}
	if srv.lowerCaseAttrs && (!sawLower || sawUpper) {
		t.Errorf("expected the server to send special-use attributes in lower case only: %v", raw)
	}
	ctx := context.Background()
	sink := srv.sink(t)
	ns := sink.Namespace()
	fis, err := sink.Folders(ctx)
	if err != nil {
		t.Fatal(err)
	}
	src, err := imapimp.Open(ctx, srv.url(), quirkOpts)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	sfis, err := src.Folders(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for side, l := range map[string][]importers.FolderInfo{"target": fis, "source": sfis} {
		got := map[string]imap.MailboxAttr{}
		for _, fi := range l {
			if fi.Use != "" {
				got[ns.Mailbox(fi.Folder)] = fi.Use
			}
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s side: special uses %v, want %v (the raw LIST)", side, got, want)
		}
	}
}

// testSpecialUse: which mailbox each special use resolves to through
// Sink.Resolve, for a source folder of another name ("Gesendet" for
// \Sent): the server's special-use mailbox where it has them; on Courier,
// which has none, a folder with a usual name of that use ("Sent Items"),
// else the source's own name.
func testSpecialUse(t *testing.T, srv quirkServer) {
	ctx := context.Background()
	other := map[imap.MailboxAttr]string{
		imap.MailboxAttrSent: "Gesendet", imap.MailboxAttrDrafts: "Entwürfe", imap.MailboxAttrTrash: "Papierkorb",
		imap.MailboxAttrJunk: "Spam-alt", imap.MailboxAttrArchive: "Ablage",
	}
	std := map[imap.MailboxAttr]string{
		imap.MailboxAttrSent: "Sent", imap.MailboxAttrDrafts: "Drafts", imap.MailboxAttrTrash: "Trash",
		imap.MailboxAttrJunk: "Junk", imap.MailboxAttrArchive: "Archive",
	}
	sink := srv.sink(t)
	for _, use := range specialUses {
		tg, err := sink.Resolve(ctx, importers.Folder{other[use]}, use)
		if err != nil {
			t.Fatal(err)
		}
		want, exists := srv.mailbox(other[use]), false
		if srv.specialUse {
			want, exists = srv.mailbox(std[use]), true
		}
		if tg.Name() != want || tg.Exists() != exists {
			t.Errorf("Resolve(%s, %s): %q (exists %v), want %q (exists %v)", other[use], use, tg.Name(), tg.Exists(), want, exists)
		}
		// The source's own folder named as the server's wins too.
		tg, err = sink.Resolve(ctx, importers.Folder{std[use]}, use)
		if err != nil {
			t.Fatal(err)
		}
		if tg.Name() != srv.mailbox(std[use]) {
			t.Errorf("Resolve(%s, %s): %q, want %q", std[use], use, tg.Name(), srv.mailbox(std[use]))
		}
	}
	// A folder with a usual name of a use but without the attribute:
	// chosen only where the server marks no mailbox with that use.
	c := srv.dial(t)
	if err := c.Create(srv.mailbox("Sent Items"), nil).Wait(); err != nil {
		t.Fatalf("CREATE %q: %v", srv.mailbox("Sent Items"), err)
	}
	c.Logout().Wait()
	tg, err := srv.sink(t).Resolve(ctx, importers.Folder{"Gesendet"}, imap.MailboxAttrSent)
	if err != nil {
		t.Fatal(err)
	}
	want := srv.mailbox("Sent Items")
	if srv.specialUse {
		want = srv.mailbox("Sent")
	}
	if tg.Name() != want || !tg.Exists() {
		t.Errorf("with %q present: Resolve(Gesendet, \\Sent): %q (exists %v), want %q", srv.mailbox("Sent Items"), tg.Name(), tg.Exists(), want)
	}
}

// testStatusVsSelect: after appends and an expunge, STATUS (asked on
// another connection, as mailferry's source does) and SELECT agree on
// MESSAGES, UIDNEXT and UIDVALIDITY, and the IMAP source's Folders
// reports the same count.
func testStatusVsSelect(t *testing.T, srv quirkServer) {
	c := srv.dial(t)
	box := srv.mailbox("Counts")
	if err := c.Create(box, nil).Wait(); err != nil {
		t.Fatalf("CREATE %q: %v", box, err)
	}
	for i := 0; i < 5; i++ {
		raw := []byte(fmt.Sprintf("From: a@example.com\r\nTo: b@example.com\r\nSubject: count %d\r\nMessage-ID: <count-%d@example.com>\r\n\r\nbody %d\r\n", i, i, i))
		cmd := c.Append(box, int64(len(raw)), nil)
		if _, err := cmd.Write(raw); err != nil {
			t.Fatal(err)
		}
		if err := cmd.Close(); err != nil {
			t.Fatal(err)
		}
		if _, err := cmd.Wait(); err != nil {
			t.Fatalf("APPEND to %q: %v", box, err)
		}
	}
	if _, err := c.Select(box, nil).Wait(); err != nil {
		t.Fatal(err)
	}
	if err := c.Store(imap.SeqSetNum(2), &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagDeleted}}, nil).Close(); err != nil {
		t.Fatal(err)
	}
	if err := c.Expunge().Close(); err != nil {
		t.Fatal(err)
	}
	c.Logout().Wait()

	other := srv.dial(t)
	st, err := other.Status(box, &imap.StatusOptions{NumMessages: true, UIDNext: true, UIDValidity: true}).Wait()
	if err != nil {
		t.Fatalf("STATUS %q: %v", box, err)
	}
	other.Logout().Wait()
	c = srv.dial(t)
	sel, err := c.Select(box, &imap.SelectOptions{ReadOnly: true}).Wait()
	if err != nil {
		t.Fatalf("EXAMINE %q: %v", box, err)
	}
	if st.NumMessages == nil || *st.NumMessages != 4 || sel.NumMessages != 4 {
		t.Errorf("MESSAGES: STATUS %v, SELECT %d, want 4", ptrStr(st.NumMessages), sel.NumMessages)
	}
	// QUIRK (server): Courier sends no UIDNEXT with SELECT/EXAMINE (RFC
	// 3501 makes it optional); mailferry's Select then asks STATUS.
	if st.UIDNext < 6 || (sel.UIDNext != st.UIDNext && !(srv.noSelectUIDNext && sel.UIDNext == 0)) {
		t.Errorf("UIDNEXT: STATUS %d, SELECT %d (5 appended)", st.UIDNext, sel.UIDNext)
	}
	if srv.noSelectUIDNext && sel.UIDNext != 0 {
		t.Logf("the server now sends UIDNEXT with SELECT (%d): noSelectUIDNext can go", sel.UIDNext)
	}
	ep, err := ic.ParseURL(srv.url())
	if err != nil {
		t.Fatal(err)
	}
	mc, err := ic.Dial(context.Background(), ep, quirkOpts, "source")
	if err != nil {
		t.Fatal(err)
	}
	defer mc.Close()
	msel, err := mc.Reselect(box, true)
	if err != nil {
		t.Fatal(err)
	}
	if msel.UIDNext != uint32(st.UIDNext) || msel.UIDValidity != st.UIDValidity || msel.NumMessages != 4 {
		t.Errorf("mailferry's EXAMINE: UIDNEXT %d UIDVALIDITY %d MESSAGES %d, STATUS: %d %d 4",
			msel.UIDNext, msel.UIDValidity, msel.NumMessages, st.UIDNext, st.UIDValidity)
	}
	if st.UIDValidity != sel.UIDValidity || st.UIDValidity == 0 {
		t.Errorf("UIDVALIDITY: STATUS %d, SELECT %d", st.UIDValidity, sel.UIDValidity)
	}
	src, err := imapimp.Open(context.Background(), srv.url(), quirkOpts)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	fis, err := src.Folders(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, fi := range fis {
		if len(fi.Folder) == 1 && fi.Folder[0] == "Counts" {
			if fi.Messages != int64(sel.NumMessages) {
				t.Errorf("the IMAP source counts %d messages in %q, SELECT %d", fi.Messages, box, sel.NumMessages)
			}
			return
		}
	}
	t.Errorf("the IMAP source does not list %q: %v", box, fis)
}

func ptrStr(p *uint32) string {
	if p == nil {
		return "none"
	}
	return fmt.Sprint(*p)
}
