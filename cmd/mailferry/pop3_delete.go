package main

// --delete-after-verify (POP3 sources, issue 16): after the copy, every
// source message is read again and compared with the target by key and
// content hash (as verify --content); only those proven there are marked
// with DELE, and the POP3 server deletes them on the clean QUIT that ends
// the session. Off by default.

import (
	"context"
	"fmt"
	"github.com/mailferry/mailferry/internal/engine"

	"github.com/mailferry/mailferry/importers"
	"github.com/mailferry/mailferry/importers/pop3"
)

// checkDeleteAfterVerify refuses the flag for a source that is not POP3.
func (o *copyOptions) checkDeleteAfterVerify(srcSpec string) error {
	if !o.deleteAfterVerify {
		return nil
	}
	sp, err := importers.ParseSpec(srcSpec)
	if err != nil {
		return err
	}
	if sp.Scheme != "pop3" && sp.Scheme != "pop3s" {
		return importers.UsageError("--delete-after-verify: only for pop3:// and pop3s:// sources, not %s", sp.Scheme)
	}
	return nil
}

// planDeletion says, for plan and --dry-run, how many messages the
// deletion would concern: those of the maildrop that the copy will hold
// (already there, or copied), once their bytes are proven.
func (g *globalOptions) planDeletion(o *copyOptions, plan *engine.Plan) {
	if !o.deleteAfterVerify || plan == nil {
		return
	}
	t := plan.Totals()
	n := t.New + t.Duplicates
	if g.json {
		g.emit(map[string]any{"type": "pop3-delete-plan", "would_delete": n, "messages": t.Messages})
		return
	}
	fmt.Fprintf(g.stdout, "--delete-after-verify: up to %d of %d messages would be deleted from the POP3 server, each only once its bytes are proven in the target\n", n, t.Messages)
}

// runDeleteAfterVerify proves each source message in the target (key and
// content hash) and deletes those from the POP3 maildrop.
func runDeleteAfterVerify(ctx context.Context, g *globalOptions, o *copyOptions, srcSpec, dstSpec string) error {
	eo, err := o.engineOptions()
	if err != nil {
		return err
	}
	src, sink, topts, _, err := o.openStores(ctx, g, srcSpec, dstSpec)
	if err != nil {
		return err
	}
	defer src.Close()
	defer sink.Close()
	ps, ok := src.(*pop3.Source)
	if !ok {
		return importers.UsageError("--delete-after-verify: the source is not a POP3 maildrop")
	}
	dst, err := importers.Open(ctx, dstSpec, topts)
	if err != nil {
		return err
	}
	defer dst.Close()
	var uidls []string
	var noUIDL int
	v := &engine.Verifier{Src: src, Sink: sink, Dst: dst, Opts: eo, Content: true, Proven: func(m *importers.Message) {
		if u := pop3.UIDLOf(m.Ref); u != "" {
			uidls = append(uidls, u)
		} else {
			noUIDL++
		}
	}}
	rep, err := v.Verify(ctx)
	if err != nil {
		return err
	}
	t := rep.Totals()
	deleted, derr := ps.Delete(ctx, uidls)
	kept := t.Messages - int64(deleted)
	ev := map[string]any{"type": "pop3-deleted", "deleted": deleted, "kept": kept, "proven": len(uidls)}
	if derr != nil {
		ev["error"] = importers.RedactSecrets(derr.Error())
	}
	g.logEvent(ev)
	if g.json {
		g.emit(ev)
	} else {
		fmt.Fprintf(g.stdout, "deleted %d messages from the POP3 server (each proven in the target by content hash); %d kept on the server\n", deleted, kept)
	}
	if derr != nil {
		return derr
	}
	if !rep.Complete() {
		return &errNotVerified{t.Missing, t.Differing, t.Errors, t.Unaccounted}
	}
	return nil
}
