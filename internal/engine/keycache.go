package engine

import "github.com/mailferry/mailferry/importers"

// keyCacheOf is the key cache of a local source's message body
// (importers.KeyCache, see importers/keycache), or nil: worker.inspect
// asks it for the key and CRLF length before reading the body, so that a
// re-run into IMAP need not read every body to learn its CRLF size.
func keyCacheOf(b importers.Body) importers.KeyCache {
	if s, ok := b.(safeBody); ok {
		b = s.b
	}
	kc, _ := b.(importers.KeyCache)
	return kc
}

// cachedKey is kc.CachedKey; nil knows nothing.
func cachedKey(kc importers.KeyCache) (key [16]byte, crlfLen int64, ok bool) {
	if kc == nil {
		return key, 0, false
	}
	return kc.CachedKey()
}
