package dedupe

import (
	"fmt"
	"sync"
)

// refIndex is the map-based Index before the compact table (kept as the
// model the compact one is checked against).
type refEntry struct {
	size  int64 // <0: unknown
	loc   uint64
	store uint32
	flags uint8
}

// refIndex is the key index of a target (or of every target, for a global
// de-duplication) and of what a run takes. Safe for concurrent use.
type refIndex struct {
	mu    sync.Mutex
	m     map[Key]refEntry
	more  map[Key][]refEntry // the second and further entries of a key (rare)
	sums  map[sumKey]Sum
	multi map[Key]bool // keys found again among the source's messages
	taken uint64
}

// NewrefIndex returns an empty index.
func newRefIndex() *refIndex {
	return &refIndex{m: map[Key]refEntry{}, more: map[Key][]refEntry{}, sums: map[sumKey]Sum{}, multi: map[Key]bool{}}
}

// Add records a stored message: its key, its size in the target's unit
// (<0 unknown), the store it is in and its locator there (for Opener),
// and its Sum when already known (nil otherwise).
func (x *refIndex) Add(k Key, size int64, store uint32, loc uint64, sum *Sum) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.add(k, refEntry{size: size, loc: loc, store: store}, sum)
}

func (x *refIndex) add(k Key, e refEntry, sum *Sum) {
	if sum != nil {
		e.flags |= hasSum
		x.sums[sumKey{e.store, e.loc}] = *sum
	}
	if _, ok := x.m[k]; !ok {
		x.m[k] = e
		return
	}
	x.more[k] = append(x.more[k], e)
}

// Has reports whether some message with key k is in the index.
func (x *refIndex) Has(k Key) bool {
	x.mu.Lock()
	defer x.mu.Unlock()
	_, ok := x.m[k]
	return ok
}

// Len returns the number of messages.
func (x *refIndex) Len() int {
	x.mu.Lock()
	defer x.mu.Unlock()
	n := len(x.m)
	for _, es := range x.more {
		n += len(es)
	}
	return n
}

// Multi returns how many keys were found more than once among the source
// messages matched against the index (or met an earlier one's match).
func (x *refIndex) Multi() int {
	if x == nil {
		return 0
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	return len(x.multi)
}

// MergeMulti adds y's ambiguous keys to x: a plan's findings for the copy.
func (x *refIndex) MergeMulti(y *refIndex) {
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
func (x *refIndex) Clone() *refIndex {
	x.mu.Lock()
	defer x.mu.Unlock()
	c := &refIndex{m: make(map[Key]refEntry, len(x.m)), more: make(map[Key][]refEntry, len(x.more)),
		sums: make(map[sumKey]Sum, len(x.sums)), multi: make(map[Key]bool, len(x.multi)), taken: x.taken}
	for k, e := range x.m {
		c.m[k] = e
	}
	for k, es := range x.more {
		c.more[k] = append([]refEntry(nil), es...)
	}
	for k, s := range x.sums {
		c.sums[k] = s
	}
	for k := range x.multi {
		c.multi[k] = true
	}
	return c
}

// Match applies the rule to m: a duplicate of a stored or taken message,
// or new (then it is recorded as taken). open reads stored messages when
// their Sum is needed; estimate (a plan reading headers only) lets a
// taken message whose Sum is unknown match by size.
func (x *refIndex) Match(m Msg, open Opener, estimate bool) (Result, error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	first, ok := x.m[m.Key]
	if !ok {
		e := refEntry{size: m.Size, store: Taken, loc: x.nextTaken()}
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
	es := append([]refEntry{first}, x.more[m.Key]...)
	set := func(i int, e refEntry) {
		if i == 0 {
			x.m[m.Key] = e
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
	e := refEntry{size: m.Size, store: Taken, loc: x.nextTaken()}
	var sp *Sum
	if m.Sum != nil {
		sp = &mine
	}
	x.add(m.Key, e, sp)
	return Result{SameID: true}, nil
}

func (x *refIndex) nextTaken() uint64 {
	x.taken++
	return x.taken
}
