package engine_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/mailferry/mailferry/exporters/exportertest"
	"github.com/mailferry/mailferry/importers/importertest"
	"github.com/mailferry/mailferry/internal/engine"
)

// Every problem of a copy has a code; where it has no detail from
// outside, its English Reason is the code's sentence with its Args, and
// --json carries the code.
func TestProblemsAreTyped(t *testing.T) {
	c := importertest.Load(t)
	var events []engine.Event
	obs := engine.ObserverFunc(func(ev engine.Event) { events = append(events, ev) })
	eng := &engine.Engine{Src: &importertest.MemSource{C: c}, Sink: exportertest.NewMemSink(),
		Opts: engine.Options{MaxSize: 600, Observer: obs}}
	plan, err := eng.Copy(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	tooBig := 0
	for _, p := range plan.Problems {
		f := engine.ReasonFormat(p.Code)
		if p.Code == "" || f == "" {
			t.Errorf("problem without a known code: %+v", p)
			continue
		}
		if p.Detail == "" && fmt.Sprintf(f, p.Args...) != p.Reason {
			t.Errorf("%s: Reason %q, the sentence of its code says %q", p.Code, p.Reason, fmt.Sprintf(f, p.Args...))
		}
		if p.Code == engine.CodeTooBig {
			tooBig++
		}
	}
	if tooBig == 0 {
		t.Fatalf("no message over 600 bytes in the corpus: %+v", plan.Problems)
	}
	b, err := json.Marshal(plan.Problems[0])
	if err != nil || !strings.Contains(string(b), `"code":"`) || !strings.Contains(string(b), `"reason":"`) {
		t.Errorf("JSON of a problem: %s, %v", b, err)
	}
	for _, ev := range events {
		if (ev.Type == "skip" || ev.Type == "error" || ev.Type == "warning") && ev.Code == "" {
			t.Errorf("event without a code: %+v", ev)
		}
	}
}
