package engine

import (
	"time"

	"github.com/mailferry/mailferry/importers"
)

// Options of a run.

// Scope says which target messages a source message is compared with.
type Scope string

const (
	ScopeFolder Scope = "folder" // the mapped target folder (default)
	ScopeGlobal Scope = "global" // every folder of the target
	ScopeOff    Scope = "off"    // no dedupe: every message is copied
)

// Options configure Plan and Copy. The zero value uses the defaults.
type Options struct {
	Mapper Mapper
	Dedupe Scope // "" means ScopeFolder
	// QuotaHeadroom is the share of a quota limit a copy may fill (0.9 by
	// default): a plan that would leave usage above it is refused.
	QuotaHeadroom float64
	IgnoreQuota   bool
	// MaxSize skips messages larger than this (0: the target's own limit).
	MaxSize int64
	// KeepDeleted copies messages the source client marked deleted but had
	// not yet expunged or compacted.
	KeepDeleted bool
	// Walk filters the source by date.
	Walk   importers.WalkOptions
	DryRun bool
	// NoBatch stores every message on its own even when the target can
	// take several at once (BatchTarget).
	NoBatch bool
	// Observer receives progress events; nil discards them.
	Observer Observer
	// SourceID names the source account ("imaps://user@host:993") for the
	// incremental state (see state.go); "" asks the source (Identified).
	SourceID string
	// Stop, when closed, ends the run after the message (or batch) in
	// flight: Copy returns ErrInterrupted with the outcome so far (Ctrl-C).
	// Cancelling ctx instead aborts what is in flight.
	Stop <-chan struct{}
	// RetryDelays are the waits before each retry of a store that failed
	// on the target's connection (nil: failure.Backoff); RetryBudget
	// bounds the time one message's retries take from its first attempt
	// (0: failure.DefaultBudget, like importers.Options.RetryBudget on the
	// source side).
	RetryDelays []time.Duration
	RetryBudget time.Duration
	// Connections is how many source/target pairs plan and copy folders
	// in parallel (parallel.go); 0 or 1: one folder at a time. More than
	// one needs Engine.Open.
	Connections int
}

func (o *Options) headroom() float64 {
	if o.QuotaHeadroom <= 0 || o.QuotaHeadroom > 1 {
		return 0.9
	}
	return o.QuotaHeadroom
}

func (o *Options) scope() Scope {
	if o.Dedupe == "" {
		return ScopeFolder
	}
	return o.Dedupe
}
