package mbox

import (
	"bufio"
	"context"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/mailferry/mailferry/importers"
	"github.com/mailferry/mailferry/importers/importertest"
)

// genMbox writes n generated messages (importertest.GenMessage, mean size
// avg bytes) as an mboxrd file in the Thunderbird manner and returns its
// path and size.
func genMbox(tb testing.TB, n, avg int) (string, int64) {
	tb.Helper()
	p := filepath.Join(tb.TempDir(), "Inbox")
	f, err := os.Create(p)
	if err != nil {
		tb.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	o := importertest.GenOptions{Count: n, Seed: 7, AvgSize: avg}
	for i := 0; i < n; i++ {
		m := importertest.GenMessage(o, i)
		rc, err := m.Body.Open()
		if err != nil {
			tb.Fatal(err)
		}
		raw, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			tb.Fatal(err)
		}
		w.Write(mboxrd(importertest.Item{Raw: append([]byte("X-Mozilla-Status: 0001\n"), raw...), Date: m.InternalDate}))
	}
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
	fi, err := f.Stat()
	if err != nil {
		tb.Fatal(err)
	}
	f.Close()
	return p, fi.Size()
}

// BenchmarkMboxScan scans a 5,000-message mbox (about 100 MB) for message
// boundaries, flags and dates, as Folders and Walk do; MB/s is file bytes.
//
//	go test -run '^$' -bench BenchmarkMboxScan -benchtime 10x ./importers/mbox/
func BenchmarkMboxScan(b *testing.B) {
	p, size := genMbox(b, 5000, 20<<10)
	b.SetBytes(size)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		f, err := os.Open(p)
		if err != nil {
			b.Fatal(err)
		}
		r := NewReader(f, size, ReaderOptions{})
		n := 0
		for {
			e, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			e.Flags()
			n++
		}
		f.Close()
		if n != 5000 {
			b.Fatalf("%d messages", n)
		}
	}
}

// BenchmarkMboxWalkRead walks the same mbox and reads every body (with
// unquoting where needed), as a copy does.
func BenchmarkMboxWalkRead(b *testing.B) {
	p, size := genMbox(b, 5000, 20<<10)
	src, err := Open(p, nil)
	if err != nil {
		b.Fatal(err)
	}
	buf := make([]byte, 64<<10)
	b.SetBytes(size)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		err := src.Walk(context.Background(), importers.Folder{"Inbox"}, nil, func(m *importers.Message, err error) error {
			if err != nil {
				return err
			}
			rc, err := m.Body.Open()
			if err != nil {
				return err
			}
			defer rc.Close()
			_, err = io.CopyBuffer(io.Discard, rc, buf)
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// hugeMbox writes one message of about size bytes: 76-character lines, a
// line to unquote every MiB, no newline in the first 300 KiB (a line longer
// than the read buffer).
func hugeMbox(tb testing.TB, size int) (string, int64) {
	tb.Helper()
	p := filepath.Join(tb.TempDir(), "huge")
	f, err := os.Create(p)
	if err != nil {
		tb.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	w.WriteString("From - Mon Jan  1 00:00:00 2001\nX-Mozilla-Status: 0001\nSubject: huge\n\n")
	w.WriteString(strings.Repeat("x", 300<<10) + "\n")
	line := strings.Repeat("QUJD", 19) + "\n"
	quoted := ">From the middle of a huge message\n"
	written := 0
	for written < size {
		if written%(1<<20) < len(line) {
			w.WriteString(quoted)
		}
		w.WriteString(line)
		written += len(line)
	}
	w.WriteString("\n")
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
	fi, _ := f.Stat()
	f.Close()
	return p, fi.Size()
}

// TestHugeMessageFlatMemory scans and reads a mbox holding one 200 MB
// message and checks that the heap allocated meanwhile does not grow with
// the message (a generous 8 MiB bound for a 200 MB message).
func TestHugeMessageFlatMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("writes a 200 MB file; skipped with -short")
	}
	p, size := hugeMbox(t, 200<<20)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)

	src, err := Open(p, nil)
	if err != nil {
		t.Fatal(err)
	}
	fis, err := src.Folders(context.Background())
	if err != nil || len(fis) != 1 || fis[0].Messages != 1 {
		t.Fatalf("Folders = %+v, %v", fis, err)
	}
	var got int64
	err = src.Walk(context.Background(), importers.Folder{"huge"}, nil, func(m *importers.Message, err error) error {
		if err != nil {
			return err
		}
		rc, err := m.Body.Open()
		if err != nil {
			return err
		}
		defer rc.Close()
		got, err = io.CopyBuffer(io.Discard, struct{ io.Reader }{rc}, make([]byte, 32<<10))
		if err == nil && got != m.Body.Len() {
			t.Errorf("read %d bytes, Len %d", got, m.Body.Len())
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	alloc := after.TotalAlloc - before.TotalAlloc
	t.Logf("file %d bytes, body %d bytes, heap allocated %d bytes", size, got, alloc)
	if got < 200<<20 {
		t.Fatalf("body only %d bytes", got)
	}
	if alloc > 8<<20 {
		t.Errorf("allocated %d bytes for a %d-byte message: memory is not flat", alloc, size)
	}
}
