package msg

import (
	"context"
	"fmt"

	"github.com/mailferry/mailferry/importers"
)

// CountItems counts folder f's items independently of Walk's parse
// (importers.Counter): every regular .msg file directly in the folder's
// directories, whatever it holds. Walk must deliver each as a message, an
// error, or an importers.SkipError (contacts, appointments and the other
// items that are not mail); one it passes over silently is a difference
// the engine reports.
func (s *Source) CountItems(ctx context.Context, f importers.Folder) (int64, error) {
	fo := importers.FindTreeFolder(s.folders, f)
	if fo == nil {
		return 0, fmt.Errorf("msg %s: no folder %q", s.root, f.String())
	}
	return fo.Count(ctx, isMsgName)
}

var _ importers.Counter = (*Source)(nil)
