package main

// The kill harness for POP3 sources (issue 16): a copy from Dovecot's
// POP3 into a Maildir is SIGKILLed at random points (startup, listing,
// TOP, mid-RETR, mid-write) until a run completes on its own; then verify
// --content passes, the target holds every message exactly once, and one
// more run copies nothing. At least 10 kill points.

import (
	"math/rand"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

func TestPOP3KillAndResume(t *testing.T) {
	srv, o := fillPOP3(t, 300)
	bin := buildBinary(t)
	seed := int64(20261205)
	if s := os.Getenv("MAILFERRY_FAULT_SEED"); s != "" {
		seed, _ = strconv.ParseInt(s, 10, 64)
	}
	rng := rand.New(rand.NewSource(seed))
	t.Logf("seed %d (MAILFERRY_FAULT_SEED reproduces a run)", seed)
	ca := srv.CACertFile
	src := "pop3://bob@" + srv.POP3Addr
	const minKills = 12
	kills, mid := 0, 0
	for round := 0; kills < minKills; round++ {
		dst := "maildir:" + filepath.Join(t.TempDir(), "md"+strconv.Itoa(round))
		for run := 0; ; run++ {
			if run > 60 {
				t.Fatalf("round %d: no run completed after %d attempts", round, run)
			}
			killAfter := rng.Intn(o.Count / 2)
			if rng.Intn(5) == 0 {
				killAfter = -300 // startup, login, LIST, TOP
			}
			landed, copied, code := killRun(t, rng, bin, killAfter, "--tls-ca", ca, src, dst)
			if landed {
				kills++
				if copied > 0 {
					mid++
				}
				continue
			}
			if code != 0 {
				t.Fatalf("round %d: run %d exited %d", round, run, code)
			}
			break
		}
		if code, stdout, stderr := runCLI(t, "verify", "--content", "--tls-ca", ca, src, dst); code != 0 {
			t.Fatalf("round %d: verify --content: exit %d\n%s\n%s", round, code, tail(stdout, 3000), stderr)
		}
		n, dups := storeCount(t, dst)
		if n != o.Count || len(dups) > 0 {
			t.Fatalf("round %d: target holds %d messages, want %d; duplicates: %v", round, n, o.Count, dups)
		}
		if code, sum := copyJSON(t, "--tls-ca", ca, src, dst); code != 0 || totalOf(t, sum, "copied") != 0 {
			t.Fatalf("round %d: the run after completion copied %d (exit %d)", round, totalOf(t, sum, "copied"), code)
		}
	}
	t.Logf("pop3→maildir: %d kill points survived (%d after copying had begun), nothing lost, no duplicates (%d messages)", kills, mid, o.Count)
}
