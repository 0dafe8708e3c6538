package exporters

import (
	"context"
	"fmt"
)

// Noter is implemented by sources with remarks for the summary: what of
// the store they did not read and why (Thunderbird's IMAP accounts), how
// they merged parts of it. The engine copies them into Plan.Notes.
type Noter interface {
	Notes() []string
}

// createEmpty creates the target folders that the copy did not create
// because it had nothing to write in them (an empty source folder, or
// one whose messages were all skipped), so that the target has the
// source's folder tree and a re-run finds them. Each is counted in
// Plan.CreatedEmpty.
func (e *Engine) createEmpty(ctx context.Context, plan *Plan) error {
	there := map[string]bool{} // by unit key: a folder of several sources is created once
	for _, fp := range plan.Folders {
		if fp.target != nil && (fp.Exists || fp.target.Exists()) {
			there[e.unitKey(fp)] = true
		}
	}
	for _, fp := range plan.Folders {
		if fp.target == nil || there[e.unitKey(fp)] {
			if fp.target != nil {
				fp.Exists = true
			}
			continue
		}
		there[e.unitKey(fp)] = true
		if err := fp.target.Create(ctx); err != nil {
			return &writeError{fmt.Errorf("creating target folder %s: %w", fp.Target, err)}
		}
		fp.Exists = true
		plan.CreatedEmpty++
		e.obs.Event(Event{Type: "folder-created", Folder: fp.SourceP, Target: fp.Target})
	}
	return nil
}

// unitKey is the identity of fp's target folder (FolderNamer.NameKey):
// the folders with one key are one unit of work (parallel.go) and one
// folder to create.
func (e *Engine) unitKey(fp *FolderPlan) string { return nameKey(e.Sink, fp.Target) }
