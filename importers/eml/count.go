package eml

import (
	"context"
	"fmt"
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
	fo := importers.FindTreeFolder(s.folders, f)
	if fo == nil {
		return 0, fmt.Errorf("eml %s: no folder %q", s.root, f.String())
	}
	return fo.Count(ctx, func(name string) bool { return !strings.HasPrefix(name, ".") })
}

var _ importers.Counter = (*Source)(nil)
