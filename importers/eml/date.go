package eml

import (
	"net/mail"
	"strings"
	"time"
)

// ParseDate parses a Date: header value leniently. It accepts RFC 5322
// dates with obsolete forms, comments ("(JST)"), missing weekday or
// seconds, two-digit years, named zones (UT, GMT, EST, JST, CEST, ...),
// asctime and ISO 8601. Dates outside 1970–2199 are refused.
func ParseDate(s string) (time.Time, bool) {
	s = strings.TrimSpace(stripComments(s))
	if s == "" {
		return time.Time{}, false
	}
	// QUIRK: named zones first become offsets: net/mail and time.Parse
	// take an unknown abbreviation (JST) as UTC.
	s = normalizeDate(s)
	if t, err := mail.ParseDate(s); err == nil && plausible(t) {
		return t, true
	}
	for _, layout := range dateLayouts {
		if t, err := time.Parse(layout, s); err == nil && plausible(t) {
			return t, true
		}
	}
	return time.Time{}, false
}

var (
	minDate = time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)
	maxDate = time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)
)

func plausible(t time.Time) bool { return !t.Before(minDate) && t.Before(maxDate) }

// stripComments removes RFC 5322 comments, nested ones included.
func stripComments(s string) string {
	if !strings.Contains(s, "(") {
		return s
	}
	var b strings.Builder
	depth := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\' && depth > 0:
			i++
		case c == '(':
			depth++
		case c == ')' && depth > 0:
			depth--
		case depth == 0:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// zoneOffsets are the named zones seen in Date: headers (RFC 5322 4.3
// and common usage) as numeric offsets.
var zoneOffsets = map[string]string{
	"UT": "+0000", "UTC": "+0000", "GMT": "+0000", "Z": "+0000", "WET": "+0000",
	"EST": "-0500", "EDT": "-0400", "CST": "-0600", "CDT": "-0500",
	"MST": "-0700", "MDT": "-0600", "PST": "-0800", "PDT": "-0700",
	"AKST": "-0900", "AKDT": "-0800", "HST": "-1000",
	"BST": "+0100", "CET": "+0100", "CEST": "+0200", "MET": "+0100", "MEST": "+0200",
	"EET": "+0200", "EEST": "+0300", "MSK": "+0300", "IST": "+0530",
	"JST": "+0900", "KST": "+0900", "HKT": "+0800", "SGT": "+0800", "AWST": "+0800",
	"ACST": "+0930", "AEST": "+1000", "AEDT": "+1100", "NZST": "+1200", "NZDT": "+1300",
}

// normalizeDate collapses white space, drops a trailing dot, turns named
// zones and "GMT+0900" into numeric offsets and "02-Jan-2006" into
// "02 Jan 2006".
func normalizeDate(s string) string {
	fs := strings.Fields(strings.ReplaceAll(s, ",", ", "))
	for i, f := range fs {
		f = strings.TrimSuffix(f, ".")
		up := strings.ToUpper(f)
		if off, ok := zoneOffsets[up]; ok && i > 0 {
			f = off
		} else if (strings.HasPrefix(up, "GMT") || strings.HasPrefix(up, "UTC")) && len(up) > 3 && (up[3] == '+' || up[3] == '-') {
			f = up[3:]
			if len(f) == 3 { // "GMT+09"
				f += "00"
			}
			f = strings.ReplaceAll(f, ":", "")
		} else if p := strings.Split(f, "-"); len(p) == 3 && isAlpha(p[1]) && p[0] != "" && p[2] != "" {
			f = strings.Join(p, " ")
		}
		fs[i] = f
	}
	s = strings.Join(fs, " ")
	s = strings.ReplaceAll(s, " ,", ",")
	return strings.Join(strings.Fields(s), " ")
}

var dateLayouts = []string{
	"Mon, 2 Jan 2006 15:04:05 -0700",
	"Mon, 2 Jan 2006 15:04 -0700",
	"2 Jan 2006 15:04:05 -0700",
	"2 Jan 2006 15:04 -0700",
	"Mon, 2 Jan 06 15:04:05 -0700",
	"2 Jan 06 15:04:05 -0700",
	"Mon, 2 January 2006 15:04:05 -0700",
	"Monday, 2 January 2006 15:04:05 -0700",
	"Monday, 2 Jan 2006 15:04:05 -0700",
	"Mon, 2 Jan 2006 15:04:05 -07:00",
	"Mon, Jan 2 2006 15:04:05 -0700",
	"Mon, 2 Jan 2006 15:04:05", // no zone: UTC
	"2 Jan 2006 15:04:05",
	"Mon Jan 2 15:04:05 2006", // asctime
	"Mon Jan 2 15:04:05 -0700 2006",
	"Mon, 2 Jan 2006 3:04:05 PM -0700",
	time.RFC3339,
	"2006-01-02 15:04:05 -0700",
	"2006-01-02 15:04:05",
	"2006/01/02 15:04:05 -0700",
	"2006/01/02 15:04:05",
}

func isAlpha(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i] | 0x20; c < 'a' || c > 'z' {
			return false
		}
	}
	return s != ""
}
