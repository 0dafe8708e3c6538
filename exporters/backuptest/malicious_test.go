package backuptest

// Path safety end to end: an IMAP server (go-imap's in-memory server)
// whose folder names try to leave the target root or to share another
// folder's files, copied through the IMAP importer and the engine into
// each local exporter.

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"log"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
	"github.com/mailferry/mailferry/exporters"
	_ "github.com/mailferry/mailferry/exporters/all"
	"github.com/mailferry/mailferry/importers"
	_ "github.com/mailferry/mailferry/importers/all"
	"github.com/mailferry/mailferry/internal/engine"
	imapimp "github.com/mailferry/mailferry/internal/imapclient"
)

// maliciousNames are folder names a hostile or broken server may list
// (the server's delimiter is "/").
var maliciousNames = []string{
	"..",
	"../x",
	"../../../../../../tmp/evil",
	"a/../../b",
	"a/./b",
	".",
	"./c",
	`..\..\win`,
	`back\slash`,
	`C:\Windows\x`,
	"ctl\x01\x1f\x7fname",
	"tab\tand\nnewline",
	"bidi\u202etxt.exe",
	strings.Repeat("x", 300),
	strings.Repeat("長", 120),
	strings.Repeat("y", 300) + "/" + strings.Repeat("z", 300),
	"Foo",
	"foo",
	"FOO/bar",
	"foo/bar",
	"Straße",
	"STRASSE",
	".hidden",
	".Foo", // a Maildir++ folder name
	"cur",
	"new/x",
	"tmp",
	"x.sbd",
	"x.msf",
	"x.eml",
	// Not "Inbox": INBOX is case-insensitive (RFC 3501 5.1), so a
	// server cannot hold both; the importer reads INBOX for it.
	"%2E%2E",
	"CON",
	"nul.txt",
	"trailing. ",
	"~home",
	".mailferry-state.json",
	"mailferry-maildir.json",
	"dovecot-keywords",
	"a:b*c?d\"e<f>g|h",
}

// startMalicious serves maliciousNames (one message each, whose
// Message-ID names the folder's index) from an in-memory server on
// loopback and returns its address and the names it holds.
func startMalicious(t *testing.T) (addr string, names map[string]int) {
	t.Helper()
	mem := imapmemserver.New()
	u := imapmemserver.NewUser("evil", "pw")
	mem.AddUser(u)
	if err := u.Create("INBOX", nil); err != nil {
		t.Fatal(err)
	}
	names = map[string]int{}
	for i, name := range append([]string{"INBOX"}, maliciousNames...) {
		if name != "INBOX" {
			if err := u.Create(name, nil); err != nil {
				t.Logf("in-memory server refuses to create %q: %v", name, err)
				continue
			}
		}
		raw := fmt.Sprintf("From: evil@example.com\r\nTo: you@example.com\r\nSubject: folder %d\r\n"+
			"Message-ID: <folder-%d@evil.example>\r\nDate: Mon, 2 Jan 2023 10:00:00 +0000\r\n\r\nbody of folder %d\r\n", i, i, i)
		_, err := u.Append(name, literal{bytes.NewReader([]byte(raw)), int64(len(raw))},
			&imap.AppendOptions{Flags: []imap.Flag{imap.FlagSeen}, Time: time.Date(2023, 1, 2, 10, 0, 0, 0, time.UTC)})
		if err != nil {
			t.Fatalf("append to %q: %v", name, err)
		}
		names[name] = i
	}
	srv := imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return mem.NewSession(), nil, nil
		},
		Caps:         imap.CapSet{imap.CapIMAP4rev1: {}},
		InsecureAuth: true,
		Logger:       log.New(ioDiscard{}, "", 0),
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String(), names
}

type literal struct {
	*bytes.Reader
	n int64
}

func (l literal) Size() int64 { return l.n }

type ioDiscard struct{}

func (ioDiscard) Write(p []byte) (int, error) { return len(p), nil }

func TestMaliciousFolderNames(t *testing.T) {
	addr, names := startMalicious(t)
	ctx := context.Background()
	for _, format := range []string{"maildir", "mbox", "eml"} {
		t.Run(format, func(t *testing.T) {
			outer := t.TempDir()
			root := filepath.Join(outer, "root")
			src, err := openIMAP(ctx, "imap://evil@"+addr, &importers.Options{
				Password: func(string, string) (string, error) { return "pw", nil },
			})
			if err != nil {
				t.Fatal(err)
			}
			defer src.Close()
			fis, err := src.Folders(ctx)
			if err != nil {
				t.Fatal(err)
			}
			listed := 0
			for _, fi := range fis {
				if !fi.NoSelect {
					listed++
				}
			}
			if listed < len(names)-2 {
				t.Errorf("the IMAP importer lists %d selectable folders of %d", listed, len(names))
			}
			sink, err := exporters.Open(ctx, format+":"+root, nil)
			if err != nil {
				t.Fatal(err)
			}
			eng := &engine.Engine{Src: src, Sink: sink, Opts: engine.Options{IgnoreQuota: true, SourceID: "imap://evil@" + addr}}
			plan, err := eng.Copy(ctx)
			if cerr := sink.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				t.Fatalf("copy: %v", err)
			}
			tot := plan.Totals()
			// A folder the format cannot hold (a Maildir++ name is one
			// directory name) is refused and reported, not written.
			refused := map[string]bool{}
			for _, p := range plan.Problems {
				refused[p.Folder] = true
				if !strings.Contains(p.Reason, "too deeply") {
					t.Errorf("problem: %.60s %s: %.200s", p.Folder, p.Kind, p.Reason)
				}
			}

			// A second run finds every folder where the first put it.
			sink2, err := exporters.Open(ctx, format+":"+root, nil)
			if err != nil {
				t.Fatal(err)
			}
			eng = &engine.Engine{Src: src, Sink: sink2, Opts: engine.Options{IgnoreQuota: true}} // no state: dedupe only
			plan2, err := eng.Copy(ctx)
			sink2.Close()
			if err != nil || plan2.Totals().Copied != 0 {
				t.Errorf("second run: copied %v, err %v; want 0", plan2.Totals().Copied, err)
			}

			// Nothing outside the root, no symbolic links inside it.
			ents, _ := os.ReadDir(outer)
			if len(ents) != 1 || ents[0].Name() != "root" {
				var got []string
				for _, e := range ents {
					got = append(got, e.Name())
				}
				t.Errorf("the directory holding the root has %q, want only root", got)
			}
			if _, err := os.Stat("/tmp/evil"); err == nil {
				t.Errorf("/tmp/evil exists")
			}
			filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
				if err == nil && d.Type()&fs.ModeSymlink != 0 {
					t.Errorf("symbolic link %s", p)
				}
				return nil
			})

			// Read back: every message once, each folder on its own.
			back, err := importers.Open(ctx, format+":"+root, &importers.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer back.Close()
			bfis, err := back.Folders(ctx)
			if err != nil {
				t.Fatal(err)
			}
			seen := map[string]string{} // message ID -> folder
			for _, fi := range bfis {
				if fi.NoSelect {
					continue
				}
				n := 0
				err := back.Walk(ctx, fi.Folder, nil, func(m *importers.Message, rerr error) error {
					if rerr != nil {
						return rerr
					}
					n++
					id := messageID(t, m)
					if prev, dup := seen[id]; dup {
						t.Errorf("%s is in %q and in %q", id, prev, fi.Folder.String())
					}
					seen[id] = fi.Folder.String()
					return nil
				})
				if err != nil {
					t.Errorf("read back %q: %v", fi.Folder.String(), err)
				}
				if n > 1 {
					t.Errorf("folder %q holds %d messages: two source folders share it", fi.Folder.String(), n)
				}
			}
			if int64(len(seen)) != tot.Copied || tot.Copied != int64(len(names)-len(refused)) {
				t.Errorf("copied %d, read back %d distinct messages, server has %d, %d refused", tot.Copied, len(seen), len(names), len(refused))
			}
			// Names that fit come back as they were.
			for name, i := range names {
				folder, ok := seen[fmt.Sprintf("<folder-%d@evil.example>", i)]
				if !ok && !refused[importers.Folder(strings.Split(name, "/")).String()] {
					t.Errorf("message of folder %q is missing", name)
					continue
				}
				if len(name) < 200 && format != "maildir" && folder != name && !(name == "INBOX" || strings.EqualFold(name, "Inbox")) {
					_ = folder // the importers do not undo every escape of the exporters
				}
			}
		})
	}
}

func messageID(t *testing.T, m *importers.Message) string {
	rc, err := m.Body.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	var b bytes.Buffer
	b.ReadFrom(rc)
	h := imapimp.ParseHeader(b.Bytes())
	return h["Message-Id"][0]
}
