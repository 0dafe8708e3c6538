package main

import (
	"bytes"
	"runtime"
	"strings"
	"testing"
)

func TestVersion(t *testing.T) {
	for _, args := range [][]string{{"version"}, {"--version"}} {
		var out, errb bytes.Buffer
		if code := runWith(args, &out, &errb); code != exitOK {
			t.Fatalf("%v: exit %d, stderr %q", args, code, errb.String())
		}
		s := out.String()
		if !strings.HasPrefix(s, "mailferry ") || !strings.Contains(s, runtime.Version()) {
			t.Errorf("%v printed %q: want mailferry VERSION … %s", args, s, runtime.Version())
		}
	}
}
