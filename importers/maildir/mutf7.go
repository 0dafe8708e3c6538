package maildir

import "github.com/mailferry/mailferry/internal/mutf7"

// The modified UTF-7 codec lives in internal/mutf7 (the IMAP client uses
// it too); these names keep the package's API.
var (
	// EncodeMUTF7 returns s (UTF-8) in modified UTF-7 (mutf7.Encode).
	EncodeMUTF7 = mutf7.Encode
	// DecodeMUTF7 returns the UTF-8 form of a modified UTF-7 string
	// (mutf7.Decode).
	DecodeMUTF7 = mutf7.Decode
	// ErrBadMUTF7 is returned by DecodeMUTF7 for a string that is not
	// valid modified UTF-7.
	ErrBadMUTF7 = mutf7.ErrBad
)
