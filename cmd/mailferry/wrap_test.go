package main

import (
	"strings"
	"testing"
)

func TestWrapText(t *testing.T) {
	s := "Quota User quota: used 0 B of 100.0 MiB; this copy needs 47.8 MiB; fits (90.0 MiB may be used with 90% headroom)"
	got := wrapText(s, 40)
	for _, l := range strings.Split(got, "\n") {
		if displayWidth(l) > 39 {
			t.Errorf("line %q is %d columns", l, displayWidth(l))
		}
	}
	if strings.Join(strings.Fields(got), " ") != s {
		t.Errorf("words changed: %q", got)
	}
	if wrapText(s, 0) != s {
		t.Error("width 0 must not wrap")
	}
}
