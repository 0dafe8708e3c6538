package imap

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/mailferry/mailferry/importers"
	"github.com/mailferry/mailferry/internal/failure"
	"github.com/mailferry/mailferry/internal/fakeimap"
)

// Tests against fake hostile servers (internal/fakeimap): misbehaviour no
// real server produces. Timeouts are short so that each test takes
// seconds.

const hostileTimeout = time.Second

func hostileOpts(srv *fakeimap.Server) *importers.Options {
	var debug io.Writer
	if os.Getenv("HOSTILE_TRACE") != "" {
		debug = os.Stderr
	}
	return &importers.Options{
		Debug:       debug,
		Password:    func(role, user string) (string, error) { return srv.Password, nil },
		Timeout:     hostileTimeout,
		RetryBudget: 3 * time.Second,
		SpoolDir:    os.TempDir(),
	}
}

// fastRetries makes the retry waits short for one test.
func fastRetries(t *testing.T) {
	old := failure.Backoff
	failure.Backoff = []time.Duration{10 * time.Millisecond, 20 * time.Millisecond, 40 * time.Millisecond}
	t.Cleanup(func() { failure.Backoff = old })
}

type hwalked struct {
	bodies map[string][]byte // Ref -> body
	errs   []error
}

func walkFolder(t *testing.T, src *Source, f importers.Folder) (hwalked, error) {
	t.Helper()
	w := hwalked{bodies: map[string][]byte{}}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	err := src.Walk(ctx, f, nil, func(m *importers.Message, err error) error {
		if err != nil {
			w.errs = append(w.errs, err)
			return nil
		}
		r, err := m.Body.Open()
		if err != nil {
			return err
		}
		b, err := io.ReadAll(r)
		r.Close()
		if err != nil {
			return err
		}
		w.bodies[m.Ref] = b
		return nil
	})
	return w, err
}

func msgs(uids ...uint32) []fakeimap.Message {
	var out []fakeimap.Message
	for _, u := range uids {
		out = append(out, fakeimap.Message{UID: u, Data: fakeimap.Msg(fmt.Sprint("m", u), "hello")})
	}
	return out
}

// TestHostileLoginEchoesPassword: a NO that repeats the password does not
// carry it into the error.
func TestHostileLoginEchoesPassword(t *testing.T) {
	srv := fakeimap.Start(t)
	srv.LoginNO = "[AUTHENTICATIONFAILED] wrong password %s for you"
	_, err := Open(context.Background(), srv.URL(), hostileOpts(srv))
	if err == nil {
		t.Fatal("login accepted")
	}
	if strings.Contains(err.Error(), srv.Password) {
		t.Errorf("the error carries the password: %v", err)
	}
	if !errors.Is(err, ErrLogin) {
		t.Errorf("not ErrLogin: %v", err)
	}
	if !importers.IsSecret(srv.Password) {
		t.Errorf("the password was not registered as a secret")
	}
}

// TestHostileStallList: a server that stops answering in the middle of
// LIST makes Folders fail after --timeout, not hang.
func TestHostileStallList(t *testing.T) {
	srv := fakeimap.Start(t, &fakeimap.Mailbox{Name: "INBOX", Messages: msgs(1)})
	srv.Respond = func(name, args string) (string, bool) {
		if name == "LIST" && strings.Contains(args, "*") {
			return "* LIST () \"/\" \"INBOX\"\r\n", true
		}
		return "", false
	}
	src, err := Open(context.Background(), srv.URL(), hostileOpts(srv))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	start := time.Now()
	_, err = src.Folders(context.Background())
	if err == nil {
		t.Fatal("Folders of a stalled LIST succeeded")
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Folders took %v with a timeout of %v", d, hostileTimeout)
	}
	if !strings.Contains(err.Error(), "timeout") {
		t.Errorf("the error does not say it is a timeout: %v", err)
	}
}

// TestHostileStallMidLiteral: a body that stops in the middle is retried
// within the budget, then the folder fails with a timeout; the whole thing
// takes seconds.
func TestHostileStallMidLiteral(t *testing.T) {
	fastRetries(t)
	m := msgs(1, 2)
	m[1].Stall, m[1].StallAfter = true, 10
	srv := fakeimap.Start(t, &fakeimap.Mailbox{Name: "INBOX", Messages: m})
	src, err := Open(context.Background(), srv.URL(), hostileOpts(srv))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	start := time.Now()
	_, err = walkFolder(t, src, importers.Folder{"INBOX"})
	if err == nil {
		t.Fatal("walk of a stalled body succeeded")
	}
	if d := time.Since(start); d > 6*time.Second {
		t.Errorf("the walk took %v (timeout %v, budget 3s)", d, hostileTimeout)
	}
	if !strings.Contains(err.Error(), "timeout") {
		t.Errorf("the error does not say it is a timeout: %v", err)
	}
}

// TestHostileHugeSourceLiteral: a body announced at 10 GB is refused (more
// than the spool can hold) as an error of that message; the others are
// read; memory stays flat and nothing is spooled.
func TestHostileHugeSourceLiteral(t *testing.T) {
	fastRetries(t)
	m := msgs(1, 2, 3)
	m[1].Fetch = "* 2 FETCH (UID 2 BODY[] {10737418240}\r\n" + strings.Repeat("x", 1000)
	srv := fakeimap.Start(t, &fakeimap.Mailbox{Name: "INBOX", Messages: m})
	opts := hostileOpts(srv)
	opts.SpoolDir = t.TempDir()
	src, err := Open(context.Background(), srv.URL(), opts)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	w, err := walkFolder(t, src, importers.Folder{"INBOX"})
	if err != nil {
		t.Fatalf("walk: %v", err)
	}
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	if len(w.bodies) != 2 || len(w.errs) != 1 {
		t.Fatalf("got %d bodies and errors %v, want 2 bodies and 1 error", len(w.bodies), w.errs)
	}
	if e := w.errs[0].Error(); !strings.Contains(e, "UID=2") || !strings.Contains(e, "10737418240") {
		t.Errorf("the error does not name the message and its size: %v", e)
	}
	if after.TotalAlloc-before.TotalAlloc > 64<<20 {
		t.Errorf("%d MB allocated", (after.TotalAlloc-before.TotalAlloc)>>20)
	}
	if ents, _ := os.ReadDir(opts.SpoolDir); len(ents) != 0 {
		t.Errorf("spool files left: %v", ents)
	}
}

// TestHostileHugeStringLiteral: a mailbox name announced as a 10 GB
// literal is refused at once instead of being buffered in memory.
func TestHostileHugeStringLiteral(t *testing.T) {
	srv := fakeimap.Start(t)
	srv.Respond = func(name, args string) (string, bool) {
		if name == "LIST" && strings.Contains(args, "*") {
			return "* LIST () \"/\" {10737418240}\r\n" + strings.Repeat("A", 1<<20), true
		}
		return "", false
	}
	src, err := Open(context.Background(), srv.URL(), hostileOpts(srv))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err = src.Folders(context.Background())
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	if err == nil || !strings.Contains(err.Error(), "10737418240") {
		t.Errorf("Folders: %v, want a refused literal of 10737418240 bytes", err)
	}
	if after.TotalAlloc-before.TotalAlloc > 64<<20 {
		t.Errorf("%d MB allocated", (after.TotalAlloc-before.TotalAlloc)>>20)
	}
}

// TestHostileFolderNames: mailbox names with control characters, NUL or
// invalid UTF-8 do not fail the listing: each is left out with a named
// warning, the others are listed.
func TestHostileFolderNames(t *testing.T) {
	srv := fakeimap.Start(t,
		&fakeimap.Mailbox{Name: "INBOX", Messages: msgs(1)},
		&fakeimap.Mailbox{Name: "Bad\x01Ctl", Messages: msgs(1)},
		&fakeimap.Mailbox{Name: "Nul\x00Name", Messages: msgs(1)},
		&fakeimap.Mailbox{Name: "Inv\xffalid", Messages: msgs(1)},
		&fakeimap.Mailbox{Name: "Good", Messages: msgs(1, 2)},
	)
	opts := hostileOpts(srv)
	var logBuf bytes.Buffer
	opts.Logger = newTestLogger(&logBuf)
	src, err := Open(context.Background(), srv.URL(), opts)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	fis, err := src.Folders(context.Background())
	if err != nil {
		t.Fatalf("Folders: %v", err)
	}
	var names []string
	for _, fi := range fis {
		names = append(names, fi.Folder.String())
	}
	if strings.Join(names, ",") != "INBOX,Good" {
		t.Errorf("folders %q, want INBOX,Good", names)
	}
	if n := strings.Count(logBuf.String(), "skipped"); n != 3 {
		t.Errorf("%d named skips in the log, want 3:\n%s", n, logBuf.String())
	}
	w, err := walkFolder(t, src, importers.Folder{"Good"})
	if err != nil || len(w.bodies) != 2 {
		t.Errorf("walk of Good: %v, %d bodies", err, len(w.bodies))
	}
}

// TestHostileGarbageLiteralSize: one FETCH response with a literal size
// that is not a number fails that message only.
func TestHostileGarbageLiteralSize(t *testing.T) {
	fastRetries(t)
	m := msgs(1, 2, 3, 4)
	m[2].Fetch = "* 3 FETCH (UID 3 BODY[] {12x4}\r\nxx)\r\n"
	srv := fakeimap.Start(t, &fakeimap.Mailbox{Name: "INBOX", Messages: m})
	src, err := Open(context.Background(), srv.URL(), hostileOpts(srv))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	w, err := walkFolder(t, src, importers.Folder{"INBOX"})
	if err != nil {
		t.Fatalf("walk: %v", err)
	}
	if len(w.bodies) != 3 || len(w.errs) != 1 {
		t.Fatalf("got %d bodies, errors %v; want 3 bodies, 1 error", len(w.bodies), w.errs)
	}
	var me *importers.MessageError
	if !errors.As(w.errs[0], &me) || !strings.Contains(me.Ref, "UID=3") {
		t.Errorf("the error does not name UID 3: %v", w.errs[0])
	}
}

// TestHostileDuplicateUIDs: a server that gives one UID to several
// messages: every message is accounted for, none silently dropped.
func TestHostileDuplicateUIDs(t *testing.T) {
	m := msgs(1, 2, 2, 3, 3)
	m[2].Data = fakeimap.Msg("m2b", "other")
	m[4].Data = fakeimap.Msg("m3b", "other")
	srv := fakeimap.Start(t, &fakeimap.Mailbox{Name: "INBOX", Messages: m})
	src, err := Open(context.Background(), srv.URL(), hostileOpts(srv))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	w, err := walkFolder(t, src, importers.Folder{"INBOX"})
	if err != nil {
		t.Fatalf("walk: %v", err)
	}
	if len(w.bodies)+len(w.errs) != 5 {
		t.Fatalf("%d bodies + %d errors, want 5 messages accounted for (errors %v)", len(w.bodies), len(w.errs), w.errs)
	}
	for _, e := range w.errs {
		if !strings.Contains(e.Error(), "UID") || !strings.Contains(e.Error(), "INBOX") {
			t.Errorf("error does not name folder and UID: %v", e)
		}
	}
}

func newTestLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelInfo}))
}
