package outlook

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Compressed RTF (PR_RTF_COMPRESSED), MS-OXRTFCP.

const (
	rtfTypeCompressed   = 0x75465a4c // "LZFu"
	rtfTypeUncompressed = 0x414c454d // "MELA"
	rtfHeaderLen        = 16
	// maxRTFOut bounds the output whatever the header claims.
	maxRTFOut = 256 << 20
)

// rtfPrebuf is the dictionary's initial content (MS-OXRTFCP 2.1.2.1.1).
const rtfPrebuf = "{\\rtf1\\ansi\\mac\\deff0\\deftab720{\\fonttbl;}{\\f0\\fnil \\froman \\fswiss \\fmodern \\fscript \\fdecor MS Sans SerifSymbolArialTimes New RomanCourier{\\colortbl\\red0\\green0\\blue0\r\n\\par \\pard\\plain\\f0\\fs20\\b\\i\\u\\tab\\tx"

// ErrRTFCRC is returned (wrapped) by DecompressRTF when the data decoded
// but its CRC does not match the header; the decoded bytes are returned
// with it.
var ErrRTFCRC = errors.New("compressed RTF: CRC mismatch")

// ErrRTFFormat is returned (wrapped) for data that is not compressed RTF.
var ErrRTFFormat = errors.New("not compressed RTF")

// DecompressRTF decodes PR_RTF_COMPRESSED (MS-OXRTFCP): the LZFu and MELA
// (stored) variants. It never reads outside b and never returns more than
// the header's raw size (nor more than 256 MiB). On a CRC mismatch it
// returns the decoded data and an error wrapping ErrRTFCRC; on truncated
// input it returns what could be decoded and an error.
func DecompressRTF(b []byte) ([]byte, error) {
	if len(b) < rtfHeaderLen {
		return nil, fmt.Errorf("%w: %d bytes, header needs 16", ErrRTFFormat, len(b))
	}
	compSize := binary.LittleEndian.Uint32(b[0:4])
	rawSize := binary.LittleEndian.Uint32(b[4:8])
	typ := binary.LittleEndian.Uint32(b[8:12])
	crc := binary.LittleEndian.Uint32(b[12:16])
	// COMPSIZE counts the bytes after itself.
	end := len(b)
	if int64(compSize)+4 < int64(end) && compSize >= rtfHeaderLen-4 {
		end = int(compSize) + 4
	}
	data := b[rtfHeaderLen:end]
	limit := int(min(int64(rawSize), maxRTFOut))
	switch typ {
	case rtfTypeUncompressed:
		// QUIRK: MS-OXRTFCP 2.1.3.1.1: MELA data is stored as is and its
		// CRC field is 0, not checked.
		if len(data) > limit {
			data = data[:limit]
		}
		out := append([]byte(nil), data...)
		if len(out) < limit {
			return out, fmt.Errorf("compressed RTF: stored data truncated (%d of %d bytes)", len(out), limit)
		}
		return out, nil
	case rtfTypeCompressed:
	default:
		return nil, fmt.Errorf("%w: type %#08x", ErrRTFFormat, typ)
	}
	out, err := lzfuDecode(data, limit)
	if err != nil {
		return out, err
	}
	if got := rtfCRC(data); got != crc {
		return out, fmt.Errorf("%w (header %#08x, data %#08x)", ErrRTFCRC, crc, got)
	}
	return out, nil
}

func lzfuDecode(data []byte, limit int) ([]byte, error) {
	var dict [4096]byte
	copy(dict[:], rtfPrebuf)
	wpos := len(rtfPrebuf)
	out := make([]byte, 0, min(limit, 8*len(data)+64))
	i := 0
	for i < len(data) {
		ctrl := data[i]
		i++
		for bit := 0; bit < 8; bit++ {
			if ctrl&(1<<bit) == 0 {
				if i >= len(data) {
					return out, errTruncatedRTF(len(out), limit)
				}
				c := data[i]
				i++
				if len(out) >= limit {
					return out, nil
				}
				out = append(out, c)
				dict[wpos] = c
				wpos = (wpos + 1) & 0xfff
				continue
			}
			if i+1 >= len(data) {
				return out, errTruncatedRTF(len(out), limit)
			}
			ref := int(data[i])<<8 | int(data[i+1])
			i += 2
			off := ref >> 4
			n := ref&0xf + 2
			if off == wpos {
				// The end marker: a reference to the write position.
				return out, nil
			}
			for k := 0; k < n; k++ {
				if len(out) >= limit {
					return out, nil
				}
				c := dict[(off+k)&0xfff]
				out = append(out, c)
				dict[wpos] = c
				wpos = (wpos + 1) & 0xfff
			}
		}
	}
	// QUIRK: some writers end the data exactly at a control byte boundary
	// without an end marker; what was decoded is complete if it reached
	// the raw size.
	if len(out) < limit {
		return out, errTruncatedRTF(len(out), limit)
	}
	return out, nil
}

func errTruncatedRTF(got, want int) error {
	return fmt.Errorf("compressed RTF: data ends early (%d of %d bytes decoded)", got, want)
}

var rtfCRCTable = func() (t [256]uint32) {
	for i := range t {
		c := uint32(i)
		for k := 0; k < 8; k++ {
			if c&1 != 0 {
				c = 0xedb88320 ^ c>>1
			} else {
				c >>= 1
			}
		}
		t[i] = c
	}
	return t
}()

// rtfCRC is the CRC of MS-OXRTFCP 2.1.3.2: CRC-32's table, but starting at
// 0 and without the final inversion.
func rtfCRC(b []byte) uint32 {
	var crc uint32
	for _, c := range b {
		crc = rtfCRCTable[byte(crc)^c] ^ crc>>8
	}
	return crc
}

// CompressRTF encodes raw RTF as PR_RTF_COMPRESSED (LZFu, MS-OXRTFCP) so
// that DecompressRTF gives raw back. It is a simple greedy encoder meant
// for writers of test fixtures: it searches the whole 4 KiB dictionary at
// every position, O(len(raw) × 4096).
func CompressRTF(raw []byte) []byte {
	var dict [4096]byte
	copy(dict[:], rtfPrebuf)
	wpos := len(rtfPrebuf)
	var data []byte
	ctrlAt, bit := -1, 8
	token := func(ref bool) {
		if bit == 8 {
			ctrlAt, bit = len(data), 0
			data = append(data, 0)
		}
		if ref {
			data[ctrlAt] |= 1 << bit
		}
		bit++
	}
	for i := 0; i < len(raw); {
		bestOff, bestLen := 0, 0
		maxLen := min(17, len(raw)-i)
		for off := 0; off < 4096 && maxLen >= 2; off++ {
			if off == wpos {
				continue // a reference to the write position ends the stream
			}
			n := 0
			for ; n < maxLen; n++ {
				c := (off + n) & 0xfff
				var b byte
				if d := (c - wpos) & 0xfff; d < n {
					b = raw[i+d] // written earlier in this same match
				} else {
					b = dict[c]
				}
				if b != raw[i+n] {
					break
				}
			}
			if n > bestLen {
				bestOff, bestLen = off, n
				if n == maxLen {
					break
				}
			}
		}
		if bestLen >= 2 {
			token(true)
			ref := bestOff<<4 | (bestLen - 2)
			data = append(data, byte(ref>>8), byte(ref))
		} else {
			bestLen = 1
			token(false)
			data = append(data, raw[i])
		}
		for k := 0; k < bestLen; k++ {
			dict[wpos] = raw[i+k]
			wpos = (wpos + 1) & 0xfff
		}
		i += bestLen
	}
	token(true)
	ref := wpos << 4
	data = append(data, byte(ref>>8), byte(ref))
	out := make([]byte, rtfHeaderLen, rtfHeaderLen+len(data))
	binary.LittleEndian.PutUint32(out[0:], uint32(len(data)+rtfHeaderLen-4))
	binary.LittleEndian.PutUint32(out[4:], uint32(len(raw)))
	binary.LittleEndian.PutUint32(out[8:], rtfTypeCompressed)
	binary.LittleEndian.PutUint32(out[12:], rtfCRC(data))
	return append(out, data...)
}
