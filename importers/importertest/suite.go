package importertest

import (
	"bytes"
	"context"
	"io"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/mailferry/mailferry/importers"
)

// Opt configures Run.
type Opt struct {
	// Open builds the corpus in the importer's format (in t.TempDir()) and
	// opens it as a Source.
	Open func(t *testing.T, c Corpus) importers.Source
	// Corpus is the set the store was built from; nil means Load(t).
	Corpus Corpus
	// MapFolder turns a corpus folder into the folder the importer is
	// expected to report (e.g. Thunderbird's "Inbox" for INBOX). nil: as is,
	// with INBOX compared case-insensitively.
	MapFolder func(importers.Folder) importers.Folder
	// DateFromHeader: the store has no internal date, the importer derives
	// it from the Date: header; the suite then only checks it is non-zero.
	DateFromHeader bool
}

// Got is one message as read from a Source.
type Got struct {
	Folder importers.Folder
	Flags  []imap.Flag
	Date   time.Time
	Raw    []byte
	Ref    string
}

// ReadAll walks every folder of src and returns all messages with their
// bytes (for tests only: it holds the whole store in memory). Read errors
// fail the test.
func ReadAll(t testing.TB, src importers.Source) []Got {
	t.Helper()
	ctx := context.Background()
	fis, err := src.Folders(ctx)
	if err != nil {
		t.Fatalf("Folders: %v", err)
	}
	var out []Got
	for _, fi := range fis {
		if fi.NoSelect {
			continue
		}
		var n int64
		err := src.Walk(ctx, fi.Folder, nil, func(m *importers.Message, rerr error) error {
			if rerr != nil {
				t.Errorf("%s: read error: %v", fi.Folder, rerr)
				return nil
			}
			n++
			raw := readBody(t, m)
			if int64(len(raw)) != m.Body.Len() {
				t.Errorf("%s: Body.Len() = %d, read %d bytes", m.Ref, m.Body.Len(), len(raw))
			}
			if again := readBody(t, m); !bytes.Equal(raw, again) {
				t.Errorf("%s: second Open gave different bytes", m.Ref)
			}
			if !m.Folder.Equal(fi.Folder) {
				t.Errorf("%s: Message.Folder = %q, walked %q", m.Ref, m.Folder, fi.Folder)
			}
			if m.Ref == "" {
				t.Errorf("message in %s without Ref", fi.Folder)
			}
			out = append(out, Got{Folder: fi.Folder, Flags: m.Flags, Date: m.InternalDate, Raw: raw, Ref: m.Ref})
			return nil
		})
		if err != nil {
			t.Errorf("Walk(%s): %v", fi.Folder, err)
		}
		if fi.Messages >= 0 && fi.Messages != n {
			t.Errorf("Folders() says %s has %d messages, Walk gave %d", fi.Folder, fi.Messages, n)
		}
	}
	return out
}

func readBody(t testing.TB, m *importers.Message) []byte {
	t.Helper()
	rc, err := m.Body.Open()
	if err != nil {
		t.Fatalf("%s: Open: %v", m.Ref, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("%s: read: %v", m.Ref, err)
	}
	return b
}

func folderKey(f importers.Folder) string {
	if f.IsInbox() {
		return "INBOX"
	}
	return f.String()
}

// FlagSet normalizes flags for comparison (sorted, \Recent dropped, system
// flags in canonical case).
func FlagSet(fs []imap.Flag) string {
	var s []string
	for _, f := range fs {
		if strings.EqualFold(string(f), `\Recent`) {
			continue
		}
		if strings.HasPrefix(string(f), `\`) {
			f = imap.Flag(`\` + strings.ToUpper(string(f[1:2])) + strings.ToLower(string(f[2:])))
		}
		s = append(s, string(f))
	}
	sort.Strings(s)
	return strings.Join(s, " ")
}

// Run is the importer conformance suite: the store built from the corpus
// must yield every corpus message exactly once, in the right folder, with
// the same bytes (exactly, or modulo CRLF when the store converts), and
// with flags and dates when the store keeps them.
func Run(t *testing.T, o Opt) {
	c := o.Corpus
	if c == nil {
		c = Load(t)
	}
	src := o.Open(t, c)
	defer src.Close()
	caps := src.Caps()
	got := ReadAll(t, src)
	mapF := o.MapFolder
	if mapF == nil {
		mapF = func(f importers.Folder) importers.Folder { return f }
	}
	// Match by folder + LF-normalized content hash, as a multiset.
	type key struct{ folder, hash string }
	pool := map[key][]Got{}
	for _, g := range got {
		k := key{folderKey(g.Folder), Hash(ToLF(g.Raw))}
		pool[k] = append(pool[k], g)
	}
	for _, it := range c {
		k := key{folderKey(mapF(it.Folder)), Hash(ToLF(it.Raw))}
		gs := pool[k]
		if len(gs) == 0 {
			t.Errorf("corpus %s (folder %s): not found in the store", it.File, k.folder)
			continue
		}
		g := gs[0]
		pool[k] = gs[1:]
		if caps.ByteExact && !bytes.Equal(g.Raw, it.Raw) && !bytes.Equal(g.Raw, ToCRLF(it.Raw)) {
			t.Errorf("corpus %s: bytes differ (store says ByteExact); got %d bytes, want %d", it.File, len(g.Raw), len(it.Raw))
		}
		if caps.Flags {
			if gf, wf := FlagSet(g.Flags), FlagSet(it.Flags); gf != wf {
				t.Errorf("corpus %s: flags %q, want %q", it.File, gf, wf)
			}
		}
		switch {
		case o.DateFromHeader || caps.DatePrecision == 0:
			if g.Date.IsZero() {
				t.Errorf("corpus %s: no internal date (not even from the Date: header)", it.File)
			}
		default:
			if d := g.Date.Sub(it.Date); d < -caps.DatePrecision || d > caps.DatePrecision {
				t.Errorf("corpus %s: internal date %v, want %v (precision %v)", it.File, g.Date, it.Date, caps.DatePrecision)
			}
		}
	}
	for k, gs := range pool {
		for _, g := range gs {
			t.Errorf("store has an extra message %s in %s (hash %s)", g.Ref, k.folder, k.hash[:12])
		}
	}
	AccountedFor(t, src) // accounting.go
}
