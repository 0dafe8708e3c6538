// Command mailferry moves e-mail between the stores a POP user keeps on
// disk (Thunderbird, mbox, Maildir, Outlook exports) and IMAP servers, in
// both directions, without losing or duplicating a message.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"syscall"
	"time"

	"github.com/mailferry/mailferry/importers"
	"github.com/mailferry/mailferry/internal/failure"
)

// Exit codes (listed in the root command's help and the README).
const (
	exitOK         = 0
	exitError      = 1
	exitUsage      = 2
	exitIncomplete = 3
	exitQuota      = 4
	exitCancelled  = 130
)

// errIncomplete is returned by a command that finished but did not copy
// every message; the summary lists them.
// It is of failure kind Message: the run went through, single messages
// did not.
var errIncomplete = failure.Permanent(failure.Message, errors.New("finished, but some messages were not copied (see the list above)"))

func main() {
	os.Exit(run(os.Args[1:]))
}

// memoryLimit is the Go runtime's soft memory limit unless GOMEMLIMIT
// says otherwise: the garbage collector works harder instead of letting
// the heap double over what the copy holds (bounded read-ahead, batches),
// so that peak RSS stays under 64 MB whatever the mailbox size.
const memoryLimit = 40 << 20

// gcPercent is the garbage collector's target unless GOGC says otherwise:
// the heap grows by half its live size between collections, not by all of
// it. What a copy keeps live is small (a batch, the read-ahead, the key
// index), so the collections are cheap, and peak RSS follows the live
// heap more closely as a mailbox grows.
const gcPercent = 50

func run(args []string) int {
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(memoryLimit)
	}
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
	// MAILFERRY_CPUPROFILE=FILE writes a pprof CPU profile of the run (for
	// bench/ and performance work).
	if p := os.Getenv("MAILFERRY_CPUPROFILE"); p != "" {
		if f, err := os.Create(p); err == nil {
			if pprof.StartCPUProfile(f) == nil {
				defer func() {
					pprof.StopCPUProfile()
					f.Close()
				}()
			}
		}
	}
	// MAILFERRY_MEMPROFILE=FILE writes a heap profile taken when the live
	// heap was at its largest (checked every 100 ms after each GC).
	if p := os.Getenv("MAILFERRY_MEMPROFILE"); p != "" {
		stop := peakHeapProfile(p)
		defer stop()
	}
	return runWith(args, os.Stdout, os.Stderr)
}

// peakHeapProfile keeps in path the heap profile of the largest live heap
// seen; stop ends the sampling.
func peakHeapProfile(path string) (stop func()) {
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		var peak uint64
		var lastGC uint32
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
			}
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			if ms.NumGC == lastGC || ms.HeapAlloc <= peak {
				continue
			}
			lastGC, peak = ms.NumGC, ms.HeapAlloc
			if f, err := os.Create(path); err == nil {
				pprof.Lookup("heap").WriteTo(f, 0)
				f.Close()
			}
		}
	}()
	return func() { close(done); <-finished }
}

// runWith runs the command line with the given output streams; tests call it.
func runWith(args []string, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// Nothing the run prints carries a registered secret (a password a
	// server echoed in its error text).
	g := &globalOptions{stdout: importers.RedactingWriter(stdout), stderr: importers.RedactingWriter(stderr), stdin: os.Stdin}
	root := newRootCommand(g)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	code := exitCode(ctx, err)
	if err != nil {
		g.printError(err, code)
	}
	if g.log != nil {
		ev := map[string]any{"type": "exit", "code": code}
		if err != nil {
			ev["error"] = err.Error()
		}
		g.logEvent(ev)
		g.closeLog()
	}
	return code
}

// exitCode classifies err with failure.Classify: quota 4, cancelled
// (Ctrl-C, SIGTERM) 130, message (finished, some messages not copied) 3,
// usage 2, anything else 1.
func exitCode(ctx context.Context, err error) int {
	if err == nil {
		return exitOK
	}
	kind := failure.Classify(err).Kind
	switch {
	case kind == failure.Quota:
		return exitQuota
	case ctx.Err() != nil || kind == failure.Cancelled && errors.Is(err, context.Canceled):
		// A context.DeadlineExceeded deep in a failure (a dial's own
		// deadline) is not the user's interruption: exit 1 as before.
		return exitCancelled
	case kind == failure.Message:
		return exitIncomplete
	case kind == failure.Usage, isCobraUsage(err):
		return exitUsage
	}
	return exitError
}

func (g *globalOptions) printError(err error, code int) {
	if g.json {
		ev := map[string]any{"type": "exit", "code": code, "error": err.Error(), "failure": failure.Classify(err).Kind.String()}
		// message: the error in the user's language (--lang), for a
		// reader that shows it to a person (mailferry ui); error stays
		// the English text.
		if msg, ok := localizedError(err, g.T()); ok {
			ev["message"] = msg
		}
		g.emit(ev)
		return
	}
	w := &wrapWriter{w: g.stderr, width: outWidth(g.stderr)}
	if code == exitCancelled {
		g.T().Fprintf(w, "mailferry: interrupted. The summary above says what was done; run the same command again to finish the job (what is already in the target is not copied again).\n")
		return
	}
	if msg, ok := localizedError(err, g.T()); ok { // errors_i18n.go
		fmt.Fprintf(w, "mailferry: %s\n", msg)
		return
	}
	fmt.Fprintf(w, "mailferry: %v\n", err)
}
