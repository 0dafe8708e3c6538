package importertest

import (
	"github.com/emersion/go-imap/v2"
	"github.com/mailferry/mailferry/importers"
	"github.com/mailferry/mailferry/internal/corpus"
)

// The generated corpus lives in internal/corpus (the demo, "mailferry gen"
// and bench use it outside of tests); these are its names for tests.

// GenOptions describe a generated corpus (corpus.GenOptions).
type GenOptions = corpus.GenOptions

// GenSource is a Source that generates messages on the fly (corpus.GenSource).
type GenSource = corpus.GenSource

// DefaultGenFolders is the generator's default folder tree.
var DefaultGenFolders = corpus.DefaultGenFolders

// GenMessage returns message i of the corpus o.
func GenMessage(o GenOptions, i int) *importers.Message { return corpus.GenMessage(o, i) }

// WriteThunderbird writes the corpus o as a Thunderbird Local Folders tree
// (corpus.WriteThunderbird).
func WriteThunderbird(dir string, o GenOptions, expunged func(i int) bool) error {
	return corpus.WriteThunderbird(dir, o, expunged)
}

// MozillaHeader is the X-Mozilla-Status header block Thunderbird writes for
// flags (corpus.MozillaHeader).
func MozillaHeader(flags []imap.Flag, expunged bool) []byte {
	return corpus.MozillaHeader(flags, expunged)
}
