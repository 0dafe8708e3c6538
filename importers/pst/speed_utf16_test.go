package pst

import (
	"math/rand/v2"
	"testing"
	"unicode/utf16"
)

// utf16Reference is the straightforward decoding utf16String replaces.
func utf16Reference(b []byte) string {
	u := make([]uint16, len(b)/2)
	for i := range u {
		u[i] = le.Uint16(b[2*i:])
	}
	for len(u) > 0 && u[len(u)-1] == 0 {
		u = u[:len(u)-1]
	}
	return string(utf16.Decode(u))
}

// utf16String decodes exactly like utf16.Decode: surrogate pairs,
// unpaired surrogates (U+FFFD), trailing NULs, odd lengths.
func TestUTF16String(t *testing.T) {
	cases := [][]byte{
		nil, {0}, {0, 0}, {'a', 0, 0, 0}, {'a', 0, 'b'},
		{0x3d, 0xd8, 0x00, 0xde},             // U+1F600
		{0x3d, 0xd8},                         // lone high surrogate at the end
		{0x00, 0xde, 'x', 0},                 // lone low surrogate
		{0x3d, 0xd8, 'x', 0, 0x00, 0xde},     // high, then not a low
		{0x3d, 0xd8, 0x3d, 0xd8, 0x00, 0xde}, // high, high, low
		{0xe5, 0x65, 0x2c, 0x67, 0, 0, 0, 0}, // 日本, NULs
		{0, 0, 'a', 0},                       // NUL inside stays
	}
	rng := rand.New(rand.NewPCG(7, 8))
	for i := 0; i < 20000; i++ {
		b := make([]byte, rng.IntN(24))
		for j := range b {
			switch rng.IntN(4) {
			case 0:
				b[j] = byte(0xd8 + rng.IntN(8)) // surrogates
			case 1:
				b[j] = 0
			default:
				b[j] = byte(rng.Uint32())
			}
		}
		cases = append(cases, b)
	}
	for _, b := range cases {
		if got, want := utf16String(b), utf16Reference(b); got != want {
			t.Fatalf("utf16String(% x) = %q, want %q", b, got, want)
		}
	}
}
