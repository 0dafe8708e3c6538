package pst

import "github.com/mailferry/mailferry/importers/outlook"

// decodeCP decodes 8-bit text (PT_STRING8) in Windows code page cp; 0 means
// unknown (windows-1252, or UTF-8 when the bytes are valid UTF-8).
func decodeCP(b []byte, cp int) string { return outlook.DecodeCodePage(b, cp) }

// knownCodepage reports whether cp can be decoded.
func knownCodepage(cp int) bool { return cp != 0 && outlook.KnownCodePage(cp) }

// charsetName is the MIME charset for code page cp ("" when unknown).
func charsetName(cp int) string { return outlook.CodePageCharset(cp) }

// ansiCodepage maps an internet code page (PR_INTERNET_CPID) to the Windows
// code page of the same script, in which 8-bit strings of the item are
// stored; 0 when there is none (UTF-8, UTF-16).
func ansiCodepage(cp int) int {
	switch cp {
	case 50220, 50221, 50222, 51932, 20932:
		return 932
	case 51949, 50225:
		return 949
	case 51936, 52936, 20936, 50227:
		return 936
	case 28591, 28605, 20127:
		return 1252
	case 28592:
		return 1250
	case 28595, 20866, 21866:
		return 1251
	case 28597:
		return 1253
	case 28599:
		return 1254
	case 28598, 38598:
		return 1255
	case 28596:
		return 1256
	case 28594, 28603:
		return 1257
	case 65001, 65000, 1200, 1201:
		return 0
	}
	if knownCodepage(cp) {
		return cp
	}
	return 0
}
