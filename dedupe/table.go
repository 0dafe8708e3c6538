package dedupe

import (
	"bytes"
	"encoding/binary"
	"math"
	"sort"
)

// table is a compact map from Key to one fixed-size record: the records
// are kept sorted by key in buckets chosen by the key's leading bits (keys
// are hashes, so the buckets fill evenly), each bucket one byte slice.
// Memory is the record size per key plus a few per cent, instead of the
// 40-60 bytes per key a Go map of the same data costs; a lookup is a
// binary search in one bucket, an insert moves half a bucket (at most
// maxPerBucket records). Not safe for concurrent use.
type table struct {
	width   int      // record size in bytes: the 16-byte key, then the value
	bits    uint     // len(buckets) == 1<<bits
	buckets [][]byte // each sorted by key
	n       int
}

// maxPerBucket is the mean bucket fill at which the buckets are doubled.
const maxPerBucket = 128

func newTable(valueSize int) *table {
	const bits = 4
	return &table{width: len(Key{}) + valueSize, bits: bits, buckets: make([][]byte, 1<<bits)}
}

func (t *table) bucketOf(k *Key) int {
	return int(binary.BigEndian.Uint64(k[:8]) >> (64 - t.bits))
}

// find returns the bucket of k and the offset of its record there, or
// where it would be inserted.
func (t *table) find(k *Key) (b int, off int, ok bool) {
	b = t.bucketOf(k)
	bk := t.buckets[b]
	w := t.width
	n := len(bk) / w
	i := sort.Search(n, func(i int) bool { return bytes.Compare(bk[i*w:i*w+len(k)], k[:]) >= 0 })
	off = i * w
	return b, off, i < n && bytes.Equal(bk[off:off+len(k)], k[:])
}

// get returns the value bytes of k (aliasing the table until the next
// insert or delete), or nil.
func (t *table) get(k Key) []byte {
	b, off, ok := t.find(&k)
	if !ok {
		return nil
	}
	return t.buckets[b][off+len(k) : off+t.width : off+t.width]
}

// put sets the value of k (len(v) == width-16), inserting it when new.
func (t *table) put(k Key, v []byte) {
	b, off, ok := t.find(&k)
	if ok {
		copy(t.buckets[b][off+len(k):off+t.width], v)
		return
	}
	bk := t.buckets[b]
	if len(bk)+t.width > cap(bk) {
		// Grow by an eighth: a bucket's slack stays small.
		nc := cap(bk) + max(cap(bk)/8, 4*t.width)
		nc -= nc % t.width
		nb := make([]byte, len(bk), nc)
		copy(nb, bk)
		bk = nb
	}
	bk = bk[:len(bk)+t.width]
	copy(bk[off+t.width:], bk[off:len(bk)-t.width])
	copy(bk[off:], k[:])
	copy(bk[off+len(k):off+t.width], v)
	t.buckets[b] = bk
	t.n++
	if t.n > maxPerBucket<<t.bits && t.bits < 30 {
		t.split()
	}
}

// del removes k; it reports whether k was there.
func (t *table) del(k Key) bool {
	b, off, ok := t.find(&k)
	if !ok {
		return false
	}
	bk := t.buckets[b]
	copy(bk[off:], bk[off+t.width:])
	t.buckets[b] = bk[:len(bk)-t.width]
	t.n--
	return true
}

// split doubles the buckets: a bucket's records whose next key bit is 0
// come first (the bucket is sorted), so each splits at one offset.
func (t *table) split() {
	nb := make([][]byte, 2<<t.bits)
	w := t.width
	for i, bk := range t.buckets {
		n := len(bk) / w
		j := sort.Search(n, func(j int) bool {
			return binary.BigEndian.Uint64(bk[j*w:])>>(64-t.bits-1)&1 == 1
		})
		nb[2*i] = clip(bk[:j*w], w)
		nb[2*i+1] = clip(bk[j*w:], w)
	}
	t.buckets = nb
	t.bits++
}

// clip copies b into a slice of its own with an eighth of slack, so that
// the halves of a split bucket do not keep each other's memory.
func clip(b []byte, w int) []byte {
	nc := len(b) + max(len(b)/8/w, 1)*w
	out := make([]byte, len(b), nc)
	copy(out, b)
	return out
}

// each calls fn for every record in key order (v aliases the table; fn
// must not change it).
func (t *table) each(fn func(k Key, v []byte)) {
	w := t.width
	for _, bk := range t.buckets {
		for off := 0; off < len(bk); off += w {
			var k Key
			copy(k[:], bk[off:])
			fn(k, bk[off+len(k):off+w])
		}
	}
}

// clone returns an independent copy, its buckets in one allocation.
func (t *table) clone() *table {
	total := 0
	for _, bk := range t.buckets {
		total += len(bk)
	}
	buf := make([]byte, total)
	c := &table{width: t.width, bits: t.bits, buckets: make([][]byte, len(t.buckets)), n: t.n}
	for i, bk := range t.buckets {
		n := copy(buf, bk)
		c.buckets[i] = buf[:n:n] // the first insert reallocates it
		buf = buf[n:]
	}
	return c
}

// The compact record of an Index entry: the size plus one (0: unknown),
// the locator, the store (compactTaken for Taken) and the flags.
const (
	compactValue = 4 + 4 + 2 + 1
	compactTaken = math.MaxUint16
)

// compact encodes e for the table; ok is false when it does not fit (a
// size or locator over 32 bits, a store number over 16, a known Sum).
func compact(e entry) (v [compactValue]byte, ok bool) {
	if e.flags&hasSum != 0 || e.size >= math.MaxUint32 {
		return v, false
	}
	var store uint16
	if e.store == Taken {
		store = compactTaken
		// A taken entry's locator only finds its Sum; it has none.
	} else {
		if e.store >= compactTaken || e.loc > math.MaxUint32 {
			return v, false
		}
		store = uint16(e.store)
		binary.LittleEndian.PutUint32(v[4:], uint32(e.loc))
	}
	if e.size >= 0 {
		binary.LittleEndian.PutUint32(v[0:], uint32(e.size+1))
	}
	binary.LittleEndian.PutUint16(v[8:], store)
	v[10] = e.flags
	return v, true
}

func expand(v []byte) entry {
	e := entry{size: int64(binary.LittleEndian.Uint32(v[0:])) - 1, flags: v[10]}
	store := binary.LittleEndian.Uint16(v[8:])
	if store == compactTaken {
		e.store = Taken
	} else {
		e.store = uint32(store)
		e.loc = uint64(binary.LittleEndian.Uint32(v[4:]))
	}
	return e
}
