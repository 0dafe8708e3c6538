package maildir

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
)

// listing is the message files of one Maildir (cur/ and new/, not tmp/)
// in Walk's order: by the time prefix of their names, then by name (see
// entryLess). It is compact, because a folder may hold a million files:
// the names are in one byte buffer, each as its directory's letter ('c'
// for cur/, 'n' for new/), the name and a NUL (which no file name holds),
// and the order is an offset per file; no string or fs.DirEntry per file.
type listing struct {
	dir string
	buf []byte
	off []uint32 // sorted
}

func (l *listing) len() int { return len(l.off) }

// at returns the i-th file: its sub-directory and name.
func (l *listing) at(i int) (sub, name string) {
	rec := l.buf[l.off[i]:]
	rec = rec[1:bytes.IndexByte(rec, 0)]
	sub = "cur"
	if l.buf[l.off[i]] == 'n' {
		sub = "new"
	}
	return sub, string(rec)
}

// nameAt is the i-th name, aliasing the buffer (valid while l is).
func (l *listing) nameAt(i int) []byte {
	rec := l.buf[l.off[i]+1:]
	return rec[:bytes.IndexByte(rec, 0)]
}

// listDirBatch is how many directory entries one read returns.
const listDirBatch = 512

// listMessages lists the messages of one Maildir, sorted. Hidden files
// and directories are skipped.
func listMessages(dir string) (*listing, error) {
	l := &listing{dir: dir}
	found := false
	for _, sub := range []string{"cur", "new"} {
		f, err := os.Open(filepath.Join(dir, sub))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		found = true
		for {
			ents, err := f.ReadDir(listDirBatch)
			for _, de := range ents {
				name := de.Name()
				if len(name) == 0 || name[0] == '.' || de.IsDir() {
					continue
				}
				if len(l.buf)+len(name)+2 > 1<<32-1 {
					f.Close()
					return nil, fmt.Errorf("%s: too many file names to list", dir)
				}
				l.off = append(l.off, uint32(len(l.buf)))
				l.buf = append(l.buf, sub[0])
				l.buf = append(l.buf, name...)
				l.buf = append(l.buf, 0)
			}
			if err == io.EOF || (err == nil && len(ents) == 0) {
				break
			}
			if err != nil {
				f.Close()
				return nil, err
			}
		}
		f.Close()
	}
	if !found {
		return nil, fmt.Errorf("%s: no cur/ or new/", dir)
	}
	l.buf = slices.Clip(l.buf)
	l.off = slices.Clip(l.off)
	slices.SortFunc(l.off, func(a, b uint32) int { return compareRecs(l.buf[a:], l.buf[b:]) })
	return l, nil
}

// compareRecs orders two records of a listing's buffer as entryLess
// orders entries: names with a leading number (timePrefix) first, by that
// number, then by name, then cur/ before new/.
func compareRecs(a, b []byte) int {
	an := a[1:bytes.IndexByte(a, 0)]
	bn := b[1:bytes.IndexByte(b, 0)]
	av, aok := prefixOf(an)
	bv, bok := prefixOf(bn)
	if aok != bok {
		if aok {
			return -1
		}
		return 1
	}
	if av != bv {
		if av < bv {
			return -1
		}
		return 1
	}
	if c := bytes.Compare(an, bn); c != 0 {
		return c
	}
	// 'c' (cur) < 'n' (new), as "cur" < "new".
	return int(a[0]) - int(b[0])
}

// prefixOf is the leading decimal number of a name (its delivery time),
// when it has one that fits 64 bits; a longer one counts as none, and
// sorts after the names without a number (as strconv.ParseUint's
// overflow value did in the listing before this one).
func prefixOf(name []byte) (uint64, bool) {
	var n uint64
	i := 0
	for ; i < len(name) && name[i] >= '0' && name[i] <= '9'; i++ {
		d := uint64(name[i] - '0')
		if n > (1<<64-1-d)/10 {
			return 1<<64 - 1, false
		}
		n = n*10 + d
	}
	return n, i > 0
}
