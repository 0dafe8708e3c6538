// Package keycache remembers, for a local source's message files, the
// dedupe key and the CRLF length the engine computed, so that a re-run
// into IMAP (where the duplicate rule compares RFC822.SIZE, the CRLF size)
// does not read every body again.
//
// An entry is used only for the very file it was computed from: it is
// found by the message's unique name (a Maildir name without its flags
// suffix) and used only when the file's device, inode, size, mtime and
// ctime all equal the recorded ones. Any change to a file (a rewrite, a
// rename that changes its flags, a chmod) changes its ctime, so it is
// read again. An entry is recorded only when the file was not changed
// during the read (stat before and after agree) and its mtime and ctime
// are at least RacyWindow older than the read (git's racy-clean rule: a
// later change in the same timestamp tick could not be seen). The file
// format carries a version, a fingerprint of the key and CRLF functions
// (computed at start-up from sample messages: a program whose key function
// differs ignores the file) and a SHA-256 of its contents: a stale, torn
// or corrupted cache costs reading, never a wrong key.
//
// The cache lives in the user's cache directory
// (os.UserCacheDir()/mailferry/keys/), one file per source folder
// directory; the source itself is never written. Without a cache
// directory nothing is cached.
package keycache

import (
	"bufio"
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"hash/fnv"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/mailferry/mailferry/dedupe"
	"github.com/mailferry/mailferry/importers"
)

// RacyWindow: a file changed less than this long before it was listed is
// not recorded (its next change might share its timestamp).
const RacyWindow = 3 * time.Second

// version of the file format.
const version = 1

const magic = "mailferry-keycache\n"

// recSize is the encoded size of one record.
const recSize = 8 + 8 + 8 + 8 + 8 + 8 + 8 + 16

// record is one message file's stat snapshot and what was computed from it.
type record struct {
	name               uint64 // FNV-64a of the unique name
	dev, ino           uint64
	size, mtime, ctime int64 // ns
	crlf               int64
	key                [16]byte
}

// stat is the snapshot of a file used to validate a record.
type stat struct {
	dev, ino           uint64
	size, mtime, ctime int64
	ok                 bool
}

// Disabled turns the cache off (tests and the bench measure without it).
var Disabled = os.Getenv("MAILFERRY_NO_KEYCACHE") != ""

// now is the clock of the racy window; tests move it.
var now = time.Now

// dirFunc is where the cache files are; tests replace it.
var dirFunc = func() (string, error) {
	d, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(d, "mailferry", "keys"), nil
}

// Folder is the cache of one folder directory during one walk. Its methods
// are safe for concurrent use.
type Folder struct {
	path string // the cache file
	mu   sync.Mutex
	// old holds the records of the file, new those recorded in this
	// walk: slices (72 bytes a message, no map: a folder may hold a
	// million), old sorted by name as the file is, new in recording order.
	old []record
	new []record
	// dirty: new entries were recorded or old ones are gone.
	dirty bool
}

// Open returns the cache of the folder directory dir of a store of the
// given kind ("maildir"), or nil when there is none to use (no cache
// directory, Disabled). A nil *Folder is valid and caches nothing.
func Open(kind, dir string) *Folder {
	if Disabled {
		return nil
	}
	base, err := dirFunc()
	if err != nil {
		return nil
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil
	}
	sum := sha256.Sum256([]byte(kind + "\x00" + abs))
	f := &Folder{path: filepath.Join(base, kind+"-"+hex.EncodeToString(sum[:12]))}
	f.old = load(f.path)
	return f
}

func nameHash(unique string) uint64 {
	h := fnv.New64a()
	io.WriteString(h, unique)
	return h.Sum64()
}

// Body wraps the body of the message file at path (unique: its name
// without flags, fi: its Lstat at listing) so that the engine can ask for
// its cached key (importers.KeyCache).
func (f *Folder) Body(b importers.Body, path, unique string, fi fs.FileInfo) importers.Body {
	if f == nil {
		return b
	}
	st := statOf(fi)
	if !st.ok {
		return b
	}
	return &body{Body: b, f: f, path: path, name: nameHash(unique), st: st, listed: now()}
}

type body struct {
	importers.Body
	f      *Folder
	path   string
	name   uint64
	st     stat
	listed time.Time
	// mine is what RememberKey recorded for this body (when hasMine).
	mine    record
	hasMine bool
}

var _ importers.KeyCache = (*body)(nil)

func (r record) matches(st stat) bool {
	return r.dev == st.dev && r.ino == st.ino && r.size == st.size && r.mtime == st.mtime && r.ctime == st.ctime
}

// CachedKey implements importers.KeyCache.
func (b *body) CachedKey() ([16]byte, int64, bool) {
	b.f.mu.Lock()
	defer b.f.mu.Unlock()
	if r := b.mine; b.hasMine && r.matches(b.st) {
		return r.key, r.crlf, true
	}
	if r, ok := find(b.f.old, b.name); ok && r.matches(b.st) {
		return r.key, r.crlf, true // kept by Close: its name is listed
	}
	return [16]byte{}, 0, false
}

// RememberKey implements importers.KeyCache: the caller read the whole
// body (opened after the listing) and computed key and crlf from it.
func (b *body) RememberKey(key [16]byte, crlf int64) {
	limit := b.listed.Add(-RacyWindow).UnixNano()
	if b.st.mtime >= limit || b.st.ctime >= limit {
		return // too fresh to trust its timestamps
	}
	fi, err := os.Lstat(b.path)
	if err != nil {
		return
	}
	if st := statOf(fi); !st.ok || st != b.st {
		return // changed since the listing: what was read may differ
	}
	r := record{name: b.name, dev: b.st.dev, ino: b.st.ino, size: b.st.size, mtime: b.st.mtime, ctime: b.st.ctime, crlf: crlf, key: key}
	b.f.mu.Lock()
	b.f.new = append(b.f.new, r)
	b.mine, b.hasMine = r, true
	b.f.dirty = true
	b.f.mu.Unlock()
}

// Close writes the cache of the walk: the entries recorded in it, and
// the old ones whose names are still listed (present reports whether
// a unique name is; nil: keep none). Nothing is written when nothing
// changed. Errors are not reported: a cache that cannot be written costs
// time only.
func (f *Folder) Close(present func(name uint64) bool) {
	if f == nil {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	// The new records by name, the last one recorded for a name kept.
	slices.SortStableFunc(f.new, func(a, b record) int { return cmp.Compare(a.name, b.name) })
	nw := f.new[:0]
	for i, r := range f.new {
		if i+1 < len(f.new) && f.new[i+1].name == r.name {
			continue
		}
		nw = append(nw, r)
	}
	// Merged with the old ones still listed, in name order, straight
	// into the file (no third copy of the records in memory).
	merge := func(emit func(record)) {
		i := 0
		for _, r := range f.old {
			for i < len(nw) && nw[i].name < r.name {
				emit(nw[i])
				i++
			}
			if i < len(nw) && nw[i].name == r.name {
				continue
			}
			if present != nil && present(r.name) {
				emit(r)
			} else {
				f.dirty = true
			}
		}
		for ; i < len(nw); i++ {
			emit(nw[i])
		}
	}
	if !f.dirty {
		merge(func(record) {}) // is an old one gone?
	}
	if f.dirty {
		save(f.path, merge)
	}
	f.new = nil
}

// find returns the record of name in recs (sorted by name).
func find(recs []record, name uint64) (record, bool) {
	i, ok := slices.BinarySearchFunc(recs, name, func(r record, n uint64) int { return cmp.Compare(r.name, n) })
	if !ok {
		return record{}, false
	}
	return recs[i], true
}

// NamesOf returns a membership test over n unique names (name(i) for i
// in [0, n)): 8 bytes per name, sorted hashes, no map.
func NamesOf(n int, name func(i int) string) func(uint64) bool {
	hs := make([]uint64, n)
	for i := range hs {
		hs[i] = nameHash(name(i))
	}
	slices.Sort(hs)
	return func(h uint64) bool { _, ok := slices.BinarySearch(hs, h); return ok }
}

// Names returns a membership test over the unique names given.
func Names(uniques []string) func(uint64) bool {
	m := make(map[uint64]struct{}, len(uniques))
	for _, u := range uniques {
		m[nameHash(u)] = struct{}{}
	}
	return func(n uint64) bool { _, ok := m[n]; return ok }
}

func header() []byte {
	var b bytes.Buffer
	b.WriteString(magic)
	binary.Write(&b, binary.BigEndian, uint32(version))
	b.Write(fingerprint[:])
	return b.Bytes()
}

func load(path string) []record {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil
	}
	h := header()
	n := fi.Size() - int64(len(h)) - sha256.Size
	if n < 0 || n%recSize != 0 {
		return nil
	}
	// Read a record at a time, hashing as it goes: the file is not held
	// in memory besides the records.
	br := bufio.NewReaderSize(f, 64<<10)
	sh := sha256.New()
	got := make([]byte, len(h))
	if _, err := io.ReadFull(br, got); err != nil || !bytes.Equal(got, h) {
		return nil
	}
	sh.Write(got)
	out := make([]record, 0, n/recSize)
	var p [recSize]byte
	for range n / recSize {
		if _, err := io.ReadFull(br, p[:]); err != nil {
			return nil
		}
		sh.Write(p[:])
		var r record
		u := binary.BigEndian.Uint64
		r.name, r.dev, r.ino = u(p[0:]), u(p[8:]), u(p[16:])
		r.size, r.mtime, r.ctime, r.crlf = int64(u(p[24:])), int64(u(p[32:])), int64(u(p[40:])), int64(u(p[48:]))
		copy(r.key[:], p[56:72])
		if len(out) > 0 && out[len(out)-1].name >= r.name {
			return nil // not sorted by name, or a name twice: not ours
		}
		out = append(out, r)
	}
	var sum [sha256.Size]byte
	if _, err := io.ReadFull(br, sum[:]); err != nil || !bytes.Equal(sh.Sum(nil), sum[:]) {
		return nil
	}
	if _, err := br.ReadByte(); err != io.EOF {
		return nil // grew while read
	}
	return out
}

// save writes the records each emits (sorted by name) to path: a
// temporary file renamed over it, written through a buffer and hashed as
// it goes.
func save(path string, each func(emit func(record))) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return err
	}
	sh := sha256.New()
	bw := bufio.NewWriterSize(io.MultiWriter(tmp, sh), 64<<10)
	bw.Write(header())
	var p [recSize]byte
	each(func(r record) {
		pu := binary.BigEndian.PutUint64
		pu(p[0:], r.name)
		pu(p[8:], r.dev)
		pu(p[16:], r.ino)
		pu(p[24:], uint64(r.size))
		pu(p[32:], uint64(r.mtime))
		pu(p[40:], uint64(r.ctime))
		pu(p[48:], uint64(r.crlf))
		copy(p[56:], r.key[:])
		bw.Write(p[:])
	})
	err = bw.Flush()
	if err == nil {
		_, err = tmp.Write(sh.Sum(nil))
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
	}
	return err
}

// fingerprint identifies the key function and the CRLF count: the keys
// and CRLF lengths of sample messages. A program whose results differ
// (an older or newer mailferry) does not use this file.
var fingerprint = func() [16]byte {
	h := sha256.New()
	for _, s := range []string{
		"Message-ID: <A@Example.COM>\nSubject: x\n\nbody\n",
		"Date: Mon, 1 Jan 2024 00:00:00 +0000\r\nFrom: a@b\r\nSubject: no id\r\n\r\nline\rcr only\n\n",
		"Subject: cr only\rMessage-Id: (c) <x y@z>\r\rbody\x00\x80",
		"not a header\n\nFrom the body\n",
	} {
		cnt := &importers.CRLFCounter{R: bytes.NewReader([]byte(s))}
		k, kind, err := dedupe.Of(cnt)
		if err != nil {
			panic(errors.New("keycache: sample message: " + err.Error()))
		}
		io.Copy(io.Discard, cnt)
		h.Write(k[:])
		binary.Write(h, binary.BigEndian, uint8(kind))
		binary.Write(h, binary.BigEndian, cnt.Len())
	}
	var fp [16]byte
	copy(fp[:], h.Sum(nil))
	return fp
}()
