package exporters

import (
	"context"
	"fmt"
	"sync"

	"github.com/mailferry/mailferry/importers"
)

// OpenFunc opens a Sink for a spec.
type OpenFunc func(ctx context.Context, spec importers.Spec, opts *importers.Options) (Sink, error)

var (
	regMu    sync.Mutex
	registry = map[string]OpenFunc{}
)

// Register makes a Sink available under scheme; it panics on a duplicate.
// Call it from an init function.
func Register(scheme string, open OpenFunc) {
	regMu.Lock()
	defer regMu.Unlock()
	if _, dup := registry[scheme]; dup {
		panic("exporters: scheme registered twice: " + scheme)
	}
	registry[scheme] = open
	importers.KnowScheme(scheme)
}

// Open opens the Sink named by spec.
func Open(ctx context.Context, spec string, opts *importers.Options) (Sink, error) {
	sp, err := importers.ParseSpec(spec)
	if err != nil {
		return nil, err
	}
	regMu.Lock()
	open := registry[sp.Scheme]
	regMu.Unlock()
	if open == nil {
		return nil, importers.UsageError("store %q: %s cannot be written to (yet)", spec, sp.Scheme)
	}
	if opts == nil {
		opts = &importers.Options{}
	}
	s, err := open(ctx, sp, opts)
	if err != nil {
		return nil, fmt.Errorf("target %s: %w", importers.Redact(spec), err)
	}
	return s, nil
}
