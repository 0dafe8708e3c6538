package mbox

import "github.com/mailferry/mailferry/exporters"

// The incremental state of the engine (exporters.StateFileName) lives in
// the root directory of the tree.

var _ exporters.StateStore = (*Sink)(nil)

// LoadState implements exporters.StateStore.
func (s *Sink) LoadState() ([]byte, error) { return s.root.ReadSmall(exporters.StateFileName) }

// SaveState implements exporters.StateStore.
func (s *Sink) SaveState(b []byte) error { return s.root.ReplaceSmall(exporters.StateFileName, b) }
