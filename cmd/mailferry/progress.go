package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/mailferry/mailferry/internal/engine"
	"github.com/mailferry/mailferry/internal/i18n"
	"golang.org/x/term"
)

// progress is the copy's progress line on a terminal: folder, bar,
// percentage, messages and bytes done of the planned totals, and an ETA
// once the rate has settled. It never writes more columns than the
// terminal has (so nothing wraps and leaves stale lines), shortens the
// folder name in the middle first, and drops the bar, then the ETA, then
// the bytes when the terminal is narrower still. Events may come from
// several workers: every method locks.
type progress struct {
	mu      sync.Mutex
	w       io.Writer
	width   func() int // terminal columns
	now     func() time.Time
	start   time.Time
	msgs    int64 // planned
	bytes   int64
	doneN   int64
	doneB   int64
	folder  string
	last    time.Time // last render
	visible bool      // a line is on the screen
	tr      *i18n.Printer
}

// progressThrottle is how often the line is redrawn at most.
const progressThrottle = 100 * time.Millisecond

// etaSettle: no ETA before this much time and share of the bytes, when
// the rate says nothing yet (connection set-up, the first big message).
const (
	etaSettleTime  = 3 * time.Second
	etaSettleShare = 0.02
)

func newProgress(w io.Writer, msgs, bytes int64) *progress {
	p := &progress{w: w, msgs: msgs, bytes: bytes, now: time.Now, width: func() int { return terminalWidth(w) }}
	p.start = p.now()
	return p
}

// terminalWidth is w's width in columns, 80 when it cannot be told.
func terminalWidth(w io.Writer) int {
	if f, ok := unwrapWriter(w).(*os.File); ok {
		if c, _, err := term.GetSize(int(f.Fd())); err == nil && c > 0 {
			return c
		}
	}
	if c := os.Getenv("COLUMNS"); c != "" {
		var n int
		if _, err := fmt.Sscan(c, &n); err == nil && n > 0 {
			return n
		}
	}
	return 80
}

func (p *progress) setFolder(name string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.folder = name
	p.render(false)
}

func (p *progress) add(bytes int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.doneN++
	p.doneB += bytes
	p.render(false)
}

// clear removes the line before another line is printed; the next event
// draws it again.
func (p *progress) clear() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.visible {
		fmt.Fprint(p.w, "\r\x1b[K")
		p.visible = false
		p.last = time.Time{}
	}
}

// finish draws the true final state (what was done, not 100 % when the
// run stopped early) and ends the line.
func (p *progress) finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.folder = ""
	p.render(true)
	fmt.Fprintln(p.w)
	p.visible = false
}

func (p *progress) render(force bool) {
	now := p.now()
	if !force && now.Sub(p.last) < progressThrottle {
		return
	}
	p.last = now
	fmt.Fprint(p.w, "\r\x1b[K"+p.line(p.width(), now))
	p.visible = true
}

// line lays the progress out in at most width-1 columns (the last column
// of a terminal wraps on some).
func (p *progress) line(width int, now time.Time) string {
	cols := max(width-1, 10)
	pct := 100.0
	if p.bytes > 0 {
		pct = min(100*float64(p.doneB)/float64(p.bytes), 100)
	} else if p.msgs > 0 {
		pct = min(100*float64(p.doneN)/float64(p.msgs), 100)
	}
	parts := []string{
		fmt.Sprintf("%3.0f%%", pct),
		p.tr.Sprintf("%d/%d msgs", p.doneN, p.msgs),
		fmt.Sprintf("%s/%s", engine.HumanBytes(p.doneB), engine.HumanBytes(p.bytes)),
		p.tr.Sprintf("ETA %s", p.eta(now)),
	}
	// Drop the least important parts until the numbers fit.
	for len(parts) > 1 && displayWidth(strings.Join(parts, "  ")) > cols {
		parts = parts[:len(parts)-1]
	}
	stats := strings.Join(parts, "  ")
	room := cols - displayWidth(stats)
	var bar, folder string
	if room >= 14 { // a bar of at least 10 cells, its brackets and two spaces
		bw := min(room-4, 32)
		if p.folder != "" && room-bw-4 < 16 { // leave the folder a little room
			bw = max(room-4-16, 10)
		}
		filled := int(float64(bw) * pct / 100)
		bar = "[" + strings.Repeat("=", filled) + strings.Repeat(" ", bw-filled) + "]"
		room -= displayWidth(bar) + 2
	}
	if p.folder != "" && room >= 8 {
		folder = shortenMiddle(p.folder, room-1)
		room -= displayWidth(folder) + 1
	}
	var b strings.Builder
	if folder != "" {
		b.WriteString(folder)
		b.WriteByte(' ')
	}
	if bar != "" {
		b.WriteString(bar)
		b.WriteString("  ")
	}
	b.WriteString(stats)
	return b.String()
}

// eta is the time left at the average rate so far, or "--" while that
// rate says nothing yet.
func (p *progress) eta(now time.Time) string {
	el := now.Sub(p.start)
	if p.bytes <= 0 || p.doneB <= 0 || el < etaSettleTime || float64(p.doneB) < etaSettleShare*float64(p.bytes) {
		return "--"
	}
	left := time.Duration(float64(el) * float64(p.bytes-p.doneB) / float64(p.doneB))
	if left < 0 {
		left = 0
	}
	left = left.Round(time.Second)
	h, m, s := int(left.Hours()), int(left.Minutes())%60, int(left.Seconds())%60
	if h > 0 {
		return fmt.Sprintf("%d:%02d:%02d", h, m, s)
	}
	return fmt.Sprintf("%d:%02d", m, s)
}

// shortenMiddle cuts s to at most n columns, keeping its start and end
// (folder paths differ at both ends): "Archive/2019/…/Invoices".
func shortenMiddle(s string, n int) string {
	if displayWidth(s) <= n {
		return s
	}
	if n < 3 {
		return ""
	}
	runes := []rune(s)
	keep := n - 1 // one column for "…"
	headW, tailW := (keep+1)/2, keep/2
	var head, tail []rune
	w := 0
	for _, r := range runes {
		rw := displayWidth(string(r))
		if w+rw > headW {
			break
		}
		head = append(head, r)
		w += rw
	}
	w = 0
	for i := len(runes) - 1; i >= len(head); i-- {
		rw := displayWidth(string(runes[i]))
		if w+rw > tailW {
			break
		}
		tail = append([]rune{runes[i]}, tail...)
		w += rw
	}
	out := string(head) + "…" + string(tail)
	if !utf8.ValidString(out) {
		return ""
	}
	return out
}
