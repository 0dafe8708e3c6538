package maildir

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/mailferry/mailferry/importers"
)

// CountItems counts folder f's items independently of Walk
// (importers.Counter): every entry of cur/ and new/ of each of the
// folder's Maildirs that is not a directory and not hidden (a name
// starting with "."). tmp/ holds deliveries in progress, not messages.
func (s *Source) CountItems(ctx context.Context, f importers.Folder) (int64, error) {
	fo := s.find(f)
	if fo == nil {
		return 0, fmt.Errorf("maildir %s: no folder %q", s.root, f.String())
	}
	var n int64
	for _, d := range fo.dirs {
		for _, sub := range []string{"cur", "new"} {
			if err := ctx.Err(); err != nil {
				return 0, err
			}
			ents, err := os.ReadDir(filepath.Join(d, sub))
			if errors.Is(err, fs.ErrNotExist) {
				continue
			}
			if err != nil {
				return 0, err
			}
			for _, e := range ents {
				if !e.IsDir() && !strings.HasPrefix(e.Name(), ".") {
					n++
				}
			}
		}
	}
	return n, nil
}

var _ importers.Counter = (*Source)(nil)
