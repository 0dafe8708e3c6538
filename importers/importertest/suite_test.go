package importertest

import (
	"testing"

	"github.com/mailferry/mailferry/importers"
)

func TestMemSourceConforms(t *testing.T) {
	Run(t, Opt{Open: func(t *testing.T, c Corpus) importers.Source { return &MemSource{C: c} }})
}
