package localfs

import (
	"strings"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// maxAttempts bounds the names tried for one element before giving up
// (each attempt has a different 32-bit hash; running out means something
// is deliberately colliding).
const maxAttempts = 64

// Names is the set of names in one target directory, plus the names this
// run has claimed there, for choosing names that do not collide.
type Names struct {
	fold   bool
	exact  map[string]bool
	folded map[string]bool
}

// NewNames returns the set for existing entries. With fold set (the file
// system is, or may be, case-insensitive), names that are equal after
// Unicode case folding and NFC normalization collide.
func NewNames(entries []string, fold bool) *Names {
	n := &Names{fold: fold, exact: map[string]bool{}, folded: map[string]bool{}}
	for _, e := range entries {
		n.add(e)
	}
	return n
}

var folder = cases.Fold()

// Fold is the comparison key of name on a case-insensitive file system.
func Fold(name string) string { return folder.String(norm.NFC.String(name)) }

func (n *Names) key(name string) string {
	if n.fold {
		return Fold(name)
	}
	return name
}

func (n *Names) add(name string) {
	n.exact[name] = true
	n.folded[n.key(name)] = true
}

// Has reports whether name exists exactly (or was claimed).
func (n *Names) Has(name string) bool { return n.exact[name] }

// Pick returns the name for elem in this directory and claims it. The
// candidates are enc.Component(elem, max, 0), (…, 1), …: the first one
// that already exists is taken (so a later run finds what an earlier one
// created, whatever was there in between); otherwise the first one that
// does not collide with another entry. ok is false if no candidate is
// free.
func (n *Names) Pick(enc Encoder, elem string, max int) (name string, ok bool) {
	const reuse = 4 // existing names looked for
	for i := 0; i < reuse; i++ {
		if c := enc.Component(elem, max, i); n.exact[c] {
			return c, true
		}
	}
	for i := 0; i < maxAttempts; i++ {
		if c := enc.Component(elem, max, i); !n.folded[n.key(c)] {
			n.add(c)
			return c, true
		}
	}
	return "", false
}

// FolderKey is the identity of a logical folder in a local store (the
// exporters.FolderNamer of the local sinks): its elements case-folded and
// NFC-normalized (Fold), because the file system may ignore case and
// normalization (macOS, SMB, NTFS), and whether it does is not known
// before the first folder exists. The escaping of the local sinks is one
// to one, so nothing else makes two folders one.
func FolderKey(f []string) string {
	out := make([]string, len(f))
	for i, e := range f {
		out[i] = Fold(e)
	}
	return strings.Join(out, "\x00")
}

// NameKey is the identity of a local target's Name (a path): Fold.
func NameKey(name string) string { return Fold(name) }
