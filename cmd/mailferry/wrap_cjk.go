package main

import (
	"strings"
	"unicode/utf8"

	"golang.org/x/text/width"
)

// wrapUnit is a piece of a line that wrapText keeps whole; space says
// whether a space separates it from the piece before.
type wrapUnit struct {
	text  string
	space bool
}

// noLineStart are characters that stay with the character before them
// (Japanese line-breaking rules, kinsoku, in short).
const noLineStart = "、。，．・：；？！）」』】〕〉》ー々ぁぃぅぇぉっゃゅょァィゥェォッャュョ,.:;!?)]}%"

func isWide(r rune) bool {
	k := width.LookupRune(r).Kind()
	return k == width.EastAsianWide || k == width.EastAsianFullwidth
}

// wrapUnits splits line into the pieces wrapText may break between: the
// words of the line, each full-width character on its own (Japanese has no
// spaces between words; punctuation stays with the character before it),
// and any run wider than max cut into pieces of at most max columns.
func wrapUnits(line string, max int) []wrapUnit {
	if max < 1 {
		max = 1
	}
	var out []wrapUnit
	for _, word := range strings.Fields(line) {
		var pieces []string
		cur := ""
		for _, r := range word {
			switch {
			case isWide(r) && !strings.ContainsRune(noLineStart, r):
				if cur != "" {
					pieces = append(pieces, cur)
				}
				cur = string(r)
			case cur != "" && isWide(lastRune(cur)) && !strings.ContainsRune(noLineStart, r):
				// a narrow character after a full-width one starts a new piece
				pieces = append(pieces, cur)
				cur = string(r)
			default:
				cur += string(r)
			}
		}
		if cur != "" {
			pieces = append(pieces, cur)
		}
		for i, p := range pieces {
			sp := i == 0
			for displayWidth(p) > max {
				head := cutWidth(p, max)
				out = append(out, wrapUnit{text: head, space: sp})
				p, sp = p[len(head):], false
			}
			out = append(out, wrapUnit{text: p, space: sp})
		}
	}
	return out
}

func lastRune(s string) rune {
	r, _ := utf8.DecodeLastRuneInString(s)
	return r
}

// cutWidth is the longest prefix of s at most w columns wide (at least
// one character).
func cutWidth(s string, w int) string {
	n, end := 0, 0
	for i, r := range s {
		rw := 1
		if isWide(r) {
			rw = 2
		}
		if n+rw > w && end > 0 {
			break
		}
		n += rw
		end = i + utf8.RuneLen(r)
	}
	return s[:end]
}
