package mbox

import (
	"net/mail"
	"strings"
	"time"
)

// ParseFromLine parses an mbox envelope line, "From <sender> <date>", with
// or without the leading "From " and the line end. ok is false when no
// date can be found; the line is then not a separator for the strict rule
// of Reader (see the package doc).
//
// The date may be in asctime form with the zone, if any, before or after
// the year, or in RFC 5322 form; the weekday is optional and not checked
// against the date. These are all accepted:
//
//	From - Mon Jan  1 00:00:00 2001                  (Thunderbird, Netscape)
//	From MAILER-DAEMON Fri Jul  8 12:08:34 2011      (bounces)
//	From bob@example.com Sat Jan 03 01:05:34 1996    (RFC 4155)
//	From bob Sat Jan  3 01:05:34 1996 +0100          (pine, zone last)
//	From 1234@xxx Tue Jan 21 14:42:05 +0000 2020     (Google Takeout, zone before the year)
//	From bob Sat Jan  3 01:05:34 PST 1996            (Solaris, named zone)
//	From bob Mon, 1 Jan 2001 00:00:00 +0000          (RFC 5322 date)
//	From Mon Jan  1 00:00:00 2001                    (no sender)
//	From bob Mon Jan  1 00:00 2001 remote from host  (UUCP; no seconds)
//
// A date without a zone (the usual asctime form) is taken in loc, which
// ReaderOptions sets to time.Local: that is how older Thunderbird versions
// and most Unix MDAs wrote it. A named zone other than UT, UTC, GMT, Z,
// the RFC 822 US zones and a few common European and Asian ones is taken
// in loc too. Two-digit years are not accepted here.
func ParseFromLine(line string, loc *time.Location) (sender string, date time.Time, ok bool) {
	line = strings.TrimRight(line, "\r\n")
	line = strings.TrimPrefix(line, "From ")
	tok := strings.Fields(line)
	if len(tok) == 0 {
		return "", time.Time{}, false
	}
	if loc == nil {
		loc = time.Local
	}
	// No sender: the date starts at once.
	if isWeekday(tok[0]) || monthOf(tok[0]) > 0 {
		if d, ok := parseDateTokens(tok, loc, false); ok {
			return "", d, true
		}
	}
	// A sender of up to three tokens (some writers let spaces through).
	for i := 1; i <= 3 && i < len(tok); i++ {
		if d, ok := parseDateTokens(tok[i:], loc, false); ok {
			return strings.Join(tok[:i], " "), d, true
		}
	}
	return tok[0], time.Time{}, false
}

// ParseHeaderDate parses the value of a Date: header leniently: RFC 5322
// (through net/mail), then the same forms as ParseFromLine, with two-digit
// years (obsolete RFC 822 syntax) and trailing comments allowed. A date
// without a zone is taken as UTC.
func ParseHeaderDate(v string) (time.Time, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}, false
	}
	// Comments ("(PST)", "(added by postmaster)") are dropped first.
	s := v
	if strings.IndexByte(v, '(') >= 0 {
		var b strings.Builder
		depth := 0
		for _, r := range v {
			switch {
			case r == '(':
				depth++
			case r == ')' && depth > 0:
				depth--
			case depth == 0:
				b.WriteRune(r)
			}
		}
		s = b.String()
	}
	// Our own token parser first: net/mail tries layout after layout and
	// allocates an error for each miss, which shows when scanning
	// thousands of messages.
	if d, ok := parseDateTokens(strings.Fields(s), time.UTC, true); ok {
		return d, true
	}
	if d, err := mail.ParseDate(v); err == nil {
		return d, true
	}
	return time.Time{}, false
}

var weekdays = [...]string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}
var months = [...]string{"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}

func isWeekday(s string) bool {
	s = strings.TrimSuffix(s, ",")
	if len(s) < 3 {
		return false
	}
	for _, w := range weekdays {
		if strings.EqualFold(s[:3], w) {
			// "Mon" or "Monday", nothing else.
			return len(s) == 3 || len(s) > 5 && strings.EqualFold(s[len(s)-3:], "day")
		}
	}
	return false
}

// monthOf returns 1..12 for "Jan", "jan", "January" ..., 0 otherwise.
func monthOf(s string) time.Month {
	s = strings.TrimSuffix(s, ",")
	if len(s) < 3 {
		return 0
	}
	for i, m := range months {
		if strings.EqualFold(s[:3], m) {
			full := time.Month(i + 1).String()
			if len(s) == 3 || len(s) <= len(full) && strings.EqualFold(full[:len(s)], s) {
				return time.Month(i + 1)
			}
		}
	}
	return 0
}

func digits(s string, min, max int) (int, bool) {
	if len(s) < min || len(s) > max {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// clock parses "15:04:05" or "15:04".
func clock(s string) (h, m, sec int, ok bool) {
	parts := strings.Split(s, ":")
	if len(parts) != 2 && len(parts) != 3 {
		return 0, 0, 0, false
	}
	var ok1, ok2, ok3 bool
	h, ok1 = digits(parts[0], 1, 2)
	m, ok2 = digits(parts[1], 2, 2)
	ok3 = true
	if len(parts) == 3 {
		sec, ok3 = digits(parts[2], 2, 2)
	}
	if !ok1 || !ok2 || !ok3 || h > 23 || m > 59 || sec > 60 {
		return 0, 0, 0, false
	}
	return h, m, sec, true
}

// knownZones are the named zones we trust (RFC 822 section 5.1 and a few
// that mail software in Europe and East Asia writes).
var knownZones = map[string]int{
	"UT": 0, "UTC": 0, "GMT": 0, "Z": 0,
	"EST": -5, "EDT": -4, "CST": -6, "CDT": -5, "MST": -7, "MDT": -6, "PST": -8, "PDT": -7,
	"WET": 0, "WEST": 1, "CET": 1, "CEST": 2, "MET": 1, "MEST": 2, "EET": 2, "EEST": 3,
	"JST": 9, "KST": 9, "HKT": 8, "SGT": 8, "AEST": 10, "AEDT": 11,
}

// zoneOf parses "+0100", "-08:00", "UTC", "PST"... known reports whether
// the offset is known; isZone whether the token looks like a zone at all.
func zoneOf(s string) (loc *time.Location, isZone bool) {
	if len(s) >= 5 && (s[0] == '+' || s[0] == '-') {
		t := strings.Replace(s[1:], ":", "", 1)
		n, ok := digits(t, 4, 4)
		if !ok || n/100 > 23 || n%100 > 59 {
			return nil, false
		}
		off := (n/100)*3600 + (n%100)*60
		if s[0] == '-' {
			off = -off
		}
		return time.FixedZone(s, off), true
	}
	if len(s) < 1 || len(s) > 5 {
		return nil, false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 'A' || c > 'Z' {
			return nil, false
		}
	}
	if h, ok := knownZones[s]; ok {
		if h == 0 {
			return time.UTC, true
		}
		return time.FixedZone(s, h*3600), true
	}
	return nil, true // a zone name we do not know: the caller's default
}

// parseDateTokens parses a date starting at tok[0]: an optional weekday,
// then "Mon D HH:MM[:SS] [zone] YYYY [zone]" (asctime) or
// "D Mon YYYY HH:MM[:SS] [zone]" (RFC 5322). Tokens after the date are
// ignored. twoDigitYear allows "D Mon YY" (header dates only).
func parseDateTokens(tok []string, loc *time.Location, twoDigitYear bool) (time.Time, bool) {
	i := 0
	if i < len(tok) && isWeekday(tok[i]) {
		i++
	}
	if i >= len(tok) {
		return time.Time{}, false
	}
	var (
		year, day, h, m, s int
		mon                time.Month
		zone               *time.Location
		ok                 bool
	)
	if mon = monthOf(tok[i]); mon > 0 {
		// asctime: Mon D HH:MM:SS [zone] YYYY [zone]
		if i+3 >= len(tok) {
			return time.Time{}, false
		}
		if day, ok = digits(strings.TrimSuffix(tok[i+1], ","), 1, 2); !ok {
			return time.Time{}, false
		}
		if h, m, s, ok = clock(tok[i+2]); !ok {
			return time.Time{}, false
		}
		rest := tok[i+3:]
		gotYear := false
		for j := 0; j < len(rest) && j < 3 && !gotYear; j++ {
			if y, ok := digits(rest[j], 4, 4); ok {
				year, gotYear = y, true
				if j+1 < len(rest) && zone == nil {
					if z, isZ := zoneOf(rest[j+1]); isZ && z != nil {
						zone = z
					}
				}
				break
			}
			z, isZ := zoneOf(rest[j])
			if !isZ {
				return time.Time{}, false
			}
			if z != nil && zone == nil {
				zone = z
			}
			// "MET DST" (Solaris) is two tokens.
			if j+1 < len(rest) && rest[j+1] == "DST" {
				j++
			}
		}
		if !gotYear {
			return time.Time{}, false
		}
	} else {
		// RFC 5322: D Mon YYYY HH:MM[:SS] [zone]
		if i+3 >= len(tok) {
			return time.Time{}, false
		}
		if day, ok = digits(tok[i], 1, 2); !ok {
			return time.Time{}, false
		}
		if mon = monthOf(tok[i+1]); mon == 0 {
			return time.Time{}, false
		}
		if year, ok = digits(tok[i+2], 4, 4); !ok {
			if !twoDigitYear {
				return time.Time{}, false
			}
			if year, ok = digits(tok[i+2], 2, 3); !ok {
				return time.Time{}, false
			}
			// RFC 5322 section 4.3: 00-49 is 20xx, 50-999 is 1900+.
			if year < 50 {
				year += 2000
			} else {
				year += 1900
			}
		}
		if h, m, s, ok = clock(tok[i+3]); !ok {
			return time.Time{}, false
		}
		if i+4 < len(tok) {
			if z, isZ := zoneOf(tok[i+4]); isZ && z != nil {
				zone = z
			}
		}
	}
	if day < 1 || day > 31 {
		return time.Time{}, false
	}
	if zone == nil {
		zone = loc
	}
	d := time.Date(year, mon, day, h, m, s, 0, zone)
	if d.Day() != day && s != 60 {
		return time.Time{}, false // Feb 30
	}
	return d, true
}
