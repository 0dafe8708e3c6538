package outlook

import (
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/korean"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"
	"golang.org/x/text/encoding/unicode"
)

// Windows code page numbers that have a special meaning here.
const (
	CodePageUTF8    = 65001
	CodePageDefault = 1252 // what DecodeCodePage assumes for 0 or unknown pages
)

type codePage struct {
	enc     encoding.Encoding // nil: UTF-8 or ASCII, bytes are used as they are
	charset string            // MIME charset name (RFC 2978 registry)
}

// codePages maps Windows code page numbers (as in PR_MESSAGE_CODEPAGE,
// PR_INTERNET_CPID and RTF \ansicpg) to decoders and MIME names.
var codePages = map[int]codePage{
	437:   {charmap.CodePage437, "ibm437"},
	850:   {charmap.CodePage850, "ibm850"},
	852:   {charmap.CodePage852, "ibm852"},
	855:   {charmap.CodePage855, "ibm855"},
	858:   {charmap.CodePage858, "ibm00858"},
	860:   {charmap.CodePage860, "ibm860"},
	862:   {charmap.CodePage862, "ibm862"},
	863:   {charmap.CodePage863, "ibm863"},
	865:   {charmap.CodePage865, "ibm865"},
	866:   {charmap.CodePage866, "ibm866"},
	874:   {charmap.Windows874, "windows-874"},
	932:   {japanese.ShiftJIS, "shift_jis"}, // x/text's ShiftJIS is Windows-31J (cp932)
	936:   {simplifiedchinese.GBK, "gbk"},
	949:   {korean.EUCKR, "euc-kr"}, // x/text's EUCKR includes the cp949 (UHC) extension
	950:   {traditionalchinese.Big5, "big5"},
	1200:  {unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM), "utf-16le"},
	1201:  {unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM), "utf-16be"},
	1250:  {charmap.Windows1250, "windows-1250"},
	1251:  {charmap.Windows1251, "windows-1251"},
	1252:  {charmap.Windows1252, "windows-1252"},
	1253:  {charmap.Windows1253, "windows-1253"},
	1254:  {charmap.Windows1254, "windows-1254"},
	1255:  {charmap.Windows1255, "windows-1255"},
	1256:  {charmap.Windows1256, "windows-1256"},
	1257:  {charmap.Windows1257, "windows-1257"},
	1258:  {charmap.Windows1258, "windows-1258"},
	10000: {charmap.Macintosh, "macintosh"},
	20127: {nil, "us-ascii"},
	20866: {charmap.KOI8R, "koi8-r"},
	21866: {charmap.KOI8U, "koi8-u"},
	20932: {japanese.EUCJP, "euc-jp"},
	28591: {charmap.ISO8859_1, "iso-8859-1"},
	28592: {charmap.ISO8859_2, "iso-8859-2"},
	28593: {charmap.ISO8859_3, "iso-8859-3"},
	28594: {charmap.ISO8859_4, "iso-8859-4"},
	28595: {charmap.ISO8859_5, "iso-8859-5"},
	28596: {charmap.ISO8859_6, "iso-8859-6"},
	28597: {charmap.ISO8859_7, "iso-8859-7"},
	28598: {charmap.ISO8859_8, "iso-8859-8"},
	28599: {charmap.ISO8859_9, "iso-8859-9"},
	28603: {charmap.ISO8859_13, "iso-8859-13"},
	28605: {charmap.ISO8859_15, "iso-8859-15"},
	38598: {charmap.ISO8859_8, "iso-8859-8-i"},
	50220: {japanese.ISO2022JP, "iso-2022-jp"},
	50221: {japanese.ISO2022JP, "iso-2022-jp"},
	50222: {japanese.ISO2022JP, "iso-2022-jp"},
	51932: {japanese.EUCJP, "euc-jp"},
	51936: {simplifiedchinese.GBK, "gb2312"},
	51949: {korean.EUCKR, "euc-kr"},
	52936: {simplifiedchinese.HZGB2312, "hz-gb-2312"},
	54936: {simplifiedchinese.GB18030, "gb18030"},
	65001: {nil, "utf-8"},
}

// CodePageEncoding returns the decoder for a Windows code page, or nil when
// the page is unknown. UTF-8 (65001) and US-ASCII (20127) also return nil:
// their bytes need no conversion.
func CodePageEncoding(cp int) encoding.Encoding {
	return codePages[cp].enc
}

// CodePageCharset returns the MIME charset name of a Windows code page
// ("shift_jis" for 932, "windows-1252" for 1252, "utf-8" for 65001), or ""
// when the page is unknown.
func CodePageCharset(cp int) string {
	return codePages[cp].charset
}

// asciiEscapes are the code pages whose text is not ASCII even when all its
// bytes are: UTF-16 and the 7-bit escape encodings.
var asciiEscapes = map[int]bool{1200: true, 1201: true, 50220: true, 50221: true, 50222: true, 52936: true}

// KnownCodePage reports whether DecodeCodePage knows cp.
func KnownCodePage(cp int) bool {
	_, ok := codePages[cp]
	return ok
}

// DecodeCodePage decodes b, an 8-bit string (PT_STRING8, RTF text) in
// Windows code page cp, to UTF-8. Bytes that are invalid in the code page
// become U+FFFD. Code page 0 and unknown pages are taken as windows-1252
// (the ANSI code page of western Windows), except that bytes which are
// valid UTF-8 are then kept as UTF-8. Pure ASCII is returned unchanged
// whatever cp says (except for UTF-16, ISO-2022-JP and HZ).
func DecodeCodePage(b []byte, cp int) string {
	p, ok := codePages[cp]
	if p.enc == nil && ok {
		if cp == 20127 || utf8.Valid(b) {
			return string(b)
		}
		return strings.ToValidUTF8(string(b), "\uFFFD")
	}
	if !asciiEscapes[cp] && isASCII(b) {
		return string(b)
	}
	if !ok {
		if utf8.Valid(b) {
			return string(b)
		}
		p = codePages[CodePageDefault]
	}
	// x/text decoders replace invalid input with U+FFFD and do not fail.
	out, err := p.enc.NewDecoder().Bytes(b)
	if err != nil {
		out = b
	}
	return strings.ToValidUTF8(string(out), "\uFFFD")
}

// FontCharsetCodePage maps an RTF \fcharsetN (a Windows GDI charset) to a
// code page, or 0 when it has none (SYMBOL, OEM, DEFAULT).
func FontCharsetCodePage(charset int) int {
	switch charset {
	case 0:
		return 1252
	case 77:
		return 10000
	case 128:
		return 932
	case 129:
		return 949
	case 134:
		return 936
	case 136:
		return 950
	case 161:
		return 1253
	case 162:
		return 1254
	case 163:
		return 1258
	case 177:
		return 1255
	case 178:
		return 1256
	case 186:
		return 1257
	case 204:
		return 1251
	case 222:
		return 874
	case 238:
		return 1250
	case 254:
		return 437
	}
	return 0
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return false
		}
	}
	return true
}
