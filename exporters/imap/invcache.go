package imap

// The inventory cache: what Inventory learned of a mailbox's messages,
// kept for the next run, so that a re-run asks the server for UIDs and
// sizes only (UID FETCH 1:* (UID RFC822.SIZE): Dovecot answers from its
// index, without opening a message file) instead of every message's
// Message-ID header.
//
// IMAP makes this safe (RFC 3501 2.3.1.1): the mailbox name, its
// UIDVALIDITY and a UID name one message, whose content never changes; a
// new mailbox under the same name, or one whose UIDs were reassigned,
// gets another UIDVALIDITY. An entry is therefore used only for a UID
// the server lists now, under the UIDVALIDITY it was recorded with, and
// only when the server's RFC822.SIZE of it now equals the recorded one;
// anything else is fetched as before. Only keys by Message-ID are kept
// (a message keyed by its content is fetched whole every time, as
// before), so what the cache gives is exactly what the header fetch
// would: the key of the Message-ID and the server's size.
//
// Entries come from an Inventory (all the messages it keyed by their
// Message-ID) and from this run's MULTIAPPENDs (APPENDUID, RFC 4315: the
// UID the server gave each message, its key from the bytes sent, its
// size as sent; a server that stored other bytes answers another size
// and the entry is not used). The cache lives in the user's cache
// directory (os.UserCacheDir()/mailferry/inventory/, one file per
// account and mailbox) and is written when the Sink closes; a missing,
// stale, torn or foreign file costs the header fetch, never a wrong key
// (a SHA-256 of the contents and a version guard it).

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"sync/atomic"

	"github.com/emersion/go-imap/v2"
	"github.com/mailferry/mailferry/dedupe"
	"github.com/mailferry/mailferry/exporters"
	"github.com/mailferry/mailferry/importers"
	"github.com/mailferry/mailferry/importers/keycache"
	ic "github.com/mailferry/mailferry/internal/imapclient"
)

// invMax is the most messages of one mailbox the cache keeps (32 bytes
// each in memory): a larger mailbox is inventoried from the server, as
// without a cache, and memory stays flat.
const invMax = 200_000

// invHits counts the messages Inventory took from the cache (tests).
var invHits atomic.Int64

const invMagic = "mailferry-inventory\n"

const invVersion = 1

// invRecSize is the encoded size of one entry: UID, size, key.
const invRecSize = 4 + 8 + 16

type invEntry struct {
	uid  imap.UID
	size int64
	key  dedupe.Key
}

// invBox is the cache of one mailbox.
type invBox struct {
	path     string // "": not written
	loaded   bool
	validity uint32
	entries  []invEntry // sorted by UID, each UID once
	dirty    bool
}

// invStore is the cache of one account, shared by the Sinks of a run
// (the engine's connections).
type invStore struct {
	mu    sync.Mutex
	dir   string // "": memory only
	id    string
	boxes map[string]*invBox
}

// invStores are the caches in memory, one per account and run (the
// Sinks of a run share their Options): another run reads the files.
var (
	invMu     sync.Mutex
	invStores = map[invID]*invStore{}
)

type invID struct {
	opts *importers.Options
	id   string
}

// inv is the Sink's account's inventory cache; nil when caching is off
// (keycache.Disabled: MAILFERRY_NO_KEYCACHE).
func (s *Sink) inv() *invStore {
	if keycache.Disabled {
		return nil
	}
	id := s.sess.Endpoint().User + "@" + s.sess.Endpoint().Addr()
	invMu.Lock()
	defer invMu.Unlock()
	st := invStores[invID{s.opts, id}]
	if st == nil {
		st = &invStore{id: id, boxes: map[string]*invBox{}}
		if dir, err := os.UserCacheDir(); err == nil {
			st.dir = filepath.Join(dir, "mailferry", "inventory")
		}
		invStores[invID{s.opts, id}] = st
	}
	return st
}

// closeInv writes the Sink's account's cache and lets it go from memory
// (a long process, mailferry batch or ui, meets many accounts): another
// Sink of the run that is still open reads the file again if it needs
// it; an entry it adds to the old one meanwhile costs a header fetch
// next time, nothing else.
func (s *Sink) closeInv() {
	st := s.inv()
	if st == nil {
		return
	}
	st.save()
	invMu.Lock()
	delete(invStores, invID{s.opts, st.id})
	invMu.Unlock()
}

// box returns the mailbox's cache, read from its file once; the caller
// holds st.mu.
func (st *invStore) box(mailbox string) *invBox {
	b := st.boxes[mailbox]
	if b == nil {
		b = &invBox{}
		if st.dir != "" {
			sum := sha256.Sum256([]byte(st.id + "\x00" + mailbox))
			b.path = filepath.Join(st.dir, hex.EncodeToString(sum[:16]))
		}
		st.boxes[mailbox] = b
	}
	if !b.loaded {
		b.loaded = true
		b.load(st.id, mailbox)
	}
	return b
}

// lookup returns the cached entries of the mailbox under validity
// (sorted by UID), nil when there are none.
func (st *invStore) lookup(mailbox string, validity uint32) []invEntry {
	if st == nil {
		return nil
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	b := st.box(mailbox)
	if b.validity != validity {
		return nil
	}
	return b.entries
}

// replace makes es (what an Inventory found, any order) the mailbox's
// entries under validity.
func (st *invStore) replace(mailbox string, validity uint32, es []invEntry) {
	if st == nil {
		return
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	b := st.box(mailbox)
	b.validity, b.entries, b.dirty = validity, normalized(es), true
	if len(b.entries) > invMax {
		b.entries = nil
	}
}

// add records messages stored under validity (MULTIAPPEND).
func (st *invStore) add(mailbox string, validity uint32, es []invEntry) {
	if st == nil || len(es) == 0 {
		return
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	b := st.box(mailbox)
	if b.validity != validity {
		b.validity, b.entries = validity, nil
	}
	if len(b.entries)+len(es) > invMax {
		return
	}
	b.entries = normalized(append(append([]invEntry(nil), b.entries...), es...))
	b.dirty = true
}

// normalized sorts es by UID and keeps the last entry of each UID.
func normalized(es []invEntry) []invEntry {
	sort.SliceStable(es, func(i, j int) bool { return es[i].uid < es[j].uid })
	out := es[:0]
	for _, e := range es {
		if n := len(out); n > 0 && out[n-1].uid == e.uid {
			out[n-1] = e
			continue
		}
		out = append(out, e)
	}
	return out
}

// save writes the changed mailboxes. Errors cost the next run time only.
func (st *invStore) save() {
	if st == nil {
		return
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	for mailbox, b := range st.boxes {
		if !b.dirty || b.path == "" {
			continue
		}
		b.dirty = false
		b.write(st.id, mailbox)
	}
}

func invHeader(id, mailbox string, validity uint32) []byte {
	var b bytes.Buffer
	b.WriteString(invMagic)
	binary.Write(&b, binary.BigEndian, uint32(invVersion))
	sum := sha256.Sum256([]byte(id + "\x00" + mailbox))
	b.Write(sum[:])
	binary.Write(&b, binary.BigEndian, validity)
	return b.Bytes()
}

func (b *invBox) load(id, mailbox string) {
	if b.path == "" {
		return
	}
	data, err := os.ReadFile(b.path)
	if err != nil || len(data) < len(invMagic)+4+sha256.Size+4+sha256.Size {
		return
	}
	body, sum := data[:len(data)-sha256.Size], data[len(data)-sha256.Size:]
	if got := sha256.Sum256(body); !bytes.Equal(got[:], sum) {
		return
	}
	hl := len(invMagic) + 4 + sha256.Size + 4
	validity := binary.BigEndian.Uint32(body[hl-4:])
	if !bytes.Equal(body[:hl], invHeader(id, mailbox, validity)) || (len(body)-hl)%invRecSize != 0 {
		return
	}
	recs := body[hl:]
	es := make([]invEntry, 0, len(recs)/invRecSize)
	for p := recs; len(p) > 0; p = p[invRecSize:] {
		e := invEntry{uid: imap.UID(binary.BigEndian.Uint32(p)), size: int64(binary.BigEndian.Uint64(p[4:]))}
		copy(e.key[:], p[12:28])
		if n := len(es); e.uid == 0 || n > 0 && es[n-1].uid >= e.uid {
			return // not sorted: not ours
		}
		es = append(es, e)
	}
	b.validity, b.entries = validity, es
}

func (b *invBox) write(id, mailbox string) {
	data := invHeader(id, mailbox, b.validity)
	var p [invRecSize]byte
	for _, e := range b.entries {
		binary.BigEndian.PutUint32(p[0:], uint32(e.uid))
		binary.BigEndian.PutUint64(p[4:], uint64(e.size))
		copy(p[12:], e.key[:])
		data = append(data, p[:]...)
	}
	sum := sha256.Sum256(data)
	data = append(data, sum[:]...)
	if err := os.MkdirAll(filepath.Dir(b.path), 0o700); err != nil {
		return
	}
	tmp, err := os.CreateTemp(filepath.Dir(b.path), ".tmp-*")
	if err != nil {
		return
	}
	_, err = tmp.Write(data)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), b.path)
	}
	if err != nil {
		os.Remove(tmp.Name())
	}
}

// cachedStored finds uid in es (sorted by UID): its Stored entry when
// the server's size now is the recorded one.
func cachedStored(es []invEntry, uid imap.UID, size int64) (exporters.Stored, bool) {
	i := sort.Search(len(es), func(i int) bool { return es[i].uid >= uid })
	if i == len(es) || es[i].uid != uid || es[i].size != size || size < 0 {
		return exporters.Stored{}, false
	}
	return exporters.Stored{Key: es[i].key, Size: size, Loc: uint64(uid)}, true
}

// invSample is how many cached entries cacheHolds checks against the
// server before the cache is used.
const invSample = 8

// cacheHolds fetches the Message-ID and size of a few cached messages,
// spread over the mailbox, and tells whether the server still holds
// what the cache says of each one it lists. It guards what the protocol
// cannot: another server behind the same address whose mailbox got the
// same UIDVALIDITY (Dovecot draws it from the clock, so two fresh
// servers can). Any difference, no sampled message left to compare, or
// a failed FETCH, and the cache is not used: the inventory is read from the server, as without a cache.
func (t *Target) cacheHolds(ctx context.Context, c *ic.Conn, cached []invEntry) bool {
	var set imap.UIDSet
	n := min(invSample, len(cached))
	for i := range n {
		set.AddNum(cached[i*(len(cached)-1)/max(n-1, 1)].uid)
	}
	same, seen := true, 0
	err := t.scanHeadersOf(ctx, c, set, true, func(uid imap.UID, size int64, hdr map[string][]string, cut bool) error {
		seen++
		st, ok := cachedStored(cached, uid, size)
		k, kok := dedupe.FromHeader(hdr)
		if !ok || !kok || cut || k != st.Key {
			same = false
		}
		return nil
	})
	// seen: a sample the server no longer lists at all proves nothing.
	return err == nil && same && seen > 0
}
