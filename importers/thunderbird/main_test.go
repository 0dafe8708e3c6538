package thunderbird

import (
	"os"
	"testing"
	"time"
)

// tz is the local zone the tests run in, fixed and far from UTC.
var tz = time.FixedZone("JST", 9*3600)

func TestMain(m *testing.M) {
	time.Local = tz // before any test runs: no goroutine reads it yet
	os.Exit(m.Run())
}
