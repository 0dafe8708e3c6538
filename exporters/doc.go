// Package exporters is what a target store's driver needs: the Sink and
// Target contract with every optional interface a target may implement
// (sink.go), the errors a sink returns (errors.go), the registry of sink
// drivers (registry.go) and small helpers sinks share. The drivers live
// in its subpackages (imap, maildir, mbox, eml); the engine that plans
// and runs a copy into a Sink is internal/engine.
package exporters
