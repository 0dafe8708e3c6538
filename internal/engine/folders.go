package engine

import (
	"context"
)

// createEmpty creates the target folders that the copy did not create
// because it had nothing to write in them (an empty source folder, or
// one whose messages were all skipped), so that the target has the
// source's folder tree and a re-run finds them. Each is counted in
// Plan.CreatedEmpty. A folder with errors is left alone (reported
// already); one that cannot be created is a note and a warning, not a
// failure of the copy (no message is missing).
func (r *run) createEmpty(ctx context.Context, plan *Plan) error {
	there := map[string]bool{} // by unit key: a folder of several sources is created once
	for _, fp := range plan.Folders {
		if fp.target != nil && (fp.Exists || fp.target.Exists()) {
			there[r.unitKey(fp)] = true
		}
	}
	for _, fp := range plan.Folders {
		if fp.target == nil || there[r.unitKey(fp)] {
			if fp.target != nil {
				fp.Exists = true
			}
			continue
		}
		if fp.Errors > 0 || fp.Failed > 0 {
			continue // not empty: something failed there, and is reported
		}
		there[r.unitKey(fp)] = true
		if err := fp.target.Create(ctx); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			// No message is lost: the folder is empty. Said, not fatal.
			args := []any{fp.Target, fp.SourceP}
			n := sentence(CodeEmptyNotCreated, args...) + ": " + err.Error()
			plan.Notes = append(plan.Notes, n)
			r.obs.Event(Event{Type: "warning", Folder: fp.SourceP, Reason: n, Code: CodeEmptyNotCreated, Args: args, Detail: err.Error()})
			continue
		}
		fp.Exists = true
		plan.CreatedEmpty++
		r.obs.Event(Event{Type: "folder-created", Folder: fp.SourceP, Target: fp.Target})
	}
	return nil
}

// unitKey is the identity of fp's target folder (FolderNamer.NameKey):
// the folders with one key are one unit of work (parallel.go) and one
// folder to create.
func (r *run) unitKey(fp *FolderPlan) string { return nameKey(r.main().sink, fp.Target) }
