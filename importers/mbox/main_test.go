package mbox

import (
	"os"
	"testing"
	"time"
)

// tz is the local zone the tests run in: fixed and far from UTC, so that a
// date read in the wrong zone shows, whatever the machine's zone is.
var tz = time.FixedZone("JST", 9*3600)

func TestMain(m *testing.M) {
	time.Local = tz // before any test runs: no goroutine reads it yet
	os.Exit(m.Run())
}
