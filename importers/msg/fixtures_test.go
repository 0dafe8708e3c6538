package msg

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/mailferry/mailferry/importers/outlook"
)

var update = flag.Bool("update", false, "rewrite testdata/msg from the fixture definitions")

// The fixtures of testdata/msg, written by writeCFB/tmsg. Regenerate with
//
//	go test ./importers/msg -run TestFixturesUpToDate -update

var (
	fxSubmit   = time.Date(2021, 4, 1, 9, 0, 0, 0, time.UTC)
	fxDelivery = time.Date(2021, 4, 1, 9, 0, 7, 0, time.UTC)
	fxPDF      = append([]byte("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"), bytes.Repeat([]byte{0, 0xff, '\r', '\n', 'x'}, 60)...)
	fxPNG      = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89")
	fxHTML     = `<html><body><p>Quarterly numbers are attached.</p><p>日本語の段落</p><img src="cid:image001.png@01D72A"></body></html>`
	fxBody     = "Quarterly numbers are attached.\r\n日本語の段落\r\n"
	fxSJISBody = "お世話になっております。\r\n資料を送付いたします。\r\n"
	fxRTFHTML  = "{\\rtf1\\ansi\\ansicpg1252\\fromhtml1 \\fbidis \\deff0{\\fonttbl{\\f0\\fswiss\\fcharset0 Arial;}}\r\n" +
		"\\uc1\\pard\\plain\\f0 {\\*\\htmltag19 <html>}{\\*\\htmltag50 <body>}{\\*\\htmltag64 <p>}\\htmlrtf {\\htmlrtf0 " +
		"Only RTF here: na\\'efve caf\\'e9 \\u8364?\\htmlrtf \\par\r\n}\\htmlrtf0 {\\*\\htmltag72 </p>}{\\*\\htmltag58 </body>}{\\*\\htmltag27 </html>}}"
	fxRTFNative = "{\\rtf1\\ansi\\ansicpg1252\\deff0{\\fonttbl{\\f0\\froman Times New Roman;}}\\f0\\fs24 " +
		"\\b Draft\\b0  in \\i rich\\i0  text\\par}"
	fxSigned = "Content-Type: multipart/signed; protocol=\"application/pkcs7-signature\";\r\n" +
		"\tmicalg=sha-256; boundary=\"----=_NextPart_000_0010_01D72A\"\r\n" +
		"\r\n" +
		"This is a multipart message in MIME format.\r\n" +
		"\r\n" +
		"------=_NextPart_000_0010_01D72A\r\n" +
		"Content-Type: text/plain;\r\n\tcharset=\"us-ascii\"\r\n" +
		"Content-Transfer-Encoding: 7bit\r\n" +
		"\r\n" +
		"Signed text. \r\n" +
		"\r\n" +
		"------=_NextPart_000_0010_01D72A\r\n" +
		"Content-Type: application/pkcs7-signature;\r\n\tname=\"smime.p7s\"\r\n" +
		"Content-Transfer-Encoding: base64\r\n" +
		"Content-Disposition: attachment;\r\n\tfilename=\"smime.p7s\"\r\n" +
		"\r\n" +
		"MIAGCSqGSIb3DQEHAqCAMIACAQExDzANBglghkgBZQMEAgEFADCABgkqhkiG9w0BBwEAAKCCAAAA\r\n" +
		"\r\n" +
		"------=_NextPart_000_0010_01D72A--\r\n"
	fxTransport = "Microsoft Mail Internet Headers Version 2.0\r\n" +
		"Received: from mx.example.jp ([192.0.2.7]) by mail.example.com with SMTP;\r\n" +
		"\t Thu, 1 Apr 2021 18:00:07 +0900\r\n" +
		"From: =?ISO-2022-JP?B?GyRCOzNFRBsoQg==?= <yamada@example.jp>\r\n" +
		"To: suzuki@example.com\r\n" +
		"Subject: =?ISO-2022-JP?B?GyRCO3FOQSROQXdJVRsoQg==?=\r\n" +
		"Date: Thu, 1 Apr 2021 18:00:00 +0900\r\n" +
		"Message-ID: <sjis-1@example.jp>\r\n" +
		"MIME-Version: 1.0\r\n" +
		"Content-Type: text/plain; charset=\"iso-2022-jp\"\r\n" +
		"Content-Transfer-Encoding: 7bit\r\n" +
		"\r\n"
)

func fxUnicodeHTML() *tmsg {
	return &tmsg{
		props: []tprop{
			u(prMessageClass, "IPM.Note"),
			u(prSubject, "Q1 report – 四半期報告"),
			u(prSenderName, "Alice Example"), u(prSenderEmail, "alice@example.com"), u(prSenderAddrType, "SMTP"),
			u(prSentReprName, "Alice Example"), u(prSentReprEmail, "alice@example.com"),
			u(prDisplayTo, "Bob; 山田 太郎"),
			u(prInternetMessageID, "<q1-report@example.com>"),
			u(prInReplyTo, "<q1-request@example.jp>"),
			u(prInternetReferences, "<q1-request@example.jp>"),
			tm(prClientSubmitTime, fxSubmit), tm(prDeliveryTime, fxDelivery), tm(prCreationTime, fxDelivery),
			u(prBody, fxBody),
			b(prHTML, []byte(fxHTML)), l(prInternetCPID, 65001),
			l(prMessageFlags, 0x1), l(prLastVerbExecuted, 102), l(prFlagStatus, 2),
		},
		recips: [][]tprop{
			{u(prDisplayName, "Bob"), u(prEmailAddress, "bob@example.com"), u(prAddrType, "SMTP"), l(prRecipientType, 1)},
			{u(prDisplayName, "山田 太郎"), u(prAddrType, "EX"),
				u(prEmailAddress, "/O=EXCHANGELABS/OU=EXCHANGE ADMINISTRATIVE GROUP (FYDIBOHF23SPDLT)/CN=RECIPIENTS/CN=yamada"),
				u(prSMTPAddress, "yamada@example.jp"), l(prRecipientType, 1)},
			{u(prDisplayName, "Carol"), u(prSMTPAddress, "carol@example.com"), l(prRecipientType, 2)},
			{u(prDisplayName, "Dave"), u(prSMTPAddress, "dave@example.com"), l(prRecipientType, 3)},
			{u(prDisplayName, "Resend"), u(prSMTPAddress, "p1@example.com"), l(prRecipientType, 0x10000001)},
		},
		atts: []tatt{
			{props: []tprop{u(prAttachLongFilename, "image001.png"), u(prAttachFilename, "IMAGE0~1.PNG"), u(prAttachMimeTag, "image/png"),
				u(prAttachContentID, "image001.png@01D72A"), l(prAttachMethod, 1), bo(prAttachmentHidden, true), b(prAttachDataBin, fxPNG)}},
			{props: []tprop{u(prAttachLongFilename, "報告書 2021.pdf"), u(prAttachMimeTag, "application/pdf"), l(prAttachMethod, 1), b(prAttachDataBin, fxPDF)}},
		},
	}
}

func fxANSI() *tmsg {
	return &tmsg{
		cp932: true,
		props: []tprop{
			a(prMessageClass, "IPM.Note"),
			a(prSubjectPrefix, "RE: "), a(prNormalizedSubject, "資料の送付"),
			a(prTransportHeaders, fxTransport),
			a(prSenderName, "山田 太郎"), a(prSenderEmail, "yamada@example.jp"), a(prSenderAddrType, "SMTP"),
			a(prInternetMessageID, "<sjis-1@example.jp>"),
			tm(prClientSubmitTime, fxSubmit), tm(prDeliveryTime, fxDelivery),
			a(prBody, fxSJISBody),
			l(prMessageCodepage, 932), l(prInternetCPID, 50220),
		},
		recips: [][]tprop{{a(prDisplayName, "鈴木 花子"), a(prEmailAddress, "suzuki@example.com"), a(prAddrType, "SMTP")}},
		atts:   []tatt{{props: []tprop{a(prAttachLongFilename, "見積書.txt"), l(prAttachMethod, 1), b(prAttachDataBin, []byte("見積\r\n"))}}},
	}
}

func fxEmbedded() *tmsg {
	inner := &tmsg{
		props: []tprop{
			u(prMessageClass, "IPM.Note"), u(prSubject, "Original message"),
			u(prSenderName, "Erin"), u(prSenderSMTPAddress, "erin@example.org"),
			tm(prClientSubmitTime, fxSubmit.Add(-24*time.Hour)), tm(prDeliveryTime, fxSubmit.Add(-23*time.Hour)),
			u(prInternetMessageID, "<original@example.org>"),
			u(prBody, "The original text.\r\n"),
			l(prMessageFlags, 0x1),
		},
		recips: [][]tprop{{u(prDisplayName, "Frank"), u(prSMTPAddress, "frank@example.org")}},
		atts:   []tatt{{props: []tprop{u(prAttachLongFilename, "inner.bin"), l(prAttachMethod, 1), b(prAttachDataBin, []byte{0, 1, 2, 3, 0xfe, 0xff})}}},
	}
	return &tmsg{
		props: []tprop{
			u(prMessageClass, "IPM.Note"), u(prSubject, "FW: Original message"),
			u(prSenderName, "Grace"), u(prSenderSMTPAddress, "grace@example.com"),
			tm(prClientSubmitTime, fxSubmit), tm(prDeliveryTime, fxDelivery),
			u(prInternetMessageID, "<forward@example.com>"),
			u(prBody, "See the attached message.\r\n"),
			l(prMessageFlags, 0x1), l(prIconIndex, 0x106),
		},
		recips: [][]tprop{{u(prDisplayName, "Heidi"), u(prSMTPAddress, "heidi@example.com")}},
		atts: []tatt{
			{props: []tprop{u(prDisplayName, "Original message"), l(prAttachMethod, 5)}, embedded: inner},
			{props: []tprop{u(prAttachLongFilename, "notes.txt"), l(prAttachMethod, 1), b(prAttachDataBin, []byte("plain notes\n"))}},
		},
	}
}

func fxRTFOnly() *tmsg {
	return &tmsg{props: []tprop{
		u(prMessageClass, "IPM.Note"), u(prSubject, "RTF only"),
		u(prSenderName, "Ivan"), u(prSenderSMTPAddress, "ivan@example.com"),
		tm(prClientSubmitTime, fxSubmit), tm(prDeliveryTime, fxDelivery),
		b(prRTFCompressed, outlook.CompressRTF([]byte(fxRTFHTML))),
		l(prMessageFlags, 0x1),
	}}
}

func fxRTFNativeDraft() *tmsg {
	return &tmsg{props: []tprop{
		u(prMessageClass, "IPM.Note"), u(prSubject, "Draft in rich text"),
		u(prDisplayTo, "Judy"),
		tm(prCreationTime, fxSubmit),
		b(prRTFCompressed, outlook.CompressRTF([]byte(fxRTFNative))),
		l(prMessageFlags, 0x8|0x1),
	}, recips: [][]tprop{{u(prDisplayName, "Judy"), u(prSMTPAddress, "judy@example.com")}}}
}

func fxSignedMsg() *tmsg {
	return &tmsg{
		props: []tprop{
			u(prMessageClass, "IPM.Note.SMIME.MultipartSigned"), u(prSubject, "Signed"),
			u(prSenderName, "Mallory"), u(prSenderSMTPAddress, "mallory@example.com"),
			tm(prClientSubmitTime, fxSubmit), tm(prDeliveryTime, fxDelivery),
			u(prInternetMessageID, "<signed@example.com>"),
			u(prBody, "Signed text.\r\n"),
		},
		recips: [][]tprop{{u(prDisplayName, "Bob"), u(prSMTPAddress, "bob@example.com")}},
		atts: []tatt{{props: []tprop{u(prAttachLongFilename, "smime.p7m"), u(prAttachMimeTag, "multipart/signed"),
			l(prAttachMethod, 1), b(prAttachDataBin, []byte(fxSigned))}}},
	}
}

func fxAppointment() *tmsg {
	return &tmsg{props: []tprop{
		u(prMessageClass, "IPM.Appointment"), u(prSubject, "Team meeting"),
		tm(prCreationTime, fxSubmit),
	}}
}

// fixtureFiles maps paths under testdata/msg to their content.
func fixtureFiles() map[string][]byte {
	good := fxUnicodeHTML().bytes()
	return map[string][]byte{
		"unicode-html.msg":          good,
		"ansi-cp932.msg":            fxANSI().bytes(),
		"rtf-only.msg":              fxRTFOnly().bytes(),
		"signed.msg":                fxSignedMsg().bytes(),
		"Archive/2019/embedded.msg": fxEmbedded().bytes(),
		"送信済みアイテム/rtf-native-draft.msg": fxRTFNativeDraft().bytes(),
		"Calendar/appointment.msg":      fxAppointment().bytes(),
		"broken/truncated.msg":          good[:2048],
		"broken/not-a-msg.MSG":          []byte("This is a text file with a .msg name.\n"),
	}
}

func fixtureDir(t testing.TB) string {
	t.Helper()
	return filepath.Join("..", "..", "testdata", "msg")
}

func TestFixturesUpToDate(t *testing.T) {
	dir := fixtureDir(t)
	for name, want := range fixtureFiles() {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if *update {
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, want, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(p)
		if err != nil {
			t.Fatalf("%v (run with -update to write the fixtures)", err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from its definition; run go test ./importers/msg -run TestFixturesUpToDate -update", name)
		}
	}
	if !*update {
		return
	}
	readme := "# .msg fixtures\n\n" +
		"Written by the compound-file and .msg writer in importers/msg (cfbwriter_test.go,\n" +
		"msgwriter_test.go) from the definitions in fixtures_test.go; no real mail. Regenerate with\n" +
		"`go test ./importers/msg -run TestFixturesUpToDate -update`.\n\n" +
		"- unicode-html.msg: PT_UNICODE strings, plain + HTML body, inline image (Content-ID), PDF with a\n" +
		"  Japanese name, To/Cc/Bcc (an EX recipient with an SMTP address, a MAPI_P1 resend copy), read,\n" +
		"  replied, flagged\n" +
		"- ansi-cp932.msg: PT_STRING8 in code page 932, subject from prefix + normalized subject,\n" +
		"  transport headers (ISO-2022-JP mail), an attachment with a Shift_JIS name\n" +
		"- rtf-only.msg: only PR_RTF_COMPRESSED (LZFu), HTML encapsulated in RTF\n" +
		"- signed.msg: IPM.Note.SMIME.MultipartSigned with its multipart/signed attachment\n" +
		"- Archive/2019/embedded.msg: an embedded message (attach method 5) with its own attachment\n" +
		"- 送信済みアイテム/rtf-native-draft.msg: unsent draft whose body is native RTF\n" +
		"- Calendar/appointment.msg: IPM.Appointment (not mail, skipped)\n" +
		"- broken/: a truncated .msg and a text file named .MSG (errors, the walk goes on)\n"
	if err := os.WriteFile(filepath.Join(dir, "README.md"), []byte(readme), 0o644); err != nil {
		t.Fatal(err)
	}
}
