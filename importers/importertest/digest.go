package importertest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"strings"
	"testing"

	"github.com/mailferry/mailferry/dedupe"
	"github.com/mailferry/mailferry/importers"
)

// Digest is one message of a store as integration tests compare it: by
// folder and a hash of its bytes, not the bytes themselves.
type Digest struct {
	Folder string // logical folder, "INBOX" for the inbox, "/" between levels
	Hash   string // sha256 of the bytes as the store returns them
	Flags  string // FlagSet
	Date   int64  // unix seconds of the internal date
	HasID  bool   // keyed by its Message-ID
}

// FolderName is the Digest.Folder of f.
func FolderName(f importers.Folder) string {
	if f.IsInbox() {
		return "INBOX"
	}
	return strings.Join(f, "/")
}

// Digests walks every folder of src and returns a Digest of each message;
// unlike ReadAll it keeps one message in memory at a time. Read errors
// fail the test.
func Digests(t testing.TB, src importers.Source) []Digest {
	t.Helper()
	ctx := context.Background()
	fis, err := src.Folders(ctx)
	if err != nil {
		t.Fatalf("Folders: %v", err)
	}
	var out []Digest
	for _, fi := range fis {
		if fi.NoSelect {
			continue
		}
		err := src.Walk(ctx, fi.Folder, nil, func(m *importers.Message, rerr error) error {
			if rerr != nil {
				return rerr
			}
			rc, err := m.Body.Open()
			if err != nil {
				return err
			}
			b, err := io.ReadAll(rc)
			rc.Close()
			if err != nil {
				return err
			}
			h := sha256.Sum256(b)
			_, kind, _ := dedupe.Of(bytes.NewReader(b))
			out = append(out, Digest{FolderName(fi.Folder), hex.EncodeToString(h[:]), FlagSet(m.Flags), m.InternalDate.Unix(), kind == dedupe.ByMessageID})
			return nil
		})
		if err != nil {
			t.Fatalf("walk %s: %v", fi.Folder, err)
		}
	}
	return out
}
