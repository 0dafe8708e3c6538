package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/mailferry/mailferry/exporters"
)

// lockTarget takes the target's lock for a writing run (issue 13): a
// second run into the same target waits up to --wait-lock or stops with
// a *exporters.LockedError (exit 1) naming the holder. Plan, dry runs and
// targets that cannot be locked take nothing.
func (o *copyOptions) lockTarget(ctx context.Context, g *globalOptions, sink exporters.Sink, writing bool) (func() error, error) {
	none := func() error { return nil }
	lk, ok := sink.(exporters.Locker)
	if !writing || !ok || benchUnguarded {
		return none, nil
	}
	release, err := lk.Lock(ctx, 0)
	var le *exporters.LockedError
	if errors.As(err, &le) && o.waitLock > 0 {
		holder := le.Holder
		if holder == "" {
			holder = "another mailferry run"
		}
		if g.json {
			g.emit(map[string]any{"type": "warning", "reason": fmt.Sprintf("%s is being written by %s; waiting up to %s for it", le.Target, holder, o.waitLock)})
		} else if !g.quiet {
			fmt.Fprintf(g.stderr, "mailferry: %s is being written by %s; waiting up to %s for it\n", le.Target, holder, o.waitLock)
		}
		start := time.Now()
		release, err = lk.Lock(ctx, o.waitLock)
		if errors.As(err, &le) {
			le.Waited = time.Since(start)
		}
	}
	if err != nil {
		return nil, err
	}
	return release, nil
}
