package mbox

import (
	"testing"

	"github.com/emersion/go-imap/v2"
)

func TestStatusFlags(t *testing.T) {
	tests := []struct {
		h       StatusHeaders
		want    []imap.Flag
		partial bool
	}{
		{StatusHeaders{XMozillaStatus: "0000"}, nil, false},
		{StatusHeaders{XMozillaStatus: "0001"}, []imap.Flag{imap.FlagSeen}, false},
		{StatusHeaders{XMozillaStatus: "0005"}, []imap.Flag{imap.FlagSeen, imap.FlagFlagged}, false},
		{StatusHeaders{XMozillaStatus: "0003"}, []imap.Flag{imap.FlagSeen, imap.FlagAnswered}, false},
		// QUIRK: 0x0008 Expunged: deleted in Thunderbird, awaiting "Compact
		// Folders" (nsMsgMessageFlags.idl); the engine skips \Deleted.
		{StatusHeaders{XMozillaStatus: "0009"}, []imap.Flag{imap.FlagSeen, imap.FlagDeleted}, false},
		{StatusHeaders{XMozillaStatus: "1001"}, []imap.Flag{imap.FlagSeen, imap.FlagForwarded}, false},
		// QUIRK: 0x0010 HasRe, 0x0080 Offline, 0x0100 Watched are view state.
		{StatusHeaders{XMozillaStatus: "0191"}, []imap.Flag{imap.FlagSeen}, false},
		// QUIRK: 0x2000 is Redirected now but inside the old Priorities
		// mask 0xE000: ambiguous, dropped.
		{StatusHeaders{XMozillaStatus: "e001"}, []imap.Flag{imap.FlagSeen}, false},
		// QUIRK: 0x0400 Partial: POP "headers only", the body is missing.
		{StatusHeaders{XMozillaStatus: "0401"}, []imap.Flag{imap.FlagSeen}, true},
		// Upper-case hex and spaces, as some tools write them.
		{StatusHeaders{XMozillaStatus: " 100D "}, []imap.Flag{imap.FlagSeen, imap.FlagFlagged, imap.FlagDeleted, imap.FlagForwarded}, false},
		// Status2: New (0x10000) is view state; MDNReportSent → $MDNSent;
		// IMAPDeleted → \Deleted; label 3 (bits 25..27) → $label3.
		{StatusHeaders{XMozillaStatus: "0000", XMozillaStatus2: "00010000"}, nil, false},
		{StatusHeaders{XMozillaStatus: "0001", XMozillaStatus2: "00800000"}, []imap.Flag{imap.FlagSeen, imap.FlagMDNSent}, false},
		{StatusHeaders{XMozillaStatus2: "00200000"}, []imap.Flag{imap.FlagDeleted}, false},
		{StatusHeaders{XMozillaStatus2: "06000000"}, []imap.Flag{"$label3"}, false},
		// The low half of Status2 and the high half of Status are not theirs.
		{StatusHeaders{XMozillaStatus: "00010000", XMozillaStatus2: "00000001"}, nil, false},
		// Not hexadecimal: ignored.
		{StatusHeaders{XMozillaStatus: "zz01"}, nil, false},
		{StatusHeaders{XMozillaStatus: "0x0001"}, nil, false},
		// Keys: Thunderbird tags and junk status.
		{StatusHeaders{XMozillaStatus: "0001", XMozillaKeys: "$label1 junk                                        "},
			[]imap.Flag{imap.FlagSeen, "$label1", imap.FlagJunk}, false},
		{StatusHeaders{XMozillaKeys: "NonJunk $label4 $label4 work(1) $Forwarded"},
			[]imap.Flag{imap.FlagNotJunk, "$label4", imap.FlagForwarded}, false},
		// mutt, pine, Dovecot: Status and X-Status letters; O (old) is no flag.
		{StatusHeaders{Status: "RO"}, []imap.Flag{imap.FlagSeen}, false},
		{StatusHeaders{Status: "O"}, nil, false},
		{StatusHeaders{Status: "RO", XStatus: "AFT"}, []imap.Flag{imap.FlagSeen, imap.FlagAnswered, imap.FlagFlagged, imap.FlagDraft}, false},
		{StatusHeaders{XStatus: "D"}, []imap.Flag{imap.FlagDeleted}, false},
		{StatusHeaders{Status: "RO", XKeywords: "$Forwarded custom"}, []imap.Flag{imap.FlagSeen, imap.FlagForwarded, "custom"}, false},
		// Both kinds: the union, each flag once.
		{StatusHeaders{XMozillaStatus: "0001", Status: "RO", XStatus: "A"}, []imap.Flag{imap.FlagSeen, imap.FlagAnswered}, false},
	}
	for _, tt := range tests {
		got, partial := tt.h.Flags()
		if flagString(got) != flagString(tt.want) || partial != tt.partial {
			t.Errorf("%+v.Flags() = %v, %v; want %v, %v", tt.h, got, partial, tt.want, tt.partial)
		}
	}
}

// flagString joins flags for comparison in tests.
func flagString(fs []imap.Flag) string {
	s := ""
	for _, f := range fs {
		s += string(f) + " "
	}
	return s
}
