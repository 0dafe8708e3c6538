package outlook

import (
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
)

func flagString(fs []imap.Flag) string {
	s := ""
	for i, f := range fs {
		if i > 0 {
			s += " "
		}
		s += string(f)
	}
	return s
}

func TestFlags(t *testing.T) {
	tests := []struct {
		name string
		it   Item
		want string
	}{
		{"nothing", Item{}, ""},
		// MS-OXPROPS 2.784 PidTagMessageFlags: mfRead 0x1.
		{"read", Item{MessageFlags: 0x1}, `\Seen`},
		// mfUnsent 0x8: Outlook's drafts; mfUnmodified 0x2 and
		// mfHasAttach 0x10 have no IMAP flag.
		{"draft", Item{MessageFlags: 0x8 | 0x2 | 0x10}, `\Draft`},
		{"read draft", Item{MessageFlags: 0x9}, `\Seen \Draft`},
		// MS-OXOMSG 2.2.1.46 PidTagLastVerbExecuted: 102 NOTEIVERB_REPLYTOSENDER,
		// 103 NOTEIVERB_REPLYTOALL, 104 NOTEIVERB_FORWARD.
		{"replied to sender", Item{MessageFlags: 1, LastVerbExecuted: 102}, `\Seen \Answered`},
		{"replied to all", Item{LastVerbExecuted: 103}, `\Answered`},
		{"forwarded", Item{LastVerbExecuted: 104}, `$Forwarded`},
		// QUIRK: only the last verb is kept, so a message replied to and then
		// forwarded says 104 while PR_ICON_INDEX still says replied (0x105).
		{"forwarded after a reply", Item{LastVerbExecuted: 104, IconIndex: 0x105}, `\Answered $Forwarded`},
		// MS-OXOMSG 2.2.1.10 PidTagIconIndex: 0x105 replied, 0x106 forwarded
		// (stores that never set PR_LAST_VERB_EXECUTED, e.g. old PSTs).
		{"icon replied", Item{IconIndex: 0x105}, `\Answered`},
		{"icon forwarded", Item{IconIndex: 0x106}, `$Forwarded`},
		{"icon unread mail", Item{IconIndex: 0x103}, ""},
		// MS-OXOFLAG 2.2.1.1 PidTagFlagStatus: 2 followupFlagged, 1
		// followupComplete (no IMAP equivalent).
		{"flagged", Item{FlagStatus: 2}, `\Flagged`},
		{"flag complete", Item{FlagStatus: 1}, ""},
		{"verbs other than reply/forward", Item{LastVerbExecuted: 0, IconIndex: 0x100}, ""},
		{"all", Item{MessageFlags: 0x9, LastVerbExecuted: 102, IconIndex: 0x106, FlagStatus: 2},
			`\Seen \Answered \Flagged \Draft $Forwarded`},
	}
	for _, tt := range tests {
		if got := flagString(Flags(&tt.it)); got != tt.want {
			t.Errorf("%s: Flags = %q, want %q", tt.name, got, tt.want)
		}
	}
	if got := Flags(nil); len(got) != 0 {
		t.Errorf("Flags(nil) = %v", got)
	}
}

func TestInternalDate(t *testing.T) {
	d1 := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
	d2 := d1.Add(time.Hour)
	d3 := d1.Add(2 * time.Hour)
	tests := []struct {
		name   string
		it     Item
		want   time.Time
		header time.Time
	}{
		// MS-OXOMSG 2.2.3.9 PidTagMessageDeliveryTime is when the store got
		// the message: the IMAP INTERNALDATE. The Date: header is the
		// submit time (2.2.3.11 PidTagClientSubmitTime).
		{"received", Item{DeliveryTime: d1, SubmitTime: d2, CreationTime: d3}, d1, d2},
		// QUIRK: sent items have no delivery time in some stores; their
		// submit time is when they were filed in Sent Items.
		{"sent", Item{SubmitTime: d2, CreationTime: d3}, d2, d2},
		// Drafts have neither; MS-OXCMSG 2.2.2.3 PidTagCreationTime.
		{"draft", Item{CreationTime: d3}, d3, d3},
		{"none", Item{}, time.Time{}, time.Time{}},
	}
	for _, tt := range tests {
		if got := InternalDate(&tt.it); !got.Equal(tt.want) {
			t.Errorf("%s: InternalDate = %v, want %v", tt.name, got, tt.want)
		}
		if got := headerDate(&tt.it); !got.Equal(tt.header) {
			t.Errorf("%s: header date = %v, want %v", tt.name, got, tt.header)
		}
	}
}

func TestCleanSubject(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Hello", "Hello"},
		{"", ""},
		// MS-PST 2.5.3.1.1.1 / MS-OXCMSG 2.2.1.46: 0x01 and a length char.
		{"\x01\x01Hello", "Hello"},
		{"\x01\x05RE: Hello", "RE: Hello"},
		{"\x01\x04AW: Hallo", "AW: Hallo"},
		{"\x01", ""},
		{"\x01\x01", ""},
		{"\x01\x01\x01\x02x", "x"},
		{"\x01日本語", "本語"}, // the marker's second char is one character, whatever it is
		{"Re: a\x01b", "Re: a\x01b"},
		{"件名", "件名"},
	}
	for _, tt := range tests {
		if got := CleanSubject(tt.in); got != tt.want {
			t.Errorf("CleanSubject(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func FuzzCleanSubject(f *testing.F) {
	f.Add("\x01\x05RE: Hello")
	f.Add("\x01\xff")
	f.Fuzz(func(t *testing.T, s string) {
		got := CleanSubject(s)
		if len(got) > len(s) {
			t.Fatalf("CleanSubject(%q) = %q grew", s, got)
		}
		if len(s) > 0 && s[0] != 1 && got != s {
			t.Fatalf("CleanSubject(%q) = %q changed a subject without marker", s, got)
		}
		if len(got) > 0 && got[0] == 1 {
			t.Fatalf("CleanSubject(%q) = %q still starts with a marker", s, got)
		}
	})
}

func TestIsMail(t *testing.T) {
	tests := []struct {
		class string
		want  bool
	}{
		{"IPM.Note", true},
		{"", true},
		{"IPM", true},
		{"ipm.note.smime.multipartsigned", true},
		{"IPM.Schedule.Meeting.Request", true},
		{"REPORT.IPM.Note.NDR", true},
		{"IPM.TaskRequest", true}, // not IPM.Task: a mail that carries a task
		{"IPM.Post", true},
		{"IPM.Appointment", false},
		{"IPM.Contact", false},
		{"IPM.DistList", false},
		{"IPM.Task", false},
		{"IPM.StickyNote", false},
		{"IPM.Activity", false},
		{"IPM.Document.Word.Document.8", false},
		{"IPM.Appointment.Occurrence", false},
	}
	for _, tt := range tests {
		if got := IsMail(tt.class); got != tt.want {
			t.Errorf("IsMail(%q) = %v, want %v", tt.class, got, tt.want)
		}
	}
}

func TestDecodeCodePage(t *testing.T) {
	tests := []struct {
		in   []byte
		cp   int
		want string
	}{
		{[]byte{0x93, 0xfa, 0x96, 0x7b, 0x8c, 0xea}, 932, "日本語"},
		{[]byte("plain"), 932, "plain"},
		{[]byte{0x43, 0x61, 0x66, 0xe9}, 1252, "Café"},
		{[]byte{0x43, 0x61, 0x66, 0xe9}, 28591, "Café"},
		{[]byte{0x43, 0x61, 0x66, 0xe9}, 0, "Café"},    // no code page: windows-1252
		{[]byte{0x43, 0x61, 0x66, 0xe9}, 4242, "Café"}, // unknown: windows-1252
		{[]byte("Caf\xc3\xa9"), 0, "Café"},             // unless it is UTF-8
		{[]byte("Caf\xc3\xa9"), 65001, "Café"},
		{[]byte("Caf\xff"), 65001, "Caf\uFFFD"},
		{[]byte{0xc7, 0xd1, 0xb1, 0xdb}, 949, "한글"},
		{[]byte{0xd6, 0xd0, 0xce, 0xc4}, 936, "中文"},
		{[]byte{0xa4, 0xa4, 0xa4, 0xe5}, 950, "中文"},
		{[]byte{0xcf, 0xf0, 0xe8, 0xe2, 0xe5, 0xf2}, 1251, "Привет"},
		{[]byte{0x1b, '$', 'B', 0x46, 0x7c, 0x4b, 0x5c, 0x1b, '(', 'B'}, 50220, "日本"},
		{[]byte{0x82}, 932, "\uFFFD"}, // a truncated double-byte character
		{[]byte("A\x00B\x00"), 1200, "AB"},
	}
	for _, tt := range tests {
		if got := DecodeCodePage(tt.in, tt.cp); got != tt.want {
			t.Errorf("DecodeCodePage(% x, %d) = %q, want %q", tt.in, tt.cp, got, tt.want)
		}
	}
	for cp, want := range map[int]string{932: "shift_jis", 65001: "utf-8", 1252: "windows-1252", 20127: "us-ascii", 28591: "iso-8859-1", 4242: ""} {
		if got := CodePageCharset(cp); got != want {
			t.Errorf("CodePageCharset(%d) = %q, want %q", cp, got, want)
		}
	}
}
