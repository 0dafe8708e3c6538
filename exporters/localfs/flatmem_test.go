package localfs_test

import (
	"context"
	"io"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/mailferry/mailferry/dedupe"
	"github.com/mailferry/mailferry/exporters"
	"github.com/mailferry/mailferry/exporters/eml"
	"github.com/mailferry/mailferry/exporters/maildir"
	"github.com/mailferry/mailferry/exporters/mbox"
	"github.com/mailferry/mailferry/importers"
)

// bigBody yields n bytes of a message without a Message-ID (so Keys reads
// it all), with "From " lines for mbox to quote.
type bigBody struct{ n, i int64 }

var bigHeader, bigBlock = func() (string, []byte) {
	var b []byte
	for l := 0; l < 1000; l++ {
		if l%50 == 0 {
			b = append(b, "From here, quoted in mbox\n"...)
		}
		for c := 0; c < 76; c++ {
			b = append(b, 'a'+byte((l+c)%26))
		}
		b = append(b, '\n')
	}
	return "Subject: big\n\n", b
}()

func (g *bigBody) Read(p []byte) (int, error) {
	if g.i >= g.n {
		return 0, io.EOF
	}
	if int64(len(p)) > g.n-g.i {
		p = p[:g.n-g.i]
	}
	var k int
	if g.i < int64(len(bigHeader)) {
		k = copy(p, bigHeader[g.i:])
	} else {
		off := (g.i - int64(len(bigHeader))) % int64(len(bigBlock))
		k = copy(p, bigBlock[off:])
	}
	g.i += int64(k)
	return k, nil
}

// TestFlatMemory: writing and keying a 32 MiB message allocates a small,
// fixed amount whatever the exporter: nothing holds a message in memory.
func TestFlatMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 3×32 MiB")
	}
	const size = 32 << 20
	sinks := map[string]func(string) (exporters.Sink, error){
		"maildir": func(d string) (exporters.Sink, error) { return maildir.New(d, nil) },
		"mbox":    func(d string) (exporters.Sink, error) { return mbox.New(d, nil) },
		"eml":     func(d string) (exporters.Sink, error) { return eml.New(d, nil) },
	}
	for name, mk := range sinks {
		s, err := mk(filepath.Join(t.TempDir(), name))
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		tg, _ := s.Resolve(ctx, importers.Folder{"INBOX"}, "")
		if err := tg.Create(ctx); err != nil {
			t.Fatal(err)
		}
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		m := &importers.Message{Ref: "big", InternalDate: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)}
		if err := tg.Append(ctx, m, size, &bigBody{n: size}); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		n := 0
		if err := tg.Keys(ctx, func(dedupe.Key) error { n++; return nil }); err != nil || n != 1 {
			t.Fatalf("%s: Keys: %d keys, %v", name, n, err)
		}
		runtime.ReadMemStats(&after)
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 4<<20 {
			t.Errorf("%s: allocated %d KiB for a %d MiB message", name, alloc>>10, size>>20)
		}
		s.Close()
	}
}
