package eml

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/mailferry/mailferry/importers"
)

// CountItems counts folder f's items independently of Walk's parse
// (importers.Counter): every regular file directly in the folder's
// directories, whatever its name, except hidden ones (names starting with
// "."; the directory scan skips those too: .DS_Store, state files). Walk
// must deliver each as a message, an error, or an importers.SkipError
// ("not a message"); a file it passes over silently is a difference the
// engine reports. Symbolic links are not regular files and not counted
// (Walk does not follow them).
func (s *Source) CountItems(ctx context.Context, f importers.Folder) (int64, error) {
	var fo *folder
	for _, x := range s.folders {
		if folderKey(x.f) == folderKey(f) {
			fo = x
			break
		}
	}
	if fo == nil {
		return 0, fmt.Errorf("eml %s: no folder %q", s.root, f.String())
	}
	if fo.file != "" {
		return 1, nil
	}
	var n int64
	for _, d := range fo.dirs {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		ents, err := os.ReadDir(d)
		if err != nil {
			return 0, err
		}
		for _, e := range ents {
			if e.Type().IsRegular() && !strings.HasPrefix(e.Name(), ".") {
				n++
			}
		}
	}
	return n, nil
}

var _ importers.Counter = (*Source)(nil)
