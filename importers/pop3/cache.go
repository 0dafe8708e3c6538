package pop3

// The header cache: the incremental state of a POP3 account.
//
// A maildrop has no UIDVALIDITY/UIDNEXT, and its message numbers shift
// when a message is deleted, so the engine's UID watermark
// (exporters/state.go) cannot describe it. What a re-run needs is not to
// ask the server again for what it already told: the cache keeps, per
// account (the Identity) and UIDL, the LIST size and the header fields
// TOP returned. A re-run then sends UIDL and LIST, and TOP only for new
// messages; whether a message is in the target is still decided by the
// engine's de-duplication against the target, so a lost, stale or foreign
// cache costs TOP commands, never a duplicate. A cached entry is used only
// when its LIST size matches (a UIDL reused by the server for another
// message of the very same size would be taken for the old one: RFC 1939
// forbids the reuse; --delete-after-verify compares the bodies anyway).
//
// The file is $XDG_CACHE_HOME/mailferry/pop3/<sha256 of the identity>.json
// (0600, replaced atomically), pruned to the messages still on the server.

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"

	"github.com/mailferry/mailferry/internal/atomicfile"
)

type cachedHeader struct {
	Size   int64               `json:"size"`
	Header map[string][]string `json:"header"`
}

type headerCache struct {
	path    string // "": memory only
	entries map[string]cachedHeader
	dirty   bool
}

// cacheVersion is the format of the file.
const cacheVersion = 1

type cacheFile struct {
	Version int                     `json:"version"`
	Account string                  `json:"account"`
	Entries map[string]cachedHeader `json:"entries"`
}

func loadCache(identity string) *headerCache {
	c := &headerCache{entries: map[string]cachedHeader{}}
	dir, err := os.UserCacheDir()
	if err != nil {
		return c
	}
	sum := sha256.Sum256([]byte(identity))
	c.path = filepath.Join(dir, "mailferry", "pop3", hex.EncodeToString(sum[:16])+".json")
	b, err := os.ReadFile(c.path)
	if err != nil {
		return c
	}
	var f cacheFile
	if json.Unmarshal(b, &f) == nil && f.Version == cacheVersion && f.Account == identity && f.Entries != nil {
		c.entries = f.Entries
	}
	return c
}

func (c *headerCache) get(e entry) (map[string][]string, bool) {
	if e.uidl == "" {
		return nil, false
	}
	h, ok := c.entries[e.uidl]
	if !ok || h.Size != e.size || h.Header == nil {
		return nil, false
	}
	return h.Header, true
}

// cachedFields are the header fields kept: what de-duplication and the
// reports use (canonical keys, as ParseHeader makes them).
var cachedFields = []string{"Message-Id", "Date", "From", "To", "Subject"}

func (c *headerCache) put(e entry, h map[string][]string) {
	if e.uidl == "" {
		return
	}
	keep := map[string][]string{}
	for _, k := range cachedFields {
		if v, ok := h[k]; ok {
			keep[k] = v
		}
	}
	c.entries[e.uidl] = cachedHeader{Size: e.size, Header: keep}
	c.dirty = true
}

// prune drops the entries of messages no longer listed.
func (c *headerCache) prune(es []entry) {
	keep := make(map[string]bool, len(es))
	for _, e := range es {
		keep[e.uidl] = true
	}
	for u := range c.entries {
		if !keep[u] {
			delete(c.entries, u)
			c.dirty = true
		}
	}
}

// save writes the cache when it changed; failures only cost TOP commands
// next time.
func (c *headerCache) save(identity string) {
	if c.path == "" || !c.dirty {
		return
	}
	b, err := json.Marshal(cacheFile{Version: cacheVersion, Account: identity, Entries: c.entries})
	if err != nil {
		return
	}
	if err := os.MkdirAll(filepath.Dir(c.path), 0o700); err != nil {
		return
	}
	if atomicfile.Write(c.path, b, 0o600) != nil {
		return
	}
	c.dirty = false
}
