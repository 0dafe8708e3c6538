package mbox

import (
	"testing"
	"time"
)

func TestParseFromLine(t *testing.T) {
	utc := time.UTC
	tests := []struct {
		line   string
		sender string
		want   time.Time
		ok     bool
	}{
		// Thunderbird and Netscape: "-" as the sender, local time.
		{"From - Mon Jan  1 00:00:00 2001", "-", time.Date(2001, 1, 1, 0, 0, 0, 0, tz), true},
		{"From - Sat Jan 03 01:05:34 1996\r\n", "-", time.Date(1996, 1, 3, 1, 5, 34, 0, tz), true},
		{"From MAILER-DAEMON Fri Jul  8 12:08:34 2011", "MAILER-DAEMON", time.Date(2011, 7, 8, 12, 8, 34, 0, tz), true},
		{"From bob@example.com Sat Jan  3 01:05:34 1996 +0100", "bob@example.com", time.Date(1996, 1, 3, 0, 5, 34, 0, utc), true},
		// Google Takeout: the zone before the year.
		{"From 1589296734521592831@xxx Tue Jan 21 14:42:05 +0000 2020", "1589296734521592831@xxx", time.Date(2020, 1, 21, 14, 42, 5, 0, utc), true},
		{"From bob Sat Jan  3 01:05:34 PST 1996", "bob", time.Date(1996, 1, 3, 9, 5, 34, 0, utc), true},
		{"From bob Sat Jan  3 01:05:34 MET DST 1996", "bob", time.Date(1996, 1, 3, 0, 5, 34, 0, utc), true},
		// An unknown zone name: local time.
		{"From bob Sat Jan  3 01:05:34 XYZ 1996", "bob", time.Date(1996, 1, 3, 1, 5, 34, 0, tz), true},
		{"From bob Mon, 1 Jan 2001 00:00:00 +0000", "bob", time.Date(2001, 1, 1, 0, 0, 0, 0, utc), true},
		{"From Mon Jan  1 00:00:00 2001", "", time.Date(2001, 1, 1, 0, 0, 0, 0, tz), true},
		{"From bob Mon Jan  1 00:00 2001 remote from uucphost", "bob", time.Date(2001, 1, 1, 0, 0, 0, 0, tz), true},
		{"From ???@??? Mon Jan 01 00:00:00 2001", "???@???", time.Date(2001, 1, 1, 0, 0, 0, 0, tz), true},
		{"From bob Monday January 1 00:00:00 2001", "bob", time.Date(2001, 1, 1, 0, 0, 0, 0, tz), true},
		// Not separators: body text, no date, bad dates.
		{"From the desk of the sender: a line that mbox must quote.", "the", time.Time{}, false},
		{"From 10:30 to 11:00 in 2024 we met", "10:30", time.Time{}, false},
		{"From 1 Jan 2001 12:00 we were there", "1", time.Time{}, false},
		{"From bob", "bob", time.Time{}, false},
		{"From ", "", time.Time{}, false},
		{"From bob Mon Feb 30 00:00:00 2001", "bob", time.Time{}, false},
		{"From bob Mon Jan  1 25:00:00 2001", "bob", time.Time{}, false},
		{"From bob Mon Jan  1 00:00:00 01", "bob", time.Time{}, false},
	}
	for _, tt := range tests {
		sender, d, ok := ParseFromLine(tt.line, nil)
		if ok != tt.ok || sender != tt.sender || !d.Equal(tt.want) {
			t.Errorf("ParseFromLine(%q) = %q, %v, %v; want %q, %v, %v", tt.line, sender, d, ok, tt.sender, tt.want, tt.ok)
		}
	}
}

func TestParseHeaderDate(t *testing.T) {
	utc := time.UTC
	tests := []struct {
		v    string
		want time.Time
		ok   bool
	}{
		{"Mon, 4 Mar 2019 05:06:07 +0000", time.Date(2019, 3, 4, 5, 6, 7, 0, utc), true},
		{"Mon, 4 Mar 2019 14:06:07 +0900 (JST)", time.Date(2019, 3, 4, 5, 6, 7, 0, utc), true},
		{"4 Mar 2019 05:06:07 GMT", time.Date(2019, 3, 4, 5, 6, 7, 0, utc), true},
		// Obsolete two-digit year (RFC 5322 section 4.3).
		{"Thu, 4 Mar 99 05:06:07 -0000", time.Date(1999, 3, 4, 5, 6, 7, 0, utc), true},
		// asctime in a header, no zone: UTC.
		{"Mon Mar  4 05:06:07 2019", time.Date(2019, 3, 4, 5, 6, 7, 0, utc), true},
		{"Mon,  4 Mar 2019 05:06 (added by postmaster)", time.Date(2019, 3, 4, 5, 6, 0, 0, utc), true},
		{"", time.Time{}, false},
		{"yesterday", time.Time{}, false},
	}
	for _, tt := range tests {
		d, ok := ParseHeaderDate(tt.v)
		if ok != tt.ok || !d.Equal(tt.want) {
			t.Errorf("ParseHeaderDate(%q) = %v, %v; want %v, %v", tt.v, d, ok, tt.want, tt.ok)
		}
	}
}
