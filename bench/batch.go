package main

// -batch: mailferry batch throughput (issue 19). accounts Maildirs of
// count generated messages each are copied into as many accounts of a
// private Dovecot (users made here: a static passdb after the launcher's
// own, homes created below) with one batch file, once per --parallel
// value, each into fresh accounts. Reported: wall time, accounts/min and
// messages/s. After each run the state file must say every job done with
// every message copied.

import (
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/mailferry/mailferry/importers/keycache"
	"github.com/mailferry/mailferry/internal/batch"
	"github.com/mailferry/mailferry/internal/labserver"
)

func runBatchBench(accounts, count, avg int, parallels string, keep bool) error {
	var ps []int
	for _, s := range strings.Split(parallels, ",") {
		p, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || p < 1 {
			return fmt.Errorf("-batch-parallel %q: want numbers such as 1,2,4", parallels)
		}
		ps = append(ps, p)
	}
	work, err := os.MkdirTemp("", "mailferry-bench-batch-")
	if err != nil {
		return err
	}
	if !keep {
		defer os.RemoveAll(work)
	}
	bin := filepath.Join(work, "mailferry")
	log.Printf("building mailferry")
	if _, err := measure(os.Environ(), "go", "build", "-o", bin, "./cmd/mailferry"); err != nil {
		return err
	}
	conf := fmt.Sprintf("passdb {\n  driver = static\n  args = password=%s\n}\nuserdb {\n  driver = static\n  args = allow_all_users=yes\n}\n", labserver.Password)
	srv, err := labserver.LaunchDovecot(&labserver.DovecotConfig{QuotaBytes: 64 << 30, ExtraConf: conf})
	if err != nil {
		return err
	}
	defer srv.Stop()
	fi, err := os.Stat(filepath.Join(srv.Dir, "home", "alice"))
	if err != nil {
		return err
	}
	owner := fi.Sys().(*syscall.Stat_t)
	env := append(os.Environ(), "BENCH_PW="+labserver.Password)

	log.Printf("generating %d accounts of %d messages (mean %d bytes)", accounts, count, avg)
	var srcs []string
	for i := range accounts {
		dir := filepath.Join(work, "src", fmt.Sprintf("a%03d", i))
		if _, err := measure(env, bin, "-q", "gen", "maildir:"+dir, "--count", fmt.Sprint(count), "--avg-size", fmt.Sprint(avg), "--seed", fmt.Sprint(i+1)); err != nil {
			return err
		}
		srcs = append(srcs, dir)
	}
	time.Sleep(keycache.RacyWindow)

	fmt.Printf("\nmailferry batch: %d accounts × %d messages, Maildir → IMAP (Dovecot on 127.0.0.1), j 1 per job\n", accounts, count)
	fmt.Printf("%-9s %10s %14s %12s\n", "parallel", "wall", "accounts/min", "messages/s")
	for _, p := range ps {
		var b strings.Builder
		b.WriteString("source,target,target_password_env,j\n")
		for i, src := range srcs {
			u := fmt.Sprintf("p%du%03d", p, i)
			home := filepath.Join(srv.Dir, "home", u)
			if err := os.Mkdir(home, 0o700); err != nil {
				return err
			}
			if err := os.Chown(home, int(owner.Uid), int(owner.Gid)); err != nil {
				return err
			}
			fmt.Fprintf(&b, "maildir:%s,imap://%s@%s,BENCH_PW,1\n", src, u, srv.Addr)
		}
		file := filepath.Join(work, fmt.Sprintf("batch-p%d.csv", p))
		if err := os.WriteFile(file, []byte(b.String()), 0o600); err != nil {
			return err
		}
		state := filepath.Join(work, fmt.Sprintf("batch-p%d.state.json", p))
		res, err := measure(env, bin, "-q", "batch", file, "--parallel", fmt.Sprint(p), "--max-connections-per-host", "64", "--state", state)
		if err != nil {
			return err
		}
		st, err := batch.LoadState(state)
		if err != nil {
			return err
		}
		var copied int64
		for _, e := range st.Jobs {
			if e.Status != batch.StatusDone {
				return fmt.Errorf("--parallel %d: job %s: %s (%s)", p, e.Target, e.Status, e.Error)
			}
			copied += e.CopiedTotal
		}
		if len(st.Jobs) != accounts || copied != int64(accounts*count) {
			return fmt.Errorf("--parallel %d: %d jobs copied %d messages, want %d and %d", p, len(st.Jobs), copied, accounts, accounts*count)
		}
		secs := res.wall.Seconds()
		fmt.Printf("%-9d %9.1fs %14.1f %12.0f\n", p, secs, float64(accounts)/secs*60, float64(accounts*count)/secs)
	}
	return nil
}
