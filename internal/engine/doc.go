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
//
// Inside (run.go): an Engine is the caller's settings; each Plan or Copy
// call makes a run (observer, incremental state, the plan's problems) that
// owns its workers, one per connection pair (the caller's Src and Sink,
// and those Engine.Open adds). Run-level steps (folder listing and
// mapping, units of work, parallel dispatch, quota, empty folders) are run
// methods; a folder's pipeline runs on one worker, a step per file: plan
// (plan.go: scan) → decide (decide.go) → write (write.go, batch.go,
// resilience.go) → record (record.go).
package engine
