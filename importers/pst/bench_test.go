package pst

import (
	"context"
	"io"
	"os/exec"
	"testing"
	"time"

	"github.com/mailferry/mailferry/importers"
)

// BenchmarkEnron reads go-pst's enron.pst (2178 mail items, 28 MiB) fully:
// every item is built into a message and its bytes are read. The readpst
// sub-benchmark runs readpst on the same file (mail only, one file per
// item, no parallel jobs) so that the items/s of both are side by side:
//
//	go test -bench Enron -run '^$' ./importers/pst/
//
// items/s is by wall clock; cpu-items/s divides by the CPU time used
// (user+system, of this process or of readpst), which a loaded machine
// disturbs less.
func BenchmarkEnron(b *testing.B) {
	path := samplePath(b, "enron.pst")
	b.Run("mailferry", func(b *testing.B) {
		items := 0
		start := time.Now()
		cpu0 := cpuTime()
		for b.Loop() {
			s, err := Open(path, &importers.Options{SpoolDir: b.TempDir()})
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			fis, err := s.Folders(ctx)
			if err != nil {
				b.Fatal(err)
			}
			for _, fi := range fis {
				err := s.Walk(ctx, fi.Folder, nil, func(m *importers.Message, rerr error) error {
					if rerr != nil {
						b.Fatal(rerr)
					}
					rc, err := m.Body.Open()
					if err != nil {
						return err
					}
					_, err = io.Copy(io.Discard, rc)
					rc.Close()
					items++
					return err
				})
				if err != nil {
					b.Fatal(err)
				}
			}
			s.Close()
		}
		b.ReportMetric(float64(items)/time.Since(start).Seconds(), "items/s")
		b.ReportMetric(float64(items)/(cpuTime()-cpu0).Seconds(), "cpu-items/s")
	})
	b.Run("readpst", func(b *testing.B) {
		bin, err := exec.LookPath("readpst")
		if err != nil {
			b.Skip("readpst not found (apt-get install pst-utils)")
		}
		start := time.Now()
		var cpu time.Duration
		for b.Loop() {
			dir := b.TempDir()
			cmd := exec.Command(bin, "-D", "-e", "-b", "-j", "0", "-q", "-t", "e", "-o", dir, path)
			if out, err := cmd.CombinedOutput(); err != nil {
				b.Fatalf("%v: %s", err, out)
			}
			cpu += cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
		}
		b.ReportMetric(float64(2178*b.N)/time.Since(start).Seconds(), "items/s")
		b.ReportMetric(float64(2178*b.N)/cpu.Seconds(), "cpu-items/s")
	})
}
