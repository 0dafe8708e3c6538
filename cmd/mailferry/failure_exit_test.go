package main

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/mailferry/mailferry/importers"
	"github.com/mailferry/mailferry/internal/engine"
	"github.com/mailferry/mailferry/internal/failure"
)

// TestCobraUsageExit2: cobra's own usage errors (unknown command, bad flag
// value, missing flag argument, wrong argument count) exit 2.
func TestCobraUsageExit2(t *testing.T) {
	for _, args := range [][]string{
		{"nosuchcommand"},
		{"copy", "--connections", "many", "maildir:/tmp", "maildir:/tmp"},
		{"copy", "--connections"},
		{"gen"},
		{"version", "extra"},
		{"ls", "-Z", "maildir:/tmp"},
	} {
		if code, _, stderr := runCLI(t, args...); code != exitUsage {
			t.Errorf("%q: exit %d, want %d (stderr %q)", args, code, exitUsage, stderr)
		}
	}
}

// TestExitCodeClassifies: exitCode goes by failure.Classify.
func TestExitCodeClassifies(t *testing.T) {
	bg := context.Background()
	cancelled, cancel := context.WithCancel(bg)
	cancel()
	for _, c := range []struct {
		ctx  context.Context
		err  error
		want int
	}{
		{bg, nil, exitOK},
		{bg, errors.New("boom"), exitError},
		{bg, fmt.Errorf("copy: %w", &engine.QuotaError{MidRun: true}), exitQuota},
		{cancelled, &engine.QuotaError{MidRun: true}, exitQuota},
		{cancelled, errors.New("x"), exitCancelled},
		{bg, engine.ErrInterrupted, exitCancelled},
		{bg, fmt.Errorf("dial: %w", context.DeadlineExceeded), exitError},
		{bg, errIncomplete, exitIncomplete},
		{bg, &errNotVerified{}, exitIncomplete},
		{bg, importers.UsageError("bad spec"), exitUsage},
		{bg, fmt.Errorf("x: %w", importers.ErrUsage), exitUsage},
		{bg, failure.Transient(errors.New("cut")), exitError},
	} {
		if got := exitCode(c.ctx, c.err); got != c.want {
			t.Errorf("exitCode(%v) = %d, want %d", c.err, got, c.want)
		}
	}
}
