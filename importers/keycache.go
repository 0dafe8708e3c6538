package importers

// KeyCache is implemented by a Body whose source remembers, from an
// earlier run, the message's dedupe key (dedupe.Of) and its length after
// CRLF conversion (CRLFCounter.Len), validated against the file they were
// computed from (importers/keycache). The engine asks it before reading
// the body, and tells it what it computed after reading the whole body.
type KeyCache interface {
	// CachedKey returns the key and CRLF length when known for exactly
	// this body's bytes.
	CachedKey() (key [16]byte, crlfLen int64, ok bool)
	// RememberKey records them, computed from the whole body read after
	// the source listed it.
	RememberKey(key [16]byte, crlfLen int64)
}
