package dedupe

import "sync"

// Set is a set of keys, safe for concurrent use. Memory per key is the
// 16-byte hash plus map overhead; no Message-ID strings are kept.
type Set struct {
	mu sync.Mutex
	m  map[Key]struct{}
}

// NewSet returns an empty set.
func NewSet() *Set { return &Set{m: map[Key]struct{}{}} }

// Add inserts k and reports whether it was new.
func (s *Set) Add(k Key) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.m[k]; ok {
		return false
	}
	s.m[k] = struct{}{}
	return true
}

// Has reports whether k is in the set.
func (s *Set) Has(k Key) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.m[k]
	return ok
}

// Len returns the number of keys.
func (s *Set) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.m)
}

// Clone returns an independent copy.
func (s *Set) Clone() *Set {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := &Set{m: make(map[Key]struct{}, len(s.m))}
	for k := range s.m {
		c.m[k] = struct{}{}
	}
	return c
}
