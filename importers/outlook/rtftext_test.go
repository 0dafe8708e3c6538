package outlook

import (
	"testing"
)

func TestDecapsulateRTF(t *testing.T) {
	tests := []struct {
		name     string
		rtf      string
		wantKind RTFKind
		want     string
	}{
		{
			name: "fromhtml as Outlook writes it",
			rtf: "{\\rtf1\\ansi\\ansicpg1252\\fromhtml1 \\fbidis \\deff0{\\fonttbl\r\n" +
				"{\\f0\\fswiss\\fcharset0 Arial;}\r\n{\\f1\\fmodern Courier New;}}\r\n" +
				"{\\colortbl\\red0\\green0\\blue0;}\r\n\\uc1\\pard\\plain\\deftab360 \\f0\\fs24 " +
				"{\\*\\htmltag19 <html>}{\\*\\htmltag34 <head>}{\\*\\htmltag41 </head>}{\\*\\htmltag50 <body>}" +
				"{\\*\\htmltag64 <p>}\\htmlrtf {\\htmlrtf0 Caf\\'e9 & \\{x\\}\\htmlrtf \\par\r\n}\\htmlrtf0 " +
				"{\\*\\htmltag72 </p>}{\\*\\htmltag84 &nbsp;}\\htmlrtf \\'a0\\htmlrtf0 " +
				"{\\*\\htmltag58 </body>}{\\*\\htmltag27 </html>}}",
			wantKind: RTFFromHTML,
			want:     "<html><head></head><body><p>Café & {x}</p>&nbsp;</body></html>",
		},
		{
			name: "fromhtml Japanese, cp932 bytes via the font charset",
			rtf: "{\\rtf1\\ansi\\ansicpg1252\\fromhtml1 \\deff0{\\fonttbl{\\f0\\fswiss\\fcharset128 MS PGothic;}}" +
				"\\f0 {\\*\\htmltag64 <p>}\\'93\\'fa\\'96\\'7b\\'8c\\'ea{\\*\\htmltag72 </p>}}",
			wantKind: RTFFromHTML,
			want:     "<p>日本語</p>",
		},
		{
			name: "unicode escapes with \\uc1 fallbacks and a surrogate pair",
			rtf: "{\\rtf1\\ansi\\fromhtml1 {\\*\\htmltag64 <p>}\\u26085?\\u26412?\\u-30050?\\uc2\\u-10179\\'3f\\'3f\\u-8704\\'3f\\'3f" +
				"{\\*\\htmltag72 </p>}}",
			wantKind: RTFFromHTML,
			want:     "<p>日本語😀</p>",
		},
		{
			name: "fromtext",
			rtf: "{\\rtf1\\ansi\\ansicpg1252\\fromtext \\fbidis \\deff0{\\fonttbl{\\f0\\fswiss Arial;}}" +
				"{\\*\\generator Microsoft Exchange Server;}\\pard\\plain\\f0 Hello\\par\r\nWorld\\tab!\\par\r\n}",
			wantKind: RTFFromText,
			want:     "Hello\r\nWorld\t!\r\n",
		},
		{
			name:     "native RTF gives its text",
			rtf:      "{\\rtf1\\ansi\\deff0{\\fonttbl{\\f0 Times;}}{\\info{\\title x}}{\\pict\\pngblip 89504e47}\\b Bold\\b0  and \\i it\\i0\\par}",
			wantKind: RTFNative,
			want:     "Bold and it\r\n",
		},
		{
			name:     "\\bin skips binary data",
			rtf:      "{\\rtf1 a\\bin3 }}}b}",
			wantKind: RTFNative,
			want:     "ab",
		},
		{
			name:     "unbalanced and truncated input",
			rtf:      "{\\rtf1\\fromhtml1 {\\*\\htmltag64 <p>}}}}text\\'",
			wantKind: RTFFromHTML,
			want:     "<p>",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kind, got := DecapsulateRTF([]byte(tt.rtf))
			if kind != tt.wantKind || got != tt.want {
				t.Errorf("DecapsulateRTF = %v, %q; want %v, %q", kind, got, tt.wantKind, tt.want)
			}
		})
	}
}

func FuzzDecapsulateRTF(f *testing.F) {
	f.Add([]byte("{\\rtf1\\ansi\\ansicpg932\\fromhtml1 {\\fonttbl{\\f0\\fcharset128 x;}}\\f0{\\*\\htmltag64 <p>}\\'82\\'a0\\u-1?}"))
	f.Add([]byte("{\\rtf1 \\bin99999 x}"))
	f.Add([]byte("{\\rtf1\\uc9\\u-10179\\u1 {{{{{{"))
	f.Fuzz(func(t *testing.T, b []byte) {
		_, s := DecapsulateRTF(b)
		if len(s) > 4*len(b)+16 {
			t.Fatalf("output of %d bytes for %d bytes of input", len(s), len(b))
		}
	})
}
