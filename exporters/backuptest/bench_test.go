package backuptest

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/mailferry/mailferry/exporters"
	"github.com/mailferry/mailferry/exporters/imap/dovecottest"
	"github.com/mailferry/mailferry/importers"
	"github.com/mailferry/mailferry/importers/importertest"
	"github.com/mailferry/mailferry/internal/engine"
)

// BenchmarkPullMaildir pulls a generated account from a private Dovecot
// into a new Maildir per iteration (no state: a first backup) and reports
// msgs/s and MB/s of that pull, the time of the incremental re-run that
// follows it, and the peak RSS of the test process (seeding included).
// MAILFERRY_BENCH_COUNT (default 5000) and MAILFERRY_BENCH_AVGSIZE
// (default 51200 bytes, the speed issue's reference corpus) size it.
//
//	go test -run '^$' -bench PullMaildir -benchtime 3x ./exporters/backuptest/
func BenchmarkPullMaildir(b *testing.B) {
	count := envInt("MAILFERRY_BENCH_COUNT", 5000)
	avg := envInt("MAILFERRY_BENCH_AVGSIZE", 50<<10)
	srv := dovecottest.Start(b, &dovecottest.Config{QuotaBytes: int64(count) * int64(avg) * 3})
	seed(b, srv, "alice", importertest.GenOptions{Count: count, AvgSize: avg, Seed: 5})
	url := "imap://alice@" + srv.Addr
	ctx := context.Background()
	base := b.TempDir()
	var bytes int64
	var pull, rerun time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		dir := filepath.Join(base, strconv.Itoa(i))
		start := time.Now()
		plan := pullOnce(b, ctx, url, dir)
		pull += time.Since(start)
		if got := plan.Totals().Copied; got != int64(count) {
			b.Fatalf("copied %d of %d", got, count)
		}
		bytes = plan.Totals().NewBytes
		b.StopTimer()
		start = time.Now()
		if plan := pullOnce(b, ctx, url, dir); plan.Totals().Copied != 0 {
			b.Fatalf("re-run copied %d", plan.Totals().Copied)
		}
		rerun += time.Since(start)
		os.RemoveAll(dir)
		b.StartTimer()
	}
	n := float64(b.N)
	b.ReportMetric(float64(count)*n/pull.Seconds(), "msgs/s")
	b.ReportMetric(float64(bytes)*n/pull.Seconds()/1e6, "MB/s")
	b.ReportMetric(rerun.Seconds()/n*1000, "rerun-ms")
	b.ReportMetric(100*rerun.Seconds()/pull.Seconds(), "rerun-%")
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		b.ReportMetric(float64(ru.Maxrss)/1024, "peak-RSS-MB")
	}
}

func pullOnce(b *testing.B, ctx context.Context, url, dir string) *engine.Plan {
	src, err := openIMAP(ctx, url, &importers.Options{Password: password, Role: "source"})
	if err != nil {
		b.Fatal(err)
	}
	defer src.Close()
	sink, err := exporters.Open(ctx, "maildir:"+dir, &importers.Options{Role: "target"})
	if err != nil {
		b.Fatal(err)
	}
	eng := &engine.Engine{Src: src, Sink: sink, Opts: engine.Options{SourceID: url}}
	plan, err := eng.Copy(ctx)
	if cerr := sink.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		b.Fatal(err)
	}
	return plan
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}
