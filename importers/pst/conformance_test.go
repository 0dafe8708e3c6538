package pst

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

// pstFolder is where Outlook keeps a corpus folder: "Inbox" and "Sent
// Items" by their Outlook names, the others as they are.
func pstFolder(f importers.Folder) importers.Folder {
	switch {
	case f.IsInbox():
		return importers.Folder{"Inbox"}
	case len(f) == 1 && f[0] == "Sent":
		return importers.Folder{"Sent Items"}
	}
	return f
}

// itemWMsg is the PST message the writer stores for it.
func itemWMsg(t testing.TB, it *outlook.Item, cp int) *wMsg {
	m := &wMsg{class: it.MessageClass, subject: it.Subject, body: it.Body, html: it.HTML,
		from: it.From.Name, fromAddr: it.From.Address, mid: it.MessageID, headers: it.TransportHeaders,
		submit: it.SubmitTime, delivery: it.DeliveryTime, flags: it.MessageFlags, cp: cp,
		verb: it.LastVerbExecuted, flagStatus: it.FlagStatus, icon: it.IconIndex}
	if m.from == "" {
		m.from = it.From.Address
	}
	if len(it.HTML) > 0 {
		m.inetCP = 65001
	}
	for _, a := range it.To {
		m.to = append(m.to, a.Name+"|"+a.Address)
	}
	for _, a := range it.Cc {
		m.cc = append(m.cc, a.Name+"|"+a.Address)
	}
	for _, at := range it.Attachments {
		wa := &wAtt{name: at.Filename, mime: at.MimeType, cid: at.ContentID}
		if at.Embedded != nil {
			wa.embedded = itemWMsg(t, at.Embedded, cp)
		} else {
			rc, err := at.Open()
			if err != nil {
				t.Fatal(err)
			}
			wa.data, err = io.ReadAll(rc)
			rc.Close()
			if err != nil {
				t.Fatal(err)
			}
		}
		m.atts = append(m.atts, wa)
	}
	return m
}

// corpusStore is the corpus as a PST store: folders in corpus order,
// nested folders under their parents.
func corpusStore(t testing.TB, c importertest.Corpus, items []*outlook.Item, unicode bool) *wStore {
	st := &wStore{name: "Personal Folders", unicode: unicode, crypt: cryptPermute}
	cp := 0
	if !unicode {
		st.cp, cp = 932, 932
	}
	var find func(list *[]*wFolder, path importers.Folder) *wFolder
	find = func(list *[]*wFolder, path importers.Folder) *wFolder {
		var f *wFolder
		for _, x := range *list {
			if x.name == path[0] {
				f = x
			}
		}
		if f == nil {
			f = &wFolder{name: path[0], class: "IPF.Note"}
			*list = append(*list, f)
		}
		if len(path) == 1 {
			return f
		}
		return find(&f.children, path[1:])
	}
	for i, x := range c {
		f := find(&st.folders, pstFolder(x.Folder))
		f.msgs = append(f.msgs, itemWMsg(t, items[i], cp))
	}
	return st
}

// TestConformance runs the importer conformance suite on the corpus
// written as a PST file (Unicode, and ANSI in code page 932) by the test
// writer. A PST message is rebuilt from properties, so the suite compares
// with what outlook.Build makes of the item each corpus message becomes
// in Outlook; CheckCanonical then compares the store's messages with the
// corpus itself (header fields in order, decoded text, attachments).
func TestConformance(t *testing.T) {
	for _, unicode := range []bool{true, false} {
		t.Run(fmt.Sprintf("unicode=%v", unicode), func(t *testing.T) {
			c := importertest.Load(t)
			want, items := outlooktest.Want(t, c)
			path := filepath.Join(t.TempDir(), "corpus.pst")
			if err := os.WriteFile(path, writePST(corpusStore(t, c, items, unicode)), 0o644); err != nil {
				t.Fatal(err)
			}
			open := func(t *testing.T) importers.Source {
				s, _ := openTest(t, path)
				return s
			}
			importertest.Run(t, importertest.Opt{
				Corpus:    want,
				MapFolder: pstFolder,
				Open:      func(t *testing.T, _ importertest.Corpus) importers.Source { return open(t) },
			})
			outlooktest.CheckCanonical(t, open(t), c, pstFolder)
			if unicode {
				compareWithReadpst(t, path)
			}
		})
	}
}
