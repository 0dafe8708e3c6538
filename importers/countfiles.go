package importers

import (
	"context"
	"os"
)

// CountFiles counts the regular files directly in dirs whose names keep
// accepts: the independent item count (Counter) of the stores whose items
// are files (eml and msg trees). Symbolic links are not regular files and
// not counted.
func CountFiles(ctx context.Context, dirs []string, keep func(name string) bool) (int64, error) {
	var n int64
	for _, d := range dirs {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		ents, err := os.ReadDir(d)
		if err != nil {
			return 0, err
		}
		for _, e := range ents {
			if e.Type().IsRegular() && keep(e.Name()) {
				n++
			}
		}
	}
	return n, nil
}
