package imap

import (
	"errors"
	"strings"
	"testing"

	"github.com/mailferry/mailferry/importers"
)

// TestSpoolRefusedWhenNoRoom: a body larger than the spool's free space
// is refused before a byte is written.
func TestSpoolRefusedWhenNoRoom(t *testing.T) {
	dir := t.TempDir()
	err := importers.SpoolFits(1<<62, dir)
	if !errors.Is(err, importers.ErrSpoolFull) || !strings.Contains(err.Error(), dir) {
		t.Errorf("SpoolFits(4 EiB): %v", err)
	}
	if err := importers.SpoolFits(1<<20, dir); err != nil {
		t.Errorf("SpoolFits(1 MiB): %v", err)
	}
}
