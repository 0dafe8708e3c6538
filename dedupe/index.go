package dedupe

import (
	"fmt"
	"io"
	"sync"
)

// The de-duplication rule: a message is a duplicate of a stored one only
// when their keys match (the same Message-ID, or for messages without
// one the same fallback key) AND their content matches. Content matches
//
//   - when the sizes are equal (in one unit: the size the target stores,
//     which for IMAP is RFC822.SIZE, the CRLF wire size), as long as the
//     key is not ambiguous: no other message of this run had the same key
//     (see Multi); this is the cheap path every re-run takes;
//   - otherwise, when the content hashes (Content: line endings
//     normalized, client state header fields ignored) are equal. The
//     stored message is then read back, once, streamed.
//
// An Index holds, per key, the stored messages (size, where to read them,
// and their Sum once computed) and the messages this run took from the
// source: 11 bytes per message besides the 16-byte key in the common
// case (one message per key, no Sum known; see table), no Message-ID
// strings.

// Taken is the store number of messages taken from the source in this run
// (not yet, or just, written).
const Taken = ^uint32(0)

type entry struct {
	size  int64 // <0: unknown
	loc   uint64
	store uint32
	flags uint8
}

const (
	claimed uint8 = 1 << iota // a source message matched it
	hasSum
)

type sumKey struct {
	store uint32
	loc   uint64
}

// Index is the key index of a target (or of every target, for a global
// de-duplication) and of what a run takes. Safe for concurrent use.
type Index struct {
	mu sync.Mutex
	// first holds the first entry of each key: compact in t, in big
	// when it does not fit the compact record (see compact).
	t     *table
	big   map[Key]entry
	more  map[Key][]entry // the second and further entries of a key (rare)
	sums  map[sumKey]Sum
	multi map[Key]bool // keys found again among the source's messages
	taken uint64
}

// NewIndex returns an empty index.
func NewIndex() *Index {
	return &Index{t: newTable(compactValue), big: map[Key]entry{}, more: map[Key][]entry{}, sums: map[sumKey]Sum{}, multi: map[Key]bool{}}
}

// first returns the first entry of k.
func (x *Index) first(k Key) (entry, bool) {
	if v := x.t.get(k); v != nil {
		return expand(v), true
	}
	e, ok := x.big[k]
	return e, ok
}

// setFirst sets (or adds) the first entry of k.
func (x *Index) setFirst(k Key, e entry) {
	if v, ok := compact(e); ok {
		if len(x.big) > 0 {
			delete(x.big, k)
		}
		x.t.put(k, v[:])
		return
	}
	x.t.del(k)
	x.big[k] = e
}

// Add records a stored message: its key, its size in the target's unit
// (<0 unknown), the store it is in and its locator there (for Opener),
// and its Sum when already known (nil otherwise).
func (x *Index) Add(k Key, size int64, store uint32, loc uint64, sum *Sum) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.add(k, entry{size: size, loc: loc, store: store}, sum)
}

func (x *Index) add(k Key, e entry, sum *Sum) {
	if sum != nil {
		e.flags |= hasSum
		x.sums[sumKey{e.store, e.loc}] = *sum
	}
	if _, ok := x.first(k); !ok {
		x.setFirst(k, e)
		return
	}
	x.more[k] = append(x.more[k], e)
}

// Has reports whether some message with key k is in the index.
func (x *Index) Has(k Key) bool {
	x.mu.Lock()
	defer x.mu.Unlock()
	_, ok := x.first(k)
	return ok
}

// Len returns the number of messages.
func (x *Index) Len() int {
	x.mu.Lock()
	defer x.mu.Unlock()
	n := x.t.n + len(x.big)
	for _, es := range x.more {
		n += len(es)
	}
	return n
}

// Multi returns how many keys were found more than once among the source
// messages matched against the index (or met an earlier one's match).
func (x *Index) Multi() int {
	if x == nil {
		return 0
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	return len(x.multi)
}

// MergeMulti adds y's ambiguous keys to x: a plan's findings for the copy.
func (x *Index) MergeMulti(y *Index) {
	if x == nil || y == nil || x == y {
		return
	}
	y.mu.Lock()
	ks := make([]Key, 0, len(y.multi))
	for k := range y.multi {
		ks = append(ks, k)
	}
	y.mu.Unlock()
	x.mu.Lock()
	defer x.mu.Unlock()
	for _, k := range ks {
		x.multi[k] = true
	}
}

// Clone returns an independent copy.
func (x *Index) Clone() *Index {
	x.mu.Lock()
	defer x.mu.Unlock()
	c := &Index{t: x.t.clone(), big: make(map[Key]entry, len(x.big)), more: make(map[Key][]entry, len(x.more)),
		sums: make(map[sumKey]Sum, len(x.sums)), multi: make(map[Key]bool, len(x.multi)), taken: x.taken}
	for k, e := range x.big {
		c.big[k] = e
	}
	for k, es := range x.more {
		c.more[k] = append([]entry(nil), es...)
	}
	for k, s := range x.sums {
		c.sums[k] = s
	}
	for k := range x.multi {
		c.multi[k] = true
	}
	return c
}

// Opener reads back a stored message (store and loc as given to Add),
// streamed.
type Opener func(store uint32, loc uint64) (io.ReadCloser, error)

// Msg is the source message Match decides on.
type Msg struct {
	Key  Key
	Size int64 // in the target's unit
	// Sum returns the message's content hash; called at most once, only
	// when the sizes do not decide.
	Sum func() (Sum, error)
}

// Result is Match's decision.
type Result struct {
	Dup bool
	// SameID: not a duplicate, though a message with the same key is
	// stored or taken (same Message-ID, different content).
	SameID bool
	// Stored: a duplicate of a stored message (not of one taken in this
	// run).
	Stored bool
}

// Match applies the rule to m: a duplicate of a stored or taken message,
// or new (then it is recorded as taken). open reads stored messages when
// their Sum is needed; estimate (a plan reading headers only) lets a
// taken message whose Sum is unknown match by size.
func (x *Index) Match(m Msg, open Opener, estimate bool) (Result, error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	first, ok := x.first(m.Key)
	if !ok {
		e := entry{size: m.Size, store: Taken, loc: x.nextTaken()}
		var sp *Sum
		if x.multi[m.Key] && m.Sum != nil { // its twin is coming: keep its hash
			s, err := m.Sum()
			if err != nil {
				return Result{}, err
			}
			sp = &s
		}
		x.add(m.Key, e, sp)
		return Result{}, nil
	}
	es := append([]entry{first}, x.more[m.Key]...)
	set := func(i int, e entry) {
		if i == 0 {
			x.setFirst(m.Key, e)
		} else {
			x.more[m.Key][i-1] = e
		}
	}
	ambiguous := x.multi[m.Key]
	for _, e := range es {
		if e.flags&claimed != 0 || e.store == Taken {
			ambiguous = true
		}
	}
	for i, e := range es {
		if e.size < 0 && e.store != Taken {
			// A store that cannot tell sizes (a Target without an
			// inventory): its key alone decides, as before sizes.
			e.flags |= claimed
			set(i, e)
			return Result{Dup: true, Stored: true}, nil
		}
	}
	if ambiguous {
		x.multi[m.Key] = true
	} else {
		for i, e := range es {
			if e.size >= 0 && e.size == m.Size {
				e.flags |= claimed
				set(i, e)
				return Result{Dup: true, Stored: true}, nil
			}
		}
	}
	var mine Sum
	if m.Sum != nil {
		s, err := m.Sum()
		if err != nil {
			return Result{}, err
		}
		mine = s
	}
	for i, e := range es {
		s, known := x.sums[sumKey{e.store, e.loc}]
		known = known && e.flags&hasSum != 0
		if !known && e.store != Taken && open != nil && m.Sum != nil {
			rc, err := open(e.store, e.loc)
			if err != nil {
				return Result{}, fmt.Errorf("reading the stored message with the same key: %w", err)
			}
			s, err = Content(rc)
			rc.Close()
			if err != nil {
				return Result{}, fmt.Errorf("reading the stored message with the same key: %w", err)
			}
			x.sums[sumKey{e.store, e.loc}] = s
			e.flags |= hasSum
			set(i, e)
			known = true
		}
		same := known && m.Sum != nil && s == mine
		if !known && estimate && e.store == Taken {
			same = e.size >= 0 && e.size == m.Size
		}
		if same {
			e.flags |= claimed
			set(i, e)
			return Result{Dup: true, Stored: e.store != Taken}, nil
		}
	}
	e := entry{size: m.Size, store: Taken, loc: x.nextTaken()}
	var sp *Sum
	if m.Sum != nil {
		sp = &mine
	}
	x.add(m.Key, e, sp)
	return Result{SameID: true}, nil
}

func (x *Index) nextTaken() uint64 {
	x.taken++
	return x.taken
}

// AddAll adds every stored message of y to x (as Add would, in the order
// y got them for each key), then empties y. It is how an inventory read
// into its own index (read again from the start after a failure) joins
// the target's: when x is empty, y's memory is taken over as it is.
func (x *Index) AddAll(y *Index) {
	if x == y {
		return
	}
	y.mu.Lock()
	defer y.mu.Unlock()
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.t.n == 0 && len(x.big) == 0 && len(x.more) == 0 && len(x.sums) == 0 {
		x.t, x.big, x.more, x.sums = y.t, y.big, y.more, y.sums
	} else {
		addAll := func(k Key, e entry) {
			var sp *Sum
			if e.flags&hasSum != 0 {
				s := y.sums[sumKey{e.store, e.loc}]
				sp = &s
			}
			e.flags &^= hasSum
			x.add(k, e, sp)
		}
		y.t.each(func(k Key, v []byte) {
			addAll(k, expand(v))
			for _, e := range y.more[k] {
				addAll(k, e)
			}
		})
		for k, e := range y.big {
			addAll(k, e)
			for _, e := range y.more[k] {
				addAll(k, e)
			}
		}
	}
	y.t, y.big, y.more, y.sums = newTable(compactValue), map[Key]entry{}, map[Key][]entry{}, map[sumKey]Sum{}
}

// Release empties x, keeping nothing of what it held: for a caller done
// with a target's index while others stay in use (a per-folder index
// after its folders were copied). x stays usable, as a new index.
func (x *Index) Release() {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.t, x.big, x.more, x.sums, x.multi = newTable(compactValue), map[Key]entry{}, map[Key][]entry{}, map[sumKey]Sum{}, map[Key]bool{}
}
