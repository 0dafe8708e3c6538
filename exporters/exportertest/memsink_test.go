package exportertest

import (
	"testing"

	"github.com/mailferry/mailferry/exporters"

	"github.com/mailferry/mailferry/importers"
)

func TestMemSinkConforms(t *testing.T) {
	for _, crlf := range []bool{false, true} {
		for _, batch := range []bool{false, true} {
			Run(t, Opt{New: func(t *testing.T) (exporters.Sink, func(t *testing.T) importers.Source) {
				s := NewMemSink()
				s.CRLF = crlf
				s.Batch = batch
				return s, func(t *testing.T) importers.Source { return s.Source() }
			}})
		}
	}
}
