// Package engine plans and runs a copy from an importers.Source into an
// exporters.Sink: folder mapping (mapping.go), dedupe against what the
// target already holds (dedupe.go), quota preflight, the upload in
// batches (batch.go) over one or several connections (parallel.go), the
// retries of a failed store (resilience.go), the incremental state
// (state.go), the accounting of every item (accounting.go), and the
// verification of a finished copy (verify.go).
//
// Entry points: Engine.Plan, Engine.Copy and Verifier.Verify; cmd/mailferry
// renders the Plan and classifies the error with internal/failure.
package engine
