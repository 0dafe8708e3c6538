package outlook

import (
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// RTFKind is what an RTF body was made from (MS-OXRTFEX).
type RTFKind int

const (
	// RTFNative is RTF written as RTF (a "Rich Text" mail); it cannot be
	// turned back into HTML or text without loss.
	RTFNative RTFKind = iota
	// RTFFromHTML is HTML encapsulated in RTF (\fromhtml1).
	RTFFromHTML
	// RTFFromText is plain text encapsulated in RTF (\fromtext).
	RTFFromText
)

func (k RTFKind) String() string {
	switch k {
	case RTFFromHTML:
		return "fromhtml"
	case RTFFromText:
		return "fromtext"
	}
	return "native"
}

// DecapsulateRTF reads an (uncompressed) RTF document and returns what it
// was made from (MS-OXRTFEX) and the recovered content as UTF-8: the HTML
// for RTFFromHTML, the text for RTFFromText, and for RTFNative the
// document's plain text (formatting, pictures and objects dropped).
//
// It is best effort and never fails: \htmltag groups are emitted, text
// inside \htmlrtf ... \htmlrtf0 is suppressed, \'hh bytes are decoded with
// the code page of the current font (\fcharset, \cpg) or \ansicpg, and \uN
// escapes are honoured with \ucN skipping.
func DecapsulateRTF(rtf []byte) (RTFKind, string) {
	p := rtfParser{in: rtf, ansiCP: CodePageDefault, fontCP: map[int]int{}, deff: -1}
	p.run()
	p.flush()
	switch {
	case p.fromHTML:
		return RTFFromHTML, p.out.String()
	case p.fromText:
		return RTFFromText, p.out.String()
	}
	return RTFNative, p.out.String()
}

type rtfState struct {
	skip       bool // inside an ignored destination
	fontTable  bool // inside \fonttbl
	htmlTag    bool // inside {\*\htmltag ...}: always emitted
	htmlRTF    bool // \htmlrtf: RTF-only content, suppressed
	groupStart bool // the next token is the first of the group
	starred    bool // the group started with \*
	uc         int  // \ucN: characters to skip after \uN
	cp         int  // code page of the current font; 0: \ansicpg
}

type rtfParser struct {
	in       []byte
	i        int
	st       rtfState
	stack    []rtfState
	overflow int // groups opened beyond maxRTFDepth

	ansiCP   int
	deff     int
	fontCP   map[int]int
	curFont  int // the font being defined in \fonttbl
	fromHTML bool
	fromText bool

	out        strings.Builder
	pend       []byte // undecoded bytes
	pendCP     int
	skipN      int    // characters still to skip after \uN
	highSurrog uint16 // pending UTF-16 high surrogate from \uN
}

const maxRTFDepth = 512

// rtfSkipDests are destinations whose text is not document content.
var rtfSkipDests = map[string]bool{
	"colortbl": true, "stylesheet": true, "info": true, "pict": true, "object": true,
	"header": true, "footer": true, "headerl": true, "headerr": true, "headerf": true,
	"footerl": true, "footerr": true, "footerf": true, "fldinst": true, "listtable": true,
	"listoverridetable": true, "rsidtbl": true, "generator": true, "xmlnstbl": true,
	"themedata": true, "colorschememapping": true, "latentstyles": true, "datastore": true,
	"filetbl": true, "revtbl": true, "pgdsctbl": true, "nonshppict": true, "shppict": true,
	"private": true, "bkmkstart": true, "bkmkend": true, "mmathPr": true,
	"footnote": true, "annotation": true, "atnid": true, "atnauthor": true, "xe": true, "tc": true,
	"blipuid": true, "objdata": true, "userprops": true, "docvar": true, "sp": true, "sn": true, "sv": true,
}

func (p *rtfParser) emitting() bool {
	return !p.st.skip && !p.st.fontTable && (p.st.htmlTag || !p.st.htmlRTF)
}

func (p *rtfParser) curCP() int {
	if p.st.cp != 0 {
		return p.st.cp
	}
	return p.ansiCP
}

// byteOut adds one text byte in the current code page.
func (p *rtfParser) byteOut(c byte) {
	if p.skipN > 0 {
		p.skipN--
		return
	}
	if !p.emitting() {
		return
	}
	cp := p.curCP()
	if len(p.pend) > 0 && p.pendCP != cp {
		p.flush()
	}
	p.pendCP = cp
	p.pend = append(p.pend, c)
}

func (p *rtfParser) runeOut(r rune) {
	if !p.emitting() {
		return
	}
	p.flush()
	p.out.WriteRune(r)
}

func (p *rtfParser) stringOut(s string) {
	if !p.emitting() {
		return
	}
	p.flush()
	p.out.WriteString(s)
}

func (p *rtfParser) flush() {
	if p.highSurrog != 0 {
		p.out.WriteRune(utf8.RuneError)
		p.highSurrog = 0
	}
	if len(p.pend) == 0 {
		return
	}
	p.out.WriteString(DecodeCodePage(p.pend, p.pendCP))
	p.pend = p.pend[:0]
}

func (p *rtfParser) run() {
	p.st.uc = 1
	for p.i < len(p.in) {
		c := p.in[p.i]
		p.i++
		switch c {
		case '{':
			p.skipN = 0
			if len(p.stack) >= maxRTFDepth {
				p.overflow++
				continue
			}
			p.stack = append(p.stack, p.st)
			p.st.groupStart = true
			p.st.starred = false
		case '}':
			p.skipN = 0
			if p.overflow > 0 {
				p.overflow--
				continue
			}
			if len(p.stack) == 0 {
				return // the end of the document
			}
			wasTag := p.st.htmlTag
			p.st = p.stack[len(p.stack)-1]
			p.stack = p.stack[:len(p.stack)-1]
			if wasTag && !p.st.htmlTag {
				p.flush()
			}
		case '\\':
			p.control()
		case '\r', '\n':
			// Line breaks in RTF source are not content.
		default:
			p.st.groupStart = false
			p.byteOut(c)
		}
	}
}

func isRTFLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

func (p *rtfParser) control() {
	if p.i >= len(p.in) {
		return
	}
	c := p.in[p.i]
	if !isRTFLetter(c) {
		p.i++
		p.symbol(c)
		return
	}
	start := p.i
	for p.i < len(p.in) && isRTFLetter(p.in[p.i]) && p.i-start < 32 {
		p.i++
	}
	word := string(p.in[start:p.i])
	param, hasParam := 0, false
	neg := false
	if p.i < len(p.in) && p.in[p.i] == '-' && p.i+1 < len(p.in) && isDigit(p.in[p.i+1]) {
		neg = true
		p.i++
	}
	for n := 0; p.i < len(p.in) && isDigit(p.in[p.i]) && n < 10; n++ {
		param = param*10 + int(p.in[p.i]-'0')
		hasParam = true
		p.i++
	}
	if neg {
		param = -param
	}
	if p.i < len(p.in) && p.in[p.i] == ' ' {
		p.i++
	}
	p.word(word, param, hasParam)
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func (p *rtfParser) symbol(c byte) {
	switch c {
	case '*':
		if p.st.groupStart {
			p.st.starred = true
			return
		}
	case '\'':
		p.st.groupStart = false
		if p.i+1 < len(p.in) {
			if b, ok := unhex(p.in[p.i], p.in[p.i+1]); ok {
				p.i += 2
				p.byteOut(b)
			}
		}
		return
	}
	p.st.groupStart = false
	if p.skipN > 0 {
		p.skipN--
		return
	}
	switch c {
	case '{', '}', '\\':
		p.byteOut(c)
	case '~':
		p.runeOut('\u00a0')
	case '_':
		p.runeOut('\u2011')
	case '\r', '\n':
		p.stringOut("\r\n")
	}
}

func unhex(a, b byte) (byte, bool) {
	x, ok1 := hexVal(a)
	y, ok2 := hexVal(b)
	return x<<4 | y, ok1 && ok2
}

func hexVal(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

func (p *rtfParser) word(w string, param int, hasParam bool) {
	first := p.st.groupStart
	p.st.groupStart = false
	if first {
		switch {
		case p.st.starred && (w == "htmltag"):
			p.st.htmlTag = true
			p.st.htmlRTF = false
			return
		case p.st.starred:
			p.st.skip = true
			return
		case w == "fonttbl":
			p.st.fontTable = true
			return
		case rtfSkipDests[w]:
			p.st.skip = true
			return
		}
	}
	if w == "u" {
		p.unicode(param)
		return
	}
	if p.skipN > 0 {
		p.skipN--
		return
	}
	switch w {
	case "fromhtml":
		if len(p.stack) <= 1 && (!hasParam || param == 1) {
			p.fromHTML = true
		}
	case "fromtext":
		if len(p.stack) <= 1 {
			p.fromText = true
		}
	case "ansicpg":
		if KnownCodePage(param) {
			p.ansiCP = param
		}
	case "deff":
		p.deff = param
	case "f":
		if p.st.fontTable {
			p.curFont = param
			return
		}
		p.st.cp = p.fontCP[param]
	case "fcharset":
		if p.st.fontTable {
			if cp := FontCharsetCodePage(param); cp != 0 {
				if _, set := p.fontCP[p.curFont]; !set {
					p.fontCP[p.curFont] = cp
				}
			}
		}
	case "cpg":
		if p.st.fontTable && KnownCodePage(param) {
			p.fontCP[p.curFont] = param
		}
	case "plain":
		// \plain resets character formatting to the default font.
		if p.deff >= 0 {
			p.st.cp = p.fontCP[p.deff]
		}
	case "uc":
		if param >= 0 && param < 16 {
			p.st.uc = param
		}
	case "htmlrtf":
		p.st.htmlRTF = !hasParam || param != 0
	case "bin":
		if param > 0 {
			p.i = min(len(p.in), p.i+param)
		}
	case "par", "line", "sect", "page":
		p.stringOut("\r\n")
	case "row":
		p.stringOut("\r\n")
	case "tab", "cell":
		p.stringOut("\t")
	case "emdash":
		p.runeOut('\u2014')
	case "endash":
		p.runeOut('\u2013')
	case "bullet":
		p.runeOut('\u2022')
	case "lquote":
		p.runeOut('\u2018')
	case "rquote":
		p.runeOut('\u2019')
	case "ldblquote":
		p.runeOut('\u201c')
	case "rdblquote":
		p.runeOut('\u201d')
	case "emspace", "enspace", "qmspace":
		p.runeOut(' ')
	}
}

func (p *rtfParser) unicode(n int) {
	// QUIRK: RTF \uN takes a signed 16-bit value; characters above
	// U+7FFF are written negative, and astral ones as two surrogates.
	u := uint16(int16(n))
	if !p.emitting() {
		p.skipN = p.st.uc
		return
	}
	p.flush0()
	switch {
	case utf16.IsSurrogate(rune(u)) && u < 0xdc00:
		p.highSurrog = u
	case utf16.IsSurrogate(rune(u)) && p.highSurrog != 0:
		p.out.WriteRune(utf16.DecodeRune(rune(p.highSurrog), rune(u)))
		p.highSurrog = 0
	default:
		if p.highSurrog != 0 {
			p.out.WriteRune(utf8.RuneError)
			p.highSurrog = 0
		}
		if utf16.IsSurrogate(rune(u)) {
			p.out.WriteRune(utf8.RuneError)
		} else {
			p.out.WriteRune(rune(u))
		}
	}
	p.skipN = p.st.uc
}

// flush0 decodes pending bytes but keeps a pending high surrogate.
func (p *rtfParser) flush0() {
	if len(p.pend) == 0 {
		return
	}
	p.out.WriteString(DecodeCodePage(p.pend, p.pendCP))
	p.pend = p.pend[:0]
}
