package dedupe

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"testing"
)

// The compact Index decides exactly like the map-based one it replaced
// (refIndex, compact_index_ref_test.go): random adds, matches, clones and
// merges, with few keys (many shared ones, ambiguity, Sums) and with many
// (bucket splits), sizes and locators over 32 bits and unknown sizes,
// store numbers over 16 bits.
func TestCompactIndexAgreesWithMap(t *testing.T) {
	for seed := uint64(1); seed <= 20; seed++ {
		nkeys := 8
		if seed%4 == 0 {
			nkeys = 20000
		}
		compareIndexes(t, seed, nkeys, 6000)
	}
}

func content(store uint32, loc uint64) string {
	return fmt.Sprintf("Subject: s\r\n\r\nbody %d\r\n", (uint64(store)+loc)%3)
}

func compareIndexes(t *testing.T, seed uint64, nkeys, ops int) {
	r := rand.New(rand.NewPCG(seed, 7))
	key := func() Key {
		var k Key
		n := r.IntN(nkeys)
		k[0], k[1], k[2], k[15] = byte(n*37), byte(n>>8), byte(n>>16), byte(n)
		if nkeys > 100 {
			k = FromMessageID(fmt.Sprint(n, "@x"))
		}
		return k
	}
	size := func() int64 {
		switch r.IntN(10) {
		case 0:
			return -1
		case 1:
			return math.MaxUint32 + int64(r.IntN(3)) - 1
		}
		return int64(100 + r.IntN(3))
	}
	open := func(store uint32, loc uint64) (io.ReadCloser, error) {
		if loc%17 == 16 {
			return nil, fmt.Errorf("gone %d", loc)
		}
		return io.NopCloser(bytes.NewReader([]byte(content(store, loc)))), nil
	}
	x, ref := NewIndex(), newRefIndex()
	if seed%2 == 0 { // starts with an inventory
		x.AddAll(NewIndex())
	}
	var xs []*Index
	var refs []*refIndex
	for i := 0; i < ops; i++ {
		switch op := r.IntN(20); {
		case op < 6:
			k, sz := key(), size()
			store := uint32(r.IntN(3))
			if r.IntN(20) == 0 {
				store = 70000
			}
			loc := uint64(r.IntN(40))
			if r.IntN(20) == 0 {
				loc += math.MaxUint32
			}
			var sum *Sum
			if r.IntN(4) == 0 {
				s, _ := Content(bytes.NewReader([]byte(content(store, loc))))
				sum = &s
			}
			x.Add(k, sz, store, loc, sum)
			ref.Add(k, sz, store, loc, sum)
		case op == 6:
			c, rc := x.Clone(), ref.Clone()
			xs, refs = append(xs, x), append(refs, ref)
			x, ref = c, rc
		case op == 7 && len(xs) > 0:
			j := r.IntN(len(xs))
			xs[j].MergeMulti(x)
			refs[j].MergeMulti(ref)
			x, ref = xs[j], refs[j]
		case op == 8:
			// An inventory read into its own index, then added.
			y := NewIndex()
			for range r.IntN(30) {
				k, sz, loc := key(), size(), uint64(r.IntN(40))
				var sum *Sum
				if r.IntN(3) == 0 {
					s, _ := Content(bytes.NewReader([]byte(content(1, loc))))
					sum = &s
				}
				y.Add(k, sz, 1, loc, sum)
				ref.Add(k, sz, 1, loc, sum)
			}
			x.AddAll(y)
			if y.Len() != 0 {
				t.Fatalf("AddAll left %d in its argument", y.Len())
			}
		default:
			m := Msg{Key: key(), Size: size()}
			body := fmt.Sprintf("Subject: s\r\n\r\nbody %d\r\n", r.IntN(3))
			fail := r.IntN(30) == 0
			if r.IntN(6) != 0 {
				m.Sum = func() (Sum, error) {
					if fail {
						return Sum{}, fmt.Errorf("unreadable")
					}
					return Content(bytes.NewReader([]byte(body)))
				}
			}
			var o Opener
			if r.IntN(5) != 0 {
				o = open
			}
			est := r.IntN(2) == 0
			got, gerr := x.Match(m, o, est)
			want, werr := ref.Match(m, o, est)
			if got != want || (gerr == nil) != (werr == nil) || (gerr != nil && gerr.Error() != werr.Error()) {
				t.Fatalf("seed %d op %d: Match(%v size %d est %v) = %+v, %v; the map index says %+v, %v", seed, i, m.Key, m.Size, est, got, gerr, want, werr)
			}
		}
		k := key()
		if x.Has(k) != ref.Has(k) || x.Len() != ref.Len() || x.Multi() != ref.Multi() {
			t.Fatalf("seed %d op %d: Has %v/%v Len %d/%d Multi %d/%d", seed, i, x.Has(k), ref.Has(k), x.Len(), ref.Len(), x.Multi(), ref.Multi())
		}
	}
}

// A million messages cost about 30 bytes each in an index, not the 60 of
// a map.
func TestCompactIndexMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("allocates")
	}
	x := NewIndex()
	const n = 100000
	for i := range n {
		k := FromMessageID(fmt.Sprint(i, "@x"))
		if _, err := x.Match(Msg{Key: k, Size: 2048}, nil, false); err != nil {
			t.Fatal(err)
		}
	}
	total := 0
	for _, b := range x.t.buckets {
		total += cap(b)
	}
	per := float64(total) / n
	t.Logf("%.1f bytes per message in %d buckets", per, len(x.t.buckets))
	if per > 32 {
		t.Errorf("%.1f bytes per message, want at most 32", per)
	}
}

func TestIndexRelease(t *testing.T) {
	x := NewIndex()
	k := FromMessageID("a@b")
	x.Add(k, 10, 0, 1, nil)
	x.Match(Msg{Key: FromMessageID("c@d"), Size: 5}, nil, false)
	x.Release()
	if x.Len() != 0 || x.Has(k) || x.Multi() != 0 {
		t.Fatalf("after Release: Len %d Has %v Multi %d", x.Len(), x.Has(k), x.Multi())
	}
	if r, err := x.Match(Msg{Key: k, Size: 10}, nil, false); err != nil || r.Dup {
		t.Fatalf("a released index still matched: %+v %v", r, err)
	}
}
