package outlook

import (
	"bytes"
	"errors"
	"testing"
)

// specExample is MS-OXRTFCP 3.1.1: "{\rtf1\ansi\ansicpg1252\pard hello world}\r\n".
var specExample = []byte{
	0x2d, 0x00, 0x00, 0x00, 0x2b, 0x00, 0x00, 0x00, 0x4c, 0x5a, 0x46, 0x75, 0xf1, 0xc5, 0xc7, 0xa7,
	0x03, 0x00, 0x0a, 0x00, 0x72, 0x63, 0x70, 0x67, 0x31, 0x32, 0x35, 0x42, 0x32, 0x0a, 0xf3, 0x20,
	0x68, 0x65, 0x6c, 0x09, 0x00, 0x20, 0x62, 0x77, 0x05, 0xb0, 0x6c, 0x64, 0x7d, 0x0a, 0x80, 0x0f,
	0xa0,
}

const specRaw = "{\\rtf1\\ansi\\ansicpg1252\\pard hello world}\r\n"

func TestDecompressRTF(t *testing.T) {
	mela := append([]byte{0, 0, 0, 0, 5, 0, 0, 0, 'M', 'E', 'L', 'A', 0, 0, 0, 0}, "{\\rtf"...)
	mela[0] = byte(len(mela) - 4)
	badCRC := bytes.Clone(specExample)
	badCRC[12] ^= 0xff
	tests := []struct {
		name    string
		in      []byte
		want    string
		wantErr error // nil: none; errAny: some error
	}{
		{"spec example", specExample, specRaw, nil},
		{"MELA stored", mela, "{\\rtf", nil},
		// QUIRK: MS-OXRTFCP 2.1.3.1.3 says a reader fails on a bad CRC; the
		// data is returned anyway so that Build never drops an RTF body.
		{"bad CRC", badCRC, specRaw, ErrRTFCRC},
		{"short header", specExample[:10], "", ErrRTFFormat},
		{"unknown type", append(append([]byte(nil), specExample[:8]...), "XXXX\x00\x00\x00\x00"...), "", ErrRTFFormat},
		{"truncated data", specExample[:30], "", errAny},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecompressRTF(tt.in)
			switch {
			case tt.wantErr == nil && err != nil:
				t.Fatalf("DecompressRTF: %v", err)
			case tt.wantErr == errAny && err == nil, tt.wantErr != nil && tt.wantErr != errAny && !errors.Is(err, tt.wantErr):
				t.Fatalf("DecompressRTF error = %v, want %v", err, tt.wantErr)
			}
			if tt.want != "" && string(got) != tt.want {
				t.Errorf("DecompressRTF = %q, want %q", got, tt.want)
			}
		})
	}
}

var errAny = errors.New("any error")

func TestCompressRTFRoundTrip(t *testing.T) {
	inputs := []string{
		"",
		"a",
		specRaw,
		"{\\rtf1\\ansi\\ansicpg932\\fromhtml1 \\deff0{\\fonttbl{\\f0\\fswiss\\fcharset128 MS PGothic;}}" +
			"{\\*\\htmltag19 <html>}{\\*\\htmltag64 <p>}\\'82\\'b1\\'82\\'f1\\'82\\'c9\\'82\\'bf\\'82\\'cd{\\*\\htmltag72 </p>}}",
		string(bytes.Repeat([]byte("abcabcabc{\\par}"), 600)), // wraps the 4 KiB dictionary
	}
	for _, in := range inputs {
		c := CompressRTF([]byte(in))
		got, err := DecompressRTF(c)
		if err != nil {
			t.Fatalf("DecompressRTF(CompressRTF(%.30q)): %v", in, err)
		}
		if string(got) != in {
			t.Fatalf("round trip of %.30q gave %.30q", in, got)
		}
	}
	if c := CompressRTF([]byte(specRaw)); len(c) > len(specExample)+8 {
		t.Errorf("CompressRTF(spec example) is %d bytes, the spec's is %d", len(c), len(specExample))
	}
}

func FuzzDecompressRTF(f *testing.F) {
	f.Add(specExample)
	f.Add(CompressRTF([]byte("{\\rtf1 hello hello hello}")))
	f.Add([]byte("\x14\x00\x00\x00\xff\xff\xff\xffMELA\x00\x00\x00\x00{\\rtf"))
	f.Fuzz(func(t *testing.T, b []byte) {
		out, _ := DecompressRTF(b)
		if len(b) >= 8 {
			raw := int(uint32(b[4]) | uint32(b[5])<<8 | uint32(b[6])<<16 | uint32(b[7])<<24)
			if raw >= 0 && len(out) > raw {
				t.Fatalf("decoded %d bytes, header says %d", len(out), raw)
			}
		}
		DecapsulateRTF(out)
	})
}

func FuzzCompressRTF(f *testing.F) {
	f.Add([]byte(specRaw))
	f.Add([]byte("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		if len(raw) > 2048 {
			raw = raw[:2048]
		}
		got, err := DecompressRTF(CompressRTF(raw))
		if err != nil || !bytes.Equal(got, raw) {
			t.Fatalf("round trip of %q: %q, %v", raw, got, err)
		}
	})
}
