package pst

import (
	"context"
	"fmt"

	"github.com/mailferry/mailferry/importers"
)

// CountItems counts folder f's items independently of Walk
// (importers.Counter): the rows of each of its folder objects' contents
// table (the table Outlook lists a folder from; NID type 0x0E), whatever
// their message class. Walk, which goes by the node B-tree's message nodes
// under the folder, must deliver each as a message, an error, or an
// importers.SkipError (items that are not mail); a difference is reported
// by the engine. A contents table that cannot be read is an error: the
// folder's count is then unknown.
func (s *Source) CountItems(ctx context.Context, f importers.Folder) (int64, error) {
	fos := s.byPath[pathKey(f)]
	if len(fos) == 0 {
		return 0, fmt.Errorf("pst %s: no folder %q", s.path, f.String())
	}
	var n int64
	for _, fo := range fos {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		rows, err := s.st.contentsRows(fo.e.nid)
		if err != nil {
			return 0, fmt.Errorf("pst %s: folder %q: contents table: %w", s.path, f.String(), err)
		}
		n += int64(rows)
	}
	return n, nil
}

var _ importers.Counter = (*Source)(nil)

// contentsRows returns the number of rows of a folder's contents table.
func (s *store) contentsRows(folder uint32) (n int, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("internal error: %v", p)
		}
	}()
	e, err := s.f.node(folder&^0x1f | 0x0E)
	if err != nil {
		return 0, err
	}
	t, err := s.f.nodeOf(e).tc()
	if err != nil {
		return 0, err
	}
	return t.len(), nil
}
