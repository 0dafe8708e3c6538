package corpus

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"math/rand"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/mailferry/mailferry/importers"
)

// GenOptions describe a generated corpus. The same options always give the
// same messages, byte for byte.
type GenOptions struct {
	Count int   // messages
	Seed  int64 // varies content
	// AvgSize is the mean message size in bytes (default 50 KiB, like the
	// reference corpus of the speed issue: 10,000 messages, ~500 MB).
	AvgSize int
	// Folders, default: 21 folders with nesting and Japanese names.
	Folders []importers.Folder
}

// DefaultGenFolders is a realistic small-business tree.
var DefaultGenFolders = []importers.Folder{
	{"INBOX"}, {"Sent"}, {"Drafts"}, {"Trash"}, {"Archive"}, {"Archive", "2019"}, {"Archive", "2020"},
	{"Archive", "2021"}, {"Archive", "2022"}, {"Customers"}, {"Customers", "Acme"}, {"Customers", "Globex"},
	{"Customers", "Initech"}, {"Suppliers"}, {"Invoices"}, {"Newsletters"}, {"仕事"}, {"仕事", "重要"},
	{"見積"}, {"Personal"}, {"Lists", "go-nuts"},
}

// GenSource is a Source that generates messages on the fly: memory use does
// not depend on Count. It is byte-exact and keeps flags and dates.
type GenSource struct {
	Opt GenOptions
}

func (g *GenSource) opt() GenOptions {
	o := g.Opt
	if o.AvgSize <= 0 {
		o.AvgSize = 50 << 10
	}
	if len(o.Folders) == 0 {
		o.Folders = DefaultGenFolders
	}
	return o
}

func (g *GenSource) Caps() importers.Caps {
	return importers.Caps{Flags: true, DatePrecision: time.Second, ByteExact: true}
}
func (g *GenSource) Close() error { return nil }

func (g *GenSource) Folders(ctx context.Context) ([]importers.FolderInfo, error) {
	o := g.opt()
	var out []importers.FolderInfo
	for fi, f := range o.Folders {
		n := int64(0)
		for i := fi; i < o.Count; i += len(o.Folders) {
			n++
		}
		out = append(out, importers.FolderInfo{Folder: f, Messages: n, Bytes: -1})
	}
	return out, nil
}

func (g *GenSource) Walk(ctx context.Context, f importers.Folder, opts *importers.WalkOptions, fn importers.WalkFunc) error {
	o := g.opt()
	fi := -1
	for i, x := range o.Folders {
		if x.Equal(f) {
			fi = i
		}
	}
	if fi < 0 {
		return fmt.Errorf("no folder %s", f)
	}
	for i := fi; i < o.Count; i += len(o.Folders) {
		if err := ctx.Err(); err != nil {
			return err
		}
		m := GenMessage(o, i)
		m.Folder = f
		if err := fn(m, nil); err != nil {
			return err
		}
	}
	return nil
}

// GenMessage returns message i of the generated corpus.
func GenMessage(o GenOptions, i int) *importers.Message {
	if o.AvgSize <= 0 {
		o.AvgSize = 50 << 10
	}
	raw := genRaw(o, i)
	date := time.Date(2015, 1, 1, 9, 0, 0, 0, time.UTC).Add(time.Duration(i) * 37 * time.Minute)
	var flags []imap.Flag
	switch i % 7 {
	case 0, 1, 2, 3:
		flags = []imap.Flag{imap.FlagSeen}
	case 4:
		flags = []imap.Flag{imap.FlagSeen, imap.FlagAnswered}
	case 5:
		flags = []imap.Flag{imap.FlagSeen, imap.FlagFlagged}
	}
	return &importers.Message{
		Ref:          fmt.Sprintf("gen:%d", i),
		Flags:        flags,
		InternalDate: date,
		Body:         &genBody{o: o, i: i, n: int64(len(raw))},
	}
}

type genBody struct {
	o GenOptions
	i int
	n int64
}

func (b *genBody) Open() (io.ReadCloser, error) {
	return io.NopCloser(bytes.NewReader(genRaw(b.o, b.i))), nil
}
func (b *genBody) Len() int64     { return b.n }
func (b *genBody) Release() error { return nil }

var words = []string{"invoice", "meeting", "schedule", "project", "お世話になっております", "見積書", "確認", "order",
	"shipment", "payment", "delivery", "contract", "please", "thanks", "regards", "tomorrow", "会議", "よろしくお願いします"}

func genRaw(o GenOptions, i int) []byte {
	r := rand.New(rand.NewSource(o.Seed*1_000_003 + int64(i)))
	var b bytes.Buffer
	date := time.Date(2015, 1, 1, 9, 0, 0, 0, time.UTC).Add(time.Duration(i) * 37 * time.Minute)
	fmt.Fprintf(&b, "Return-Path: <sender%d@example.com>\n", i%50)
	fmt.Fprintf(&b, "Received: from mx.example.com by mail.example.jp; %s\n", date.Format(time.RFC1123Z))
	if i%97 != 5 { // about 1% without Message-ID
		fmt.Fprintf(&b, "Message-ID: <gen-%d-%d@mailferry.test>\n", i, o.Seed)
	}
	fmt.Fprintf(&b, "Date: %s\n", date.Format(time.RFC1123Z))
	fmt.Fprintf(&b, "From: Sender %d <sender%d@example.com>\n", i%50, i%50)
	fmt.Fprintf(&b, "To: info@example.jp\n")
	fmt.Fprintf(&b, "Subject: %s %s #%d\n", words[r.Intn(len(words))], words[r.Intn(len(words))], i)
	b.WriteString("MIME-Version: 1.0\n")
	// Size: most messages small, some with an attachment, mean ≈ AvgSize.
	target := o.AvgSize / 5
	withAttach := r.Intn(5) == 0
	if withAttach {
		target = o.AvgSize*4 + r.Intn(o.AvgSize)
	}
	text := func() {
		for b.Len() < 800 || (!withAttach && b.Len() < target) {
			if r.Intn(40) == 0 {
				b.WriteString("From the desk of the sender: a line that mbox must quote.\n")
			}
			for j := 0; j < 8; j++ {
				b.WriteString(words[r.Intn(len(words))])
				b.WriteByte(' ')
			}
			b.WriteByte('\n')
		}
	}
	if !withAttach {
		b.WriteString("Content-Type: text/plain; charset=UTF-8\nContent-Transfer-Encoding: 8bit\n\n")
		text()
		return b.Bytes()
	}
	bound := fmt.Sprintf("gen-boundary-%d", i)
	fmt.Fprintf(&b, "Content-Type: multipart/mixed; boundary=\"%s\"\n\n--%s\nContent-Type: text/plain; charset=UTF-8\n\n", bound, bound)
	text()
	fmt.Fprintf(&b, "--%s\nContent-Type: application/octet-stream; name=\"file%d.bin\"\nContent-Disposition: attachment; filename=\"file%d.bin\"\nContent-Transfer-Encoding: base64\n\n", bound, i, i)
	raw := make([]byte, (target-b.Len())*3/4)
	r.Read(raw)
	enc := base64.StdEncoding.EncodeToString(raw)
	for len(enc) > 76 {
		b.WriteString(enc[:76])
		b.WriteByte('\n')
		enc = enc[76:]
	}
	b.WriteString(enc)
	fmt.Fprintf(&b, "\n--%s--\n", bound)
	return b.Bytes()
}
