package msg

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/mailferry/mailferry/importers"
	"github.com/mailferry/mailferry/importers/importertest"
	"github.com/mailferry/mailferry/importers/outlook"
	"github.com/mailferry/mailferry/importers/outlook/outlooktest"
)

// itemMsg is the .msg file Outlook writes for it (drag and drop): every
// string PT_UNICODE, or PT_STRING8 in code page 932 when ansi is set.
func itemMsg(t testing.TB, it *outlook.Item, ansi bool) *tmsg {
	m := &tmsg{cp932: ansi}
	str := func(id uint16, s string) tprop {
		if ansi {
			return a(id, s)
		}
		return u(id, s)
	}
	add := func(p ...tprop) { m.props = append(m.props, p...) }
	add(str(prMessageClass, it.MessageClass))
	if ansi {
		add(l(prMessageCodepage, 932))
	}
	for _, p := range []struct {
		id uint16
		s  string
	}{{prSubject, it.Subject}, {prTransportHeaders, it.TransportHeaders}, {prInternetMessageID, it.MessageID},
		{prInReplyTo, it.InReplyTo}, {prInternetReferences, it.References}, {prBody, it.Body}} {
		if p.s != "" {
			add(str(p.id, p.s))
		}
	}
	if it.From.Address != "" {
		add(str(prSenderName, it.From.Name), str(prSenderEmail, it.From.Address), str(prSenderAddrType, "SMTP"),
			str(prSentReprName, it.From.Name), str(prSentReprEmail, it.From.Address), str(prSentReprAddrType, "SMTP"))
	}
	if len(it.HTML) > 0 {
		add(b(prHTML, it.HTML), l(prInternetCPID, 65001))
	}
	for _, p := range []struct {
		id uint16
		v  int32
	}{{prMessageFlags, int32(it.MessageFlags)}, {prLastVerbExecuted, it.LastVerbExecuted},
		{prFlagStatus, it.FlagStatus}, {prIconIndex, it.IconIndex}} {
		if p.v != 0 {
			add(l(p.id, p.v))
		}
	}
	if !it.SubmitTime.IsZero() {
		add(tm(prClientSubmitTime, it.SubmitTime))
	}
	if !it.DeliveryTime.IsZero() {
		add(tm(prDeliveryTime, it.DeliveryTime))
	}
	if !it.CreationTime.IsZero() {
		add(tm(prCreationTime, it.CreationTime))
	}
	for _, r := range []struct {
		typ int32
		as  []outlook.Address
	}{{1, it.To}, {2, it.Cc}, {3, it.Bcc}} {
		for _, ad := range r.as {
			m.recips = append(m.recips, []tprop{str(prDisplayName, ad.Name), str(prEmailAddress, ad.Address),
				str(prAddrType, "SMTP"), l(prRecipientType, r.typ)})
		}
	}
	for _, at := range it.Attachments {
		ps := []tprop{str(prAttachLongFilename, at.Filename), l(prAttachMethod, at.Method)}
		if at.MimeType != "" {
			ps = append(ps, str(prAttachMimeTag, at.MimeType))
		}
		if at.ContentID != "" {
			ps = append(ps, str(prAttachContentID, at.ContentID))
		}
		if at.Embedded != nil {
			m.atts = append(m.atts, tatt{props: ps, embedded: itemMsg(t, at.Embedded, ansi)})
			continue
		}
		rc, err := at.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		m.atts = append(m.atts, tatt{props: append(ps, b(prAttachDataBin, data))})
	}
	return m
}

// writeCorpus writes the corpus as a tree of .msg files (INBOX at the
// root, other folders as directories) and returns its root.
func writeCorpus(t testing.TB, c importertest.Corpus, items []*outlook.Item, ansi bool) string {
	dir := t.TempDir()
	for i, x := range c {
		d := dir
		if !x.Folder.IsInbox() {
			d = filepath.Join(append([]string{dir}, x.Folder...)...)
		}
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		name := filepath.Join(d, x.File[:len(x.File)-len(filepath.Ext(x.File))]+".msg")
		if err := os.WriteFile(name, itemMsg(t, items[i], ansi).bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestConformance runs the importer conformance suite on the corpus
// written as .msg files, Unicode and ANSI (code page 932). The suite
// compares each message with what outlook.Build makes of the item the
// corpus message becomes in Outlook (a .msg is rebuilt from properties,
// never byte-exact); CheckCanonical then compares the store's messages
// with the corpus itself: same header fields in order, same decoded
// text, same attachments.
func TestConformance(t *testing.T) {
	for _, ansi := range []bool{false, true} {
		t.Run(fmt.Sprintf("ansi=%v", ansi), func(t *testing.T) {
			c := importertest.Load(t)
			want, items := outlooktest.Want(t, c)
			dir := writeCorpus(t, c, items, ansi)
			open := func(t *testing.T) importers.Source {
				src, err := Open(dir, &importers.Options{SpoolDir: t.TempDir()})
				if err != nil {
					t.Fatal(err)
				}
				return src
			}
			importertest.Run(t, importertest.Opt{
				Corpus: want,
				Open:   func(t *testing.T, _ importertest.Corpus) importers.Source { return open(t) },
			})
			src := open(t)
			defer src.Close()
			outlooktest.CheckCanonical(t, src, c, nil)
		})
	}
}
