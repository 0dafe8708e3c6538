package imap

// Servers that alter what they accepted.
//
// QUIRK: Cyrus IMAP, by default (imapd.conf munge8bit: yes), replaces raw
// 8-bit bytes in header fields with "X" and answers APPEND with OK; the
// size does not change. Such a message is lost in part without a word,
// and, because its stored content no longer equals the source's, every
// later run would upload it again.
//
// A message whose header has raw 8-bit bytes is the only kind such a
// server touches, and the rare kind: for each one the Target keeps the
// header it sent and the UID the server gave it (APPENDUID, RFC 4315), and
// Altered fetches those headers back (BODY.PEEK[HEADER], small) and
// compares them byte for byte. Every other message costs nothing. Without
// UIDPLUS the check is not made (the message cannot be found reliably).
//
// What was sent for an altered message is remembered in the user's cache
// directory (os.UserCacheDir()/mailferry/altered/, one file per account):
// its mailbox, UIDVALIDITY and UID, with the dedupe key, size and content
// hash of the source message. Inventory then gives the stored message the
// source's key and hash, so a re-run finds it a duplicate instead of
// uploading it again. Losing the file costs one more upload of such a
// message, reported as altered again (never silent).

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"sync"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/mailferry/mailferry/dedupe"
	"github.com/mailferry/mailferry/exporters"
	"github.com/mailferry/mailferry/importers"
	"github.com/mailferry/mailferry/internal/atomicfile"
)

var _ exporters.AlterationChecker = (*Target)(nil)

// maxCheckedHeader is the longest header the check keeps; a longer one is
// not checked.
const maxCheckedHeader = 64 << 10

// maxKeptHeaders bounds the header bytes a Target keeps for the check
// (per folder: Altered empties it). Past it a suspect keeps the SHA-256
// of its header only, which tells an alteration as surely; its reason
// then cannot name the first byte that differs. A folder of a million
// messages with raw 8-bit headers would otherwise hold all their headers.
const maxKeptHeaders = 1 << 20

// suspect is a message with raw 8-bit bytes in its header, stored in
// this run.
type suspect struct {
	ref      string
	validity uint32
	uid      imap.UID
	header   []byte // as sent, through the blank line; nil past maxKeptHeaders
	hsum     [sha256.Size]byte
	hlen     int
	// The source message's key and content hash (recOK: known), for the
	// store of altered messages (alteredRec).
	key   dedupe.Key
	sum   dedupe.Sum
	size  int64
	recOK bool
}

// same reports whether got is the header the suspect was sent with.
func (s *suspect) same(got []byte) bool {
	if s.header != nil {
		return bytes.Equal(got, s.header)
	}
	return len(got) == s.hlen && sha256.Sum256(got) == s.hsum
}

// headerOf returns the header of a CRLF message through the blank line
// (the whole message when it has none), and whether it holds a byte
// >= 0x80; ok is false when it is longer than maxCheckedHeader.
func headerOf(data []byte) (hdr []byte, eightBit, ok bool) {
	if i := bytes.Index(data, []byte("\r\n\r\n")); i >= 0 {
		hdr = data[:i+4]
	} else {
		hdr = data
	}
	if len(hdr) > maxCheckedHeader {
		return nil, false, false
	}
	for _, b := range hdr {
		if b >= 0x80 {
			return hdr, true, true
		}
	}
	return hdr, false, true
}

// headCapture passes a stream through and keeps its first bytes, up to
// maxCheckedHeader+4, so that the header can be looked at afterwards.
type headCapture struct {
	r   io.Reader
	buf []byte
}

func (h *headCapture) Read(p []byte) (int, error) {
	n, err := h.r.Read(p)
	if room := maxCheckedHeader + 4 - len(h.buf); room > 0 && n > 0 {
		h.buf = append(h.buf, p[:min(n, room)]...)
	}
	return n, err
}

// header is the captured header (see headerOf), nil when it is not
// whole in the capture.
func (h *headCapture) header() (hdr []byte, eightBit bool) {
	hdr, eightBit, ok := headerOf(h.buf)
	if !ok {
		return nil, false
	}
	return hdr, eightBit
}

// noteSent keeps a message stored with UID uid whose header has raw 8-bit
// bytes. data is the message as sent, or nil: then m's body is read again
// for its key and content hash (both ignore line endings).
func (t *Target) noteSent(m *importers.Message, data, hdr []byte, size int64, validity uint32, uid imap.UID) {
	if validity == 0 || uid == 0 {
		return
	}
	s := suspect{ref: m.Ref, validity: validity, uid: uid, hsum: sha256.Sum256(hdr), hlen: len(hdr)}
	if t.keptHeaders+len(hdr) <= maxKeptHeaders {
		s.header = bytes.Clone(hdr)
		t.keptHeaders += len(hdr)
	}
	var r io.Reader
	switch {
	case data != nil:
		r = bytes.NewReader(data)
	case m.Body == nil:
		// Checked, but not remembered: a re-run uploads it again (and
		// reports it again).
		t.suspects = append(t.suspects, s)
		return
	default:
		rc, err := m.Body.Open()
		if err != nil {
			t.suspects = append(t.suspects, s)
			return
		}
		defer rc.Close()
		b, err := io.ReadAll(rc) // rare: only messages with 8-bit headers
		if err != nil {
			return
		}
		r = bytes.NewReader(b)
		data = b
	}
	k, _, kerr := dedupe.Of(r)
	sum, serr := dedupe.Content(bytes.NewReader(data))
	if kerr == nil && serr == nil {
		s.key, s.sum, s.size, s.recOK = k, sum, size, true
	}
	t.suspects = append(t.suspects, s)
}

// Altered implements exporters.AlterationChecker.
func (t *Target) Altered(ctx context.Context) ([]exporters.Alteration, error) {
	sus := t.suspects
	t.suspects, t.keptHeaders = nil, 0
	if len(sus) == 0 {
		return nil, nil
	}
	c, stop, err := t.s.conn(ctx)
	if err != nil {
		return nil, err
	}
	defer stop()
	sel, err := c.Reselect(t.name, true)
	if err != nil {
		return nil, ctxErr(ctx, c.Err(fmt.Errorf("imap: EXAMINE %q: %w", t.name, err)))
	}
	var set imap.UIDSet
	byUID := map[imap.UID]*suspect{}
	for i := range sus {
		if sus[i].validity == sel.UIDValidity {
			set.AddNum(sus[i].uid)
			byUID[sus[i].uid] = &sus[i]
		}
	}
	if len(byUID) == 0 {
		return nil, nil
	}
	// Compared as they come: only the reasons of altered ones are kept.
	altered := map[imap.UID]string{}
	cmd := c.C.Fetch(set, &imap.FetchOptions{UID: true, BodySection: []*imap.FetchItemBodySection{{Specifier: imap.PartSpecifierHeader, Peek: true}}})
	var readErr error
	for msg := cmd.Next(); msg != nil; msg = cmd.Next() {
		var uid imap.UID
		var hdr []byte
		for item := msg.Next(); item != nil; item = msg.Next() {
			switch it := item.(type) {
			case imapclient.FetchItemDataUID:
				uid = it.UID
			case imapclient.FetchItemDataBodySection:
				if it.Literal != nil && readErr == nil {
					hdr, readErr = io.ReadAll(io.LimitReader(it.Literal, maxCheckedHeader+1))
					io.Copy(io.Discard, it.Literal)
				}
			}
		}
		if s := byUID[uid]; uid != 0 && hdr != nil && s != nil && !s.same(hdr) {
			altered[uid] = alterationReason(s.header, s.hlen, hdr)
		}
	}
	if err := cmd.Close(); err != nil || readErr != nil {
		if err == nil {
			err = readErr
			t.s.sess.Drop()
		}
		return nil, ctxErr(ctx, c.Err(fmt.Errorf("imap: UID FETCH BODY.PEEK[HEADER] in %q: %w", t.name, err)))
	}
	var out []exporters.Alteration
	var recs []alteredEntry
	uids := make([]imap.UID, 0, len(byUID))
	for u := range byUID {
		uids = append(uids, u)
	}
	sort.Slice(uids, func(i, j int) bool { return uids[i] < uids[j] })
	for _, u := range uids {
		s := byUID[u]
		reason, ok := altered[u]
		if !ok {
			continue
		}
		out = append(out, exporters.Alteration{Ref: s.ref, Reason: reason})
		if s.recOK {
			recs = append(recs, alteredEntry{Mailbox: t.name, Validity: s.validity, UID: uint32(u),
				alteredRec: alteredRec{Key: s.key.String(), Size: s.size, Sum: hex.EncodeToString(s.sum[:])}})
		}
	}
	if len(recs) > 0 {
		if err := t.s.altered().add(recs); err != nil {
			t.s.opts.Log().Warn("imap: cannot remember the messages the server altered; a re-run will upload them again", "err", err)
		}
	}
	return out, nil
}

// alterationReason says where the stored header first differs from the
// sent one (sent: nil when only its length, sentLen, was kept), and names
// the setting that does it.
func alterationReason(sent []byte, sentLen int, got []byte) string {
	if sent == nil {
		why := ""
		if sentLen == len(got) && bytes.IndexByte(got, 'X') >= 0 {
			why = " If the server replaces raw 8-bit header bytes with \"X\", it is Cyrus IMAP's munge8bit (set \"munge8bit: no\" in imapd.conf, or ask the provider)."
		}
		return fmt.Sprintf("the server accepted the message but stored other bytes (its header differs, %d bytes sent, %d stored).%s verify --content will show it as different; a re-run does not upload it again.", sentLen, len(got), why)
	}
	i := 0
	for i < len(sent) && i < len(got) && sent[i] == got[i] {
		i++
	}
	what := fmt.Sprintf("byte %d of the header", i+1)
	if i < len(sent) && i < len(got) {
		what += fmt.Sprintf(": sent 0x%02X, stored %s", sent[i], strconv.QuoteRune(rune(got[i])))
	}
	why := ""
	if i < len(sent) && sent[i] >= 0x80 && i < len(got) && got[i] == 'X' {
		why = " The server replaces raw 8-bit header bytes with \"X\" (Cyrus IMAP's munge8bit; set \"munge8bit: no\" in imapd.conf, or ask the provider)."
	}
	return fmt.Sprintf("the server accepted the message but stored other bytes (%s, %d bytes sent, %d stored).%s verify --content will show it as different; a re-run does not upload it again.", what, len(sent), len(got), why)
}

// alteredRec is what was sent for one altered message.
type alteredRec struct {
	Key  string `json:"key"`
	Size int64  `json:"size"`
	Sum  string `json:"sum"`
}

type alteredEntry struct {
	Mailbox  string `json:"mailbox"`
	Validity uint32 `json:"uidvalidity"`
	UID      uint32 `json:"uid"`
	alteredRec
}

// alteredStore is the file of one account's altered messages, shared by
// every Sink of the process for that account.
type alteredStore struct {
	mu      sync.Mutex
	path    string // "": memory only
	loaded  bool
	entries map[string]alteredEntry // by mailbox, UIDVALIDITY, UID
}

var (
	alteredMu     sync.Mutex
	alteredStores = map[string]*alteredStore{}
)

func (s *Sink) altered() *alteredStore {
	if s.alt != nil {
		return s.alt
	}
	id := s.sess.Endpoint().User + "@" + s.sess.Endpoint().Addr()
	alteredMu.Lock()
	defer alteredMu.Unlock()
	st := alteredStores[id]
	if st == nil {
		st = &alteredStore{entries: map[string]alteredEntry{}}
		if dir, err := os.UserCacheDir(); err == nil {
			sum := sha256.Sum256([]byte(id))
			st.path = filepath.Join(dir, "mailferry", "altered", hex.EncodeToString(sum[:16])+".json")
		}
		alteredStores[id] = st
	}
	s.alt = st
	return st
}

func alteredKey(mailbox string, validity, uid uint32) string {
	return mailbox + "\x00" + strconv.FormatUint(uint64(validity), 10) + "\x00" + strconv.FormatUint(uint64(uid), 10)
}

type alteredFile struct {
	Version int            `json:"version"`
	Entries []alteredEntry `json:"entries"`
}

// load reads the file once; the caller holds mu.
func (st *alteredStore) load() {
	if st.loaded {
		return
	}
	st.loaded = true
	if st.path == "" {
		return
	}
	b, err := os.ReadFile(st.path)
	if err != nil {
		return
	}
	var f alteredFile
	if json.Unmarshal(b, &f) != nil || f.Version != 1 {
		return
	}
	for _, e := range f.Entries {
		st.entries[alteredKey(e.Mailbox, e.Validity, e.UID)] = e
	}
}

// lookup returns what was sent for the stored message, if it was altered.
func (st *alteredStore) lookup(mailbox string, validity uint32, uid imap.UID) (dedupe.Key, dedupe.Sum, int64, bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.load()
	e, ok := st.entries[alteredKey(mailbox, validity, uint32(uid))]
	if !ok {
		return dedupe.Key{}, dedupe.Sum{}, 0, false
	}
	var k dedupe.Key
	var s dedupe.Sum
	kb, err1 := hex.DecodeString(e.Key)
	sb, err2 := hex.DecodeString(e.Sum)
	if err1 != nil || err2 != nil || len(kb) != len(k) || len(sb) != len(s) {
		return k, s, 0, false
	}
	copy(k[:], kb)
	copy(s[:], sb)
	return k, s, e.Size, true
}

// empty reports, without reading the file more than once, whether no
// message of the account is remembered.
func (st *alteredStore) empty() bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.load()
	return len(st.entries) == 0
}

// add remembers entries and writes the file (0600, replaced atomically).
func (st *alteredStore) add(es []alteredEntry) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.load()
	for _, e := range es {
		st.entries[alteredKey(e.Mailbox, e.Validity, e.UID)] = e
	}
	if st.path == "" {
		return nil
	}
	f := alteredFile{Version: 1}
	for _, e := range st.entries {
		f.Entries = append(f.Entries, e)
	}
	sort.Slice(f.Entries, func(i, j int) bool {
		a, b := f.Entries[i], f.Entries[j]
		if a.Mailbox != b.Mailbox {
			return a.Mailbox < b.Mailbox
		}
		if a.Validity != b.Validity {
			return a.Validity < b.Validity
		}
		return a.UID < b.UID
	})
	b, err := json.MarshalIndent(f, "", " ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(st.path), 0o700); err != nil {
		return err
	}
	return atomicfile.Write(st.path, b, 0o600)
}

// storedAs is the Stored entry of uid in the selected mailbox with
// UIDVALIDITY validity: what was sent, when the server altered it.
func (t *Target) storedAs(validity uint32, uid imap.UID) (exporters.Stored, bool) {
	st := t.s.altered()
	if st.empty() {
		return exporters.Stored{}, false
	}
	k, sum, size, ok := st.lookup(t.name, validity, uid)
	if !ok {
		return exporters.Stored{}, false
	}
	return exporters.Stored{Key: k, Size: size, Loc: uint64(uid), Sum: &sum}, true
}
