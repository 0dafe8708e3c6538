package outlook_test

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/mailferry/mailferry/importers/outlook"
)

// A reader (PST, MSG) fills an Item from MAPI properties and builds the
// message; flags and the internal date come from the same Item.
func ExampleBuild() {
	it := &outlook.Item{
		MessageClass: "IPM.Note",
		Subject:      "\x01\x05RE: Lunch",
		From:         outlook.Address{Name: "Alice", Address: "alice@example.com"},
		To:           []outlook.Address{{Name: "Bob", Address: "bob@example.com"}},
		SubmitTime:   time.Date(2021, 4, 1, 9, 0, 0, 0, time.UTC),
		MessageID:    "<lunch@example.com>",
		Body:         "12:30?\r\n",
		MessageFlags: outlook.MsgFlagRead,
		Attachments: []outlook.Attachment{{
			Filename: "menu.txt",
			Method:   1,
			Open: func() (io.ReadCloser, error) {
				return io.NopCloser(strings.NewReader("soup\n")), nil
			},
		}},
	}
	it.Subject = outlook.CleanSubject(it.Subject)
	var buf bytes.Buffer
	if err := outlook.Build(&buf, it); err != nil {
		fmt.Println(err)
		return
	}
	head, _, _ := strings.Cut(buf.String(), "\r\n\r\n")
	fmt.Println(strings.ReplaceAll(head, "\r\n", "\n"))
	fmt.Println(outlook.Flags(it), outlook.InternalDate(it).Format(time.RFC3339))
	// Output:
	// From: Alice <alice@example.com>
	// To: Bob <bob@example.com>
	// Subject: RE: Lunch
	// Date: Thu, 01 Apr 2021 09:00:00 +0000
	// Message-ID: <lunch@example.com>
	// MIME-Version: 1.0
	// Content-Type: multipart/mixed; boundary="=_mf66669a598522d5736820d5a5"
	// [\Seen] 2021-04-01T09:00:00Z
}
