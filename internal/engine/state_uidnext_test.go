package engine_test

import (
	"strings"
	"sync"
	"testing"

	"github.com/mailferry/mailferry/exporters/exportertest"
	"github.com/mailferry/mailferry/internal/engine"
)

// Issue 13 item 2: a server restored from a backup keeps its UIDVALIDITY
// but hands out UIDs again that the state already records as copied. A
// state UID at or above UIDNEXT proves the state wrong for that mailbox:
// the run falls back to de-duplication there, says so, and copies the
// new mail.
func TestIncrementalStateAboveUIDNext(t *testing.T) {
	for _, batch := range []bool{false, true} {
		src := newUIDSource(90, incFolders...)
		sink := &stateSink{MemSink: exportertest.NewMemSink()}
		sink.Batch = batch
		runCopy(t, src, sink, engine.Options{})
		inbox := src.boxes["INBOX"]
		recorded := sink.entries(t)["INBOX"][1]

		// The restore: the server's UIDNEXT goes back to 11 (messages
		// above it are gone from its index, not from the target), and a
		// new message arrives with UID 11.
		inbox.msgs = inbox.msgs[:10]
		inbox.next = 11
		inbox.add(5000)
		if inbox.next-1 > recorded {
			t.Fatalf("test setup: UIDNEXT %d not at or below the state's UID %d", inbox.next, recorded)
		}
		var mu sync.Mutex
		var warnings []string
		obs := engine.ObserverFunc(func(ev engine.Event) {
			if ev.Type == "warning" {
				mu.Lock()
				warnings = append(warnings, ev.Reason)
				mu.Unlock()
			}
		})
		p := runCopy(t, src, sink, engine.Options{Observer: obs})
		if got := p.Totals().Copied; got != 1 || sink.total() != 91 {
			t.Errorf("batch=%v: after the restore copied %d, sink holds %d; want 1 and 91", batch, got, sink.total())
		}
		found := false
		for _, w := range warnings {
			if strings.Contains(w, "UIDNEXT") && strings.Contains(w, "INBOX") {
				found = true
			}
		}
		if !found {
			t.Errorf("batch=%v: no warning naming INBOX and UIDNEXT; warnings: %q", batch, warnings)
		}
		if got := sink.entries(t)["INBOX"][1]; got != inbox.next-1 {
			t.Errorf("batch=%v: INBOX state UID %d after the fallback, want %d", batch, got, inbox.next-1)
		}
		// The next run is incremental again: nothing copied, no warning.
		warnings = nil
		src.reset()
		p = runCopy(t, src, sink, engine.Options{Observer: obs})
		if p.Totals().Copied != 0 || len(warnings) != 0 || src.walks != 0 {
			t.Errorf("batch=%v: the run after the fallback copied %d, walked %d folders, warned %q", batch, p.Totals().Copied, src.walks, warnings)
		}
	}
}
