package imap

import (
	"bytes"
	"context"
	"io"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/mailferry/mailferry/exporters"
	"github.com/mailferry/mailferry/importers"
	"github.com/mailferry/mailferry/internal/fakeimap"
)

// Tests of the Sink against fake hostile servers (internal/fakeimap).

func hostileSinkOpts(srv *fakeimap.Server) *importers.Options {
	return &importers.Options{
		Password: func(role, user string) (string, error) { return srv.Password, nil },
		Timeout:  time.Second,
		Debug:    dbgW(),
	}
}

func hostileSink(t *testing.T, srv *fakeimap.Server) *Sink {
	t.Helper()
	s, err := Open(context.Background(), srv.URL(), hostileSinkOpts(srv))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// TestHostileTargetHugeLiteral: a target that answers LIST with a mailbox
// name announced at 10 GB gets a clear error at once, not 10 GB of memory.
func TestHostileTargetHugeLiteral(t *testing.T) {
	srv := fakeimap.Start(t)
	srv.Respond = func(name, args string) (string, bool) {
		if name == "LIST" && strings.Contains(args, "*") {
			return "* LIST () \"/\" {10737418240}\r\n" + strings.Repeat("A", 4<<20), true
		}
		return "", false
	}
	s := hostileSink(t, srv)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	_, err := s.Folders(context.Background())
	runtime.ReadMemStats(&after)
	if err == nil || !strings.Contains(err.Error(), "10737418240") || !strings.Contains(err.Error(), "refused") {
		t.Errorf("Folders: %v, want a refused literal of 10737418240 bytes", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v", d)
	}
	if after.TotalAlloc-before.TotalAlloc > 64<<20 {
		t.Errorf("%d MB allocated", (after.TotalAlloc-before.TotalAlloc)>>20)
	}
}

// TestHostileTargetStallAppend: a target that stops answering in the
// middle of an APPEND (go-imap) or a MULTIAPPEND (RawConn) makes the store
// fail after the timeout, with an error that says so.
func TestHostileTargetStallAppend(t *testing.T) {
	for _, batch := range []bool{false, true} {
		srv := fakeimap.Start(t, &fakeimap.Mailbox{Name: "INBOX"})
		srv.Respond = func(name, args string) (string, bool) {
			return "", name == "APPEND"
		}
		s := hostileSink(t, srv)
		tg, err := s.Resolve(context.Background(), importers.Folder{"INBOX"}, "")
		if err != nil {
			t.Fatal(err)
		}
		data := bytes.Repeat([]byte("0123456789abcdef\r\n"), 1<<16) // 1.1 MB: more than the socket buffers
		m := &importers.Message{Ref: "test:1"}
		start := time.Now()
		if batch {
			err = tg.(*Target).AppendBatch(context.Background(), []exporters.BatchItem{{M: m, Data: fakeimap.Msg("a", "a")}, {M: m, Data: data}})
		} else {
			err = tg.Append(context.Background(), m, int64(len(data)), bytes.NewReader(data))
		}
		if err == nil || !strings.Contains(err.Error(), "timeout") {
			t.Errorf("batch=%v: %v, want a timeout", batch, err)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("batch=%v: took %v", batch, d)
		}
	}
}

// TestHostileTargetEchoesPassword: an APPEND refused with a text that
// repeats the password does not carry it into the error.
func TestHostileTargetEchoesPassword(t *testing.T) {
	for _, batch := range []bool{false, true} {
		srv := fakeimap.Start(t, &fakeimap.Mailbox{Name: "INBOX"})
		srv.Respond = func(name, args string) (string, bool) {
			if name == "APPEND" {
				return "$TAG NO [CANNOT] user alice password " + srv.Password + " may not\r\n", false
			}
			return "", false
		}
		s := hostileSink(t, srv)
		tg, err := s.Resolve(context.Background(), importers.Folder{"INBOX"}, "")
		if err != nil {
			t.Fatal(err)
		}
		m := &importers.Message{Ref: "test:1"}
		d := fakeimap.Msg("a", "a")
		if batch {
			err = tg.(*Target).AppendBatch(context.Background(), []exporters.BatchItem{{M: m, Data: d}, {M: m, Data: d}})
		} else {
			err = tg.Append(context.Background(), m, int64(len(d)), bytes.NewReader(d))
		}
		if err == nil {
			t.Fatalf("batch=%v: APPEND accepted", batch)
		}
		if strings.Contains(err.Error(), srv.Password) {
			t.Errorf("batch=%v: the error carries the password: %v", batch, err)
		}
	}
}

func dbgW() io.Writer {
	if os.Getenv("HOSTILE_TRACE") != "" {
		return os.Stderr
	}
	return nil
}
