package main

// The archive kill harness (issue 15): mailferry archive is SIGKILLed at
// random points (selection, copy, proof, delete) against a private
// Dovecot; after every kill each corpus message is on the server or in
// the archive (never neither, never twice in the archive), and the run
// after the kills finishes the job.

import (
	"bufio"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// killArchive starts bin archive args and SIGKILLs it after delay. It
// returns whether the kill landed, the last step the run had reported,
// and the exit code when it ended on its own.
func killArchive(t *testing.T, bin string, delay time.Duration, args ...string) (landed bool, stage string, code int) {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"archive", "--json"}, args...)...)
	cmd.Env = os.Environ()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	timer := time.AfterFunc(delay, func() { cmd.Process.Signal(syscall.SIGKILL) })
	defer timer.Stop()
	watchdog := time.AfterFunc(2*time.Minute, func() { cmd.Process.Signal(syscall.SIGQUIT) })
	defer watchdog.Stop()
	stage = "start"
	sc := bufio.NewScanner(stdout)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		if i := strings.Index(sc.Text(), `"stage":"`); i >= 0 {
			stage = strings.SplitN(sc.Text()[i+9:], `"`, 2)[0]
		}
	}
	cmd.Wait()
	ws, _ := cmd.ProcessState.Sys().(syscall.WaitStatus)
	if ws.Signaled() && ws.Signal() == syscall.SIGKILL {
		return true, stage, -1
	}
	if ws.ExitStatus() != 0 {
		t.Logf("stderr: %s", tail(stderr.String(), 2000))
	}
	return false, stage, ws.ExitStatus()
}

func TestArchiveKillHarness(t *testing.T) {
	if testing.Short() {
		t.Skip("kill harness: not with -short")
	}
	bin := buildBinary(t)
	f := newArchiveFixture(t, 300)
	rng := rand.New(rand.NewSource(time.Now().UnixNano()))
	dir := t.TempDir()
	modes := [][]string{
		{"--older-than", "2015-01-05"},
		{"--until-usage", "60%"},
	}
	// An uninterrupted run calibrates the kill delays.
	start := time.Now()
	ref := "maildir:" + filepath.Join(dir, "ref")
	if landed, _, code := killArchive(t, bin, time.Hour, append(modes[0], f.alice, ref)...); landed || code != 0 {
		t.Fatalf("reference run: exit %d", code)
	}
	full := time.Since(start)
	_, refArchived := f.checkSplit(t, "reference", ref, true)
	t.Logf("an uninterrupted archive of %d messages takes %v", len(refArchived), full)

	const minKills = 24
	kills := 0
	stages := map[string]int{}
	for round := 0; kills < minKills; round++ {
		f.load(t)
		format := []string{"maildir", "mbox", "eml"}[round%3]
		mode := modes[round%2]
		dst := format + ":" + filepath.Join(dir, "r"+string(rune('a'+round%26))+strings.Repeat("x", round/26))
		for run := 0; ; run++ {
			if run > 40 {
				t.Fatalf("round %d: no run finished after %d attempts", round, run)
			}
			delay := time.Duration(rng.Int63n(int64(full*3/2) + 1))
			if run >= 4 {
				delay = time.Hour // let it finish
			}
			landed, stage, code := killArchive(t, bin, delay, append(append([]string{}, mode...), f.alice, dst)...)
			if landed {
				kills++
				stages[stage]++
				f.checkSplit(t, "after a kill", dst, false)
				continue
			}
			if code != 0 {
				t.Fatalf("round %d (%s %v): run %d exited %d", round, format, mode, run, code)
			}
			break
		}
		// With --until-usage a message a killed run copied may stay on
		// the server too when the finishing run needs less room (it is
		// found as a duplicate when it is archived later).
		what := fmt.Sprintf("round %d (%s %v) finished", round, format, mode)
		_, archived := f.checkSplit(t, what, dst, mode[0] == "--older-than")
		if mode[0] == "--older-than" && len(archived) != len(refArchived) {
			t.Fatalf("round %d: archive holds %d, an uninterrupted run moves %d", round, len(archived), len(refArchived))
		}
		if mode[0] == "--until-usage" {
			if u := f.usage(t); u > 60 {
				t.Fatalf("round %d: usage %.1f%% after the finished run, want ≤ 60%%", round, u)
			}
		}
		// The run after completion moves nothing (with --until-usage it
		// needs no room, so a copy a killed run left on both sides stays).
		if landed, _, code := killArchive(t, bin, time.Hour, append(append([]string{}, mode...), f.alice, dst)...); landed || code != 0 {
			t.Fatalf("round %d: the run after completion exited %d", round, code)
		}
		if _, again := f.checkSplit(t, "re-run", dst, mode[0] == "--older-than"); len(again) != len(archived) {
			t.Fatalf("round %d: the run after completion changed the archive (%d → %d)", round, len(archived), len(again))
		}
	}
	t.Logf("%d kills landed; last step reported before the kill: %v; nothing lost, nothing twice", kills, stages)
}
