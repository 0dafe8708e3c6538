package main

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestProgressLineFitsWidth(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	folders := []string{"", "INBOX", "Archive/2019/Customers/Invoices/Very long folder name indeed",
		"受信トレイ/顧客/株式会社サンプル/請求書と見積書の保管フォルダ"}
	for _, width := range []int{20, 40, 80, 100, 120, 200} {
		for _, f := range folders {
			p := &progress{msgs: 12345, bytes: 159 << 20, doneN: 4321, doneB: 65 << 20, folder: f, start: start}
			line := p.line(width, start.Add(10*time.Second))
			if w := displayWidth(line); w > width-1 {
				t.Errorf("width %d, folder %q: line is %d columns: %q", width, f, w, line)
			}
			if width >= 80 {
				for _, want := range []string{"4321/12345 msgs", "65.0 MiB/159.0 MiB", "ETA 0:14", "41%"} {
					if !strings.Contains(line, want) {
						t.Errorf("width %d: %q lacks %q", width, line, want)
					}
				}
				if !strings.Contains(line, "[") {
					t.Errorf("width %d: no bar in %q", width, line)
				}
			}
			if width == 100 && f != "" && !strings.Contains(line, "…") && displayWidth(f) > 40 {
				t.Errorf("width %d: long folder not shortened in the middle: %q", width, line)
			}
		}
	}
}

func TestProgressETASettles(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	p := &progress{msgs: 100, bytes: 1000, start: start}
	p.doneB = 1 // the first message of a 3 s job: no absurd ETA
	if got := p.eta(start.Add(100 * time.Millisecond)); got != "--" {
		t.Errorf("eta after 0.1 s = %q, want --", got)
	}
	p.doneB = 500
	if got := p.eta(start.Add(4 * time.Second)); got != "0:04" {
		t.Errorf("eta at half after 4 s = %q, want 0:04", got)
	}
}

func TestProgressFinishShowsTrueState(t *testing.T) {
	var out bytes.Buffer
	p := newProgress(&out, 10, 1000)
	p.width = func() int { return 80 }
	p.add(300)
	p.clear()
	p.finish() // interrupted: 3 of 10 went
	s := out.String()
	last := s[strings.LastIndex(s, "\r")+1:]
	if !strings.Contains(last, "30%") || !strings.Contains(last, "1/10 msgs") || strings.Contains(last, "100%") {
		t.Errorf("final line %q: want the true 30%%, 1/10", last)
	}
}

func TestShortenMiddle(t *testing.T) {
	for _, c := range []struct {
		in   string
		n    int
		want string
	}{
		{"INBOX", 10, "INBOX"},
		{"Archive/2019/Invoices", 12, "Archiv…oices"},
		{"受信トレイ/請求書", 9, "受信…求書"},
	} {
		got := shortenMiddle(c.in, c.n)
		if got != c.want || displayWidth(got) > c.n {
			t.Errorf("shortenMiddle(%q, %d) = %q, want %q", c.in, c.n, got, c.want)
		}
	}
}
