package maildir

import (
	"strings"
	"testing"

	"github.com/emersion/go-imap/v2"
	"github.com/mailferry/mailferry/importers"
)

func TestMUTF7(t *testing.T) {
	tests := []struct{ utf8, mutf7 string }{
		{"INBOX", "INBOX"},
		{"日本語", "&ZeVnLIqe-"},
		{"仕事", "&TtVOiw-"},
		{"~peter/mail/台北/日本語", "~peter/mail/&U,BTFw-/&ZeVnLIqe-"}, // RFC 3501 5.1.3
		{"&", "&-"},
		{"Tom & Jerry", "Tom &- Jerry"},
		{"Entwürfe", "Entw&APw-rfe"},
		{"😀", "&2D3eAA-"}, // surrogate pair
		{"a\x00b", "a&AAA-b"},
		{"送信済みアイテム", "&kAFP4W4IMH8wojCkMMYw4A-"},
		{"", ""},
	}
	for _, tc := range tests {
		if got := EncodeMUTF7(tc.utf8); got != tc.mutf7 {
			t.Errorf("EncodeMUTF7(%q) = %q, want %q", tc.utf8, got, tc.mutf7)
		}
		got, err := DecodeMUTF7(tc.mutf7)
		if err != nil || got != tc.utf8 {
			t.Errorf("DecodeMUTF7(%q) = %q, %v; want %q", tc.mutf7, got, err, tc.utf8)
		}
	}
	for _, bad := range []string{
		"&ZeVnLIqe",  // not closed
		"&AGE-",      // base64 of printable ASCII "a"
		"&2D0-",      // lone high surrogate
		"&TtVOix-",   // padding bits set
		"&Ze-",       // odd number of bytes
		"é",          // 8-bit
		"a\tb",       // control character outside base64
		"&ZeV/LIqe-", // '/' is not in the modified alphabet
	} {
		if got, err := DecodeMUTF7(bad); err == nil {
			t.Errorf("DecodeMUTF7(%q) = %q, want an error", bad, got)
		}
	}
}

func TestElementRoundTrip(t *testing.T) {
	tests := []struct {
		elem, enc string
		windows   bool
	}{
		{"Archive", "Archive", false},
		{"仕事", "&TtVOiw-", false},
		{"a.b", `a\2eb`, false},
		{"a/b", `a\2fb`, false},
		{`a\b`, `a\5cb`, false},
		{"~x~", `\7ex~`, false},
		{"..", `\2e\2e`, false},
		{".", `\2e`, false},
		{"", `\`, false},
		{"Re: a?", `Re\3a a\3f`, true},
		{"Re: a?", "Re: a?", false},
		{"trailing ", `trailing\20`, true},
		{"bad\xffutf8", `bad\ffutf8`, false},
		{"nul\x00", "nul&AAA-", false},
		{"A&B.C", `A&-B\2eC`, false},
	}
	for _, tc := range tests {
		got := EncodeElement(tc.elem, tc.windows)
		if got != tc.enc {
			t.Errorf("EncodeElement(%q, %v) = %q, want %q", tc.elem, tc.windows, got, tc.enc)
		}
		if strings.ContainsAny(got, "./\x00") {
			t.Errorf("EncodeElement(%q) = %q contains a separator", tc.elem, got)
		}
		if back := DecodeElement(got); back != tc.elem {
			t.Errorf("DecodeElement(%q) = %q, want %q", got, back, tc.elem)
		}
	}
	// What other software writes.
	foreign := []struct{ in, want string }{
		{"日本語", "日本語"},           // Dovecot with the UTF-8 option
		{"&bogus", "&bogus"},     // not modified UTF-7: literal
		{`a\zz`, `a\zz`},         // not an escape
		{`a\2E`, "a."},           // upper-case hex
		{`Foo\~0123abcd`, "Foo"}, // exporter's disambiguating suffix
		{`\\~0123abcd`, ""},
		{`Foo\~0123abcX`, `Foo\~0123abcX`},
	}
	for _, tc := range foreign {
		if got := DecodeElement(tc.in); got != tc.want {
			t.Errorf("DecodeElement(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestPlusDirName(t *testing.T) {
	tests := []struct {
		f    importers.Folder
		name string
	}{
		{importers.Folder{"INBOX"}, ""},
		{importers.Folder{"Archive", "2019"}, ".Archive.2019"},
		{importers.Folder{"仕事", "重要"}, ".&TtVOiw-.&kc2JgQ-"},
		{importers.Folder{"INBOX", "Sub"}, ".INBOX.Sub"},
		{importers.Folder{"a.b", "c"}, `.a\2eb.c`},
	}
	for _, tc := range tests {
		if got := PlusDirName(tc.f, false); got != tc.name {
			t.Errorf("PlusDirName(%q) = %q, want %q", tc.f, got, tc.name)
		}
		if tc.name == "" {
			continue
		}
		back, ok := ParsePlusDirName(tc.name)
		if !ok || !back.Equal(tc.f) {
			t.Errorf("ParsePlusDirName(%q) = %q, %v; want %q", tc.name, back, ok, tc.f)
		}
	}
	for _, bad := range []string{"", ".", "..", "cur", "Archive"} {
		if f, ok := ParsePlusDirName(bad); ok {
			t.Errorf("ParsePlusDirName(%q) = %q, want not a folder", bad, f)
		}
	}
}

func TestParseFlags(t *testing.T) {
	kw, _ := ParseKeywords(strings.NewReader("0 $Junk\n1 NonJunk\nbroken line\n3 $label1\n"))
	tests := []struct {
		name string
		want []imap.Flag
	}{
		{"1234567890.M123P456.host,S=1234,W=1260:2,RS", []imap.Flag{imap.FlagAnswered, imap.FlagSeen}},
		{"1234567890.M123P456.host,S=1234,W=1260!2,S", []imap.Flag{imap.FlagSeen}},
		{"1234567890.M123P456.host,S=1234;2,FS", []imap.Flag{imap.FlagFlagged, imap.FlagSeen}},
		{"1234567890.M123P456.host,S=1234", nil},                                 // new/: no info
		{"1234567890.M123P456.host:2,", nil},                                     // empty info
		{"1234567890.12345_0.courier.example:2,SZX", []imap.Flag{imap.FlagSeen}}, // Courier, unknown letters
		{"1234567890.M1P1.host:2,TSDFP", []imap.Flag{imap.FlagDraft, imap.FlagFlagged, imap.FlagForwarded, imap.FlagSeen, imap.FlagDeleted}},
		{"1234567890.M1P1.host:2,Sac", []imap.Flag{imap.FlagSeen, "$Junk"}}, // 'c' has no keyword
		{"1234567890.M1P1.host:2,Sd", []imap.Flag{imap.FlagSeen, "$label1"}},
		{"1234567890.M1P1.host:2,SS", []imap.Flag{imap.FlagSeen}},
		{"1234567890.M1P1.host:1,xyz", nil}, // experimental info
		{"weird:name:2,R", []imap.Flag{imap.FlagAnswered}},
	}
	for _, tc := range tests {
		got := ParseFlags(tc.name, kw)
		if imapFlags(got) != imapFlags(tc.want) {
			t.Errorf("ParseFlags(%q) = %v, want %v", tc.name, got, tc.want)
		}
	}
	if got := ParseFlags("1.M1P1.h:2,Sa", nil); imapFlags(got) != imapFlags([]imap.Flag{imap.FlagSeen}) {
		t.Errorf("without dovecot-keywords, keywords must be ignored: %v", got)
	}
	u, l, sep := SplitInfo("1234567890.M123P456.host,S=1234,W=1260:2,RS")
	if u != "1234567890.M123P456.host,S=1234,W=1260" || l != "RS" || sep != ':' {
		t.Errorf("SplitInfo = %q %q %q", u, l, sep)
	}
}

func imapFlags(fs []imap.Flag) string {
	var s []string
	for _, f := range fs {
		s = append(s, string(f))
	}
	return strings.Join(s, " ")
}

func TestFormatFlags(t *testing.T) {
	kw := &Keywords{}
	letters, missing := FormatFlags([]imap.Flag{imap.FlagSeen, `\answered`, `\Recent`, "$Forwarded", "$Junk", `\Unknown`}, kw)
	if letters != "PRS" || imapFlags(missing) != "$Forwarded $Junk" {
		t.Errorf("FormatFlags = %q %v", letters, missing)
	}
	if letters, missing := FormatFlags([]imap.Flag{"$forwarded"}, nil); letters != "P" || len(missing) != 0 {
		t.Errorf("FormatFlags without keywords = %q %v", letters, missing)
	}
	if c, added, ok := kw.Add("$Junk"); c != 'a' || !added || !ok {
		t.Errorf("Add = %c %v %v", c, added, ok)
	}
	letters, missing = FormatFlags([]imap.Flag{"$junk", imap.FlagDraft, imap.FlagDeleted, imap.FlagFlagged}, kw)
	if letters != "DFTa" || len(missing) != 0 {
		t.Errorf("FormatFlags = %q %v", letters, missing)
	}
	if string(kw.Bytes()) != "0 $Junk\n" {
		t.Errorf("Bytes = %q", kw.Bytes())
	}
	kw.Add(imap.FlagForwarded)
	if letters, _ := FormatFlags([]imap.Flag{imap.FlagForwarded}, kw); letters != "Pb" {
		t.Errorf("$Forwarded with keywords = %q, want Pb", letters)
	}
	if got := ParseFlags("1.M1P1.h:2,Pb", kw); imapFlags(got) != "$Forwarded" {
		t.Errorf("ParseFlags(Pb) = %v", got)
	}
	for i := 2; i < 26; i++ {
		if _, _, ok := kw.Add(imap.Flag("k" + string(rune('A'+i)))); !ok {
			t.Fatalf("Add %d failed", i)
		}
	}
	if _, _, ok := kw.Add("one-too-many"); ok {
		t.Error("27th keyword accepted")
	}
	if _, _, ok := kw.Add("with space"); ok {
		t.Error("keyword with a space accepted")
	}
}
