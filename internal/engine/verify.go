package engine

import (
	"context"
	"errors"
	"fmt"

	"github.com/emersion/go-imap/v2"
	"github.com/mailferry/mailferry/dedupe"
	"github.com/mailferry/mailferry/exporters"
	"github.com/mailferry/mailferry/importers"
)

// Verifier proves that every message of a source is in the target: it maps
// the source folders exactly as Copy does (same Options.Mapper, dedupe
// scope, date filter and deleted-message rule) and looks each source
// message up by its dedupe key in the mapped target folder. With Content,
// the target is also read back as a source (Dst) and each message's body
// hash must match too.
type Verifier struct {
	Src  importers.Source
	Sink exporters.Sink
	// Dst is the target opened as a source; required when Content is set.
	Dst importers.Source
	// Opts are the copy's options: Mapper, Dedupe, Walk and KeepDeleted
	// are used, and Observer gets "verify-folder" and "error" events.
	Opts Options
	// Content compares a SHA-256 of each body too, with line endings
	// normalized (CRLF and LF compare equal) and trailing blank lines
	// ignored, like the dedupe fallback key.
	Content bool
	// Proven, when set, is called for each source message whose key and
	// content hash (Content) are found in the target (POP3's
	// --delete-after-verify deletes only those).
	Proven func(m *importers.Message)
}

// VerifyFolder is the result of one source folder.
type VerifyFolder struct {
	Source    string `json:"source"`
	Target    string `json:"target"`
	Messages  int64  `json:"messages"`
	Present   int64  `json:"present"`
	Missing   int64  `json:"missing"`
	Differing int64  `json:"differing"`
	Errors    int64  `json:"errors"`
	// Skipped counts messages Copy would not copy: marked deleted at the
	// source (without KeepDeleted).
	Skipped int64 `json:"skipped_deleted"`
	// NotMail counts items the source skips on purpose (importers.SkipError).
	NotMail int64 `json:"skipped"`
	// Filtered counts messages outside --since/--before; Found and
	// Unaccounted are the accounting check (accounting.go): the source's
	// independent count (-1: none) and what it left unaccounted for.
	Filtered    int64 `json:"filtered"`
	Found       int64 `json:"found"`
	Unaccounted int64 `json:"unaccounted"`
}

// VerifyProblem is one source message that is not (or not identically) in
// the target.
type VerifyProblem struct {
	Kind   string `json:"kind"` // "missing", "differs", "error", "unaccounted"
	Folder string `json:"folder"`
	Target string `json:"target"`
	Ref    string `json:"ref"`
	Key    string `json:"key,omitempty"`
	Reason string `json:"reason,omitempty"`
	// Code, Args and Detail type Reason (reasons.go).
	Code   string `json:"code,omitempty"`
	Args   []any  `json:"args,omitempty"`
	Detail string `json:"detail,omitempty"`
}

// VerifyReport is the outcome of Verify.
type VerifyReport struct {
	Content  bool            `json:"content"`
	Folders  []*VerifyFolder `json:"folders"`
	Problems []VerifyProblem `json:"problems,omitempty"`
}

// Totals sums the folders.
func (r *VerifyReport) Totals() VerifyFolder {
	var t VerifyFolder
	for _, f := range r.Folders {
		t.Messages += f.Messages
		t.Present += f.Present
		t.Missing += f.Missing
		t.Differing += f.Differing
		t.Errors += f.Errors
		t.Skipped += f.Skipped
		t.NotMail += f.NotMail
		t.Filtered += f.Filtered
	}
	t.Found, t.Unaccounted = verifyFound(r.Folders)
	return t
}

// Complete reports whether every source message was found (and matched).
func (r *VerifyReport) Complete() bool {
	t := r.Totals()
	return t.Missing == 0 && t.Differing == 0 && t.Errors == 0 && t.Unaccounted == 0
}

// index is what a target folder (or, with ScopeGlobal, the whole target)
// holds: keys, and with Content the body hashes of each key.
type index struct {
	keys   *dedupe.Set
	hashes map[dedupe.Key][][32]byte
}

func (ix *index) add(k dedupe.Key, h *[32]byte) {
	ix.keys.Add(k)
	if h != nil {
		ix.hashes[k] = append(ix.hashes[k], *h)
	}
}

func (ix *index) hasHash(k dedupe.Key, h [32]byte) bool {
	for _, g := range ix.hashes[k] {
		if g == h {
			return true
		}
	}
	return false
}

// Verify walks the source and the target and reports what is missing. A
// message the source cannot read is an error entry, not a failure of
// Verify; Verify fails only when a folder cannot be listed or read.
func (v *Verifier) Verify(ctx context.Context) (*VerifyReport, error) {
	if v.Content && v.Dst == nil {
		return nil, fmt.Errorf("verify: content comparison needs the target opened as a source")
	}
	obs := v.Opts.Observer
	if obs == nil {
		obs = nopObserver{}
	}
	rep := &VerifyReport{Content: v.Content}
	fis, err := v.Src.Folders(ctx)
	if err != nil {
		return nil, fmt.Errorf("listing source folders: %w", err)
	}
	type job struct {
		fi     importers.FolderInfo
		target exporters.Target
	}
	var jobs []job
	mapped := v.Opts.Mapper.MapAll(fis, v.Sink) // as Copy maps them
	for i, fi := range fis {
		if fi.NoSelect || !v.Opts.Mapper.Selected(fi.Folder) {
			continue
		}
		mp := mapped[i]
		t, err := v.Sink.Resolve(ctx, mp.Folder, mp.Use)
		if err != nil {
			return nil, fmt.Errorf("mapping folder %s: %w", fi.Folder, err)
		}
		jobs = append(jobs, job{fi, t})
	}
	var dstFolders map[string]importers.Folder // target name -> folder of Dst
	if v.Content {
		if dstFolders, err = v.dstFolders(ctx); err != nil {
			return nil, err
		}
	}
	var global *index
	if v.Opts.scope() == ScopeGlobal {
		global = &index{keys: dedupe.NewSet(), hashes: map[dedupe.Key][][32]byte{}}
		if err := v.indexAll(ctx, global, dstFolders); err != nil {
			return nil, err
		}
	}
	cache := map[string]*index{}
	for _, j := range jobs {
		name := j.target.Name()
		ix := global
		if ix == nil {
			if ix = cache[name]; ix == nil {
				ix = &index{keys: dedupe.NewSet(), hashes: map[dedupe.Key][][32]byte{}}
				if err := v.indexTarget(ctx, ix, j.target, dstFolders); err != nil {
					return nil, err
				}
				cache[name] = ix
			}
		}
		vf := &VerifyFolder{Source: j.fi.Folder.String(), Target: name, Found: -1}
		rep.Folders = append(rep.Folders, vf)
		obs.Event(Event{Type: "verify-folder", Folder: vf.Source, Target: name})
		if err := v.verifyFolder(ctx, rep, vf, j.fi.Folder, ix, obs); err != nil {
			return rep, err
		}
	}
	return rep, nil
}

// dstFolders maps each target folder's Name to the folder of Dst that
// reads it: Dst lists logical folders, which the Sink resolves to the same
// names as the mapped source folders.
func (v *Verifier) dstFolders(ctx context.Context) (map[string]importers.Folder, error) {
	fis, err := v.Dst.Folders(ctx)
	if err != nil {
		return nil, fmt.Errorf("listing target folders: %w", err)
	}
	out := map[string]importers.Folder{}
	for _, fi := range fis {
		if fi.NoSelect {
			continue
		}
		t, err := v.Sink.Resolve(ctx, fi.Folder, "")
		if err != nil {
			return nil, fmt.Errorf("target folder %s: %w", fi.Folder, err)
		}
		if _, dup := out[t.Name()]; !dup {
			out[t.Name()] = fi.Folder
		}
	}
	return out, nil
}

func (v *Verifier) indexAll(ctx context.Context, ix *index, dstFolders map[string]importers.Folder) error {
	fis, err := v.Sink.Folders(ctx)
	if err != nil {
		return err
	}
	for _, fi := range fis {
		if fi.NoSelect {
			continue
		}
		t, err := v.Sink.Resolve(ctx, fi.Folder, "")
		if err != nil {
			return err
		}
		if err := v.indexTarget(ctx, ix, t, dstFolders); err != nil {
			return err
		}
	}
	return nil
}

// indexTarget reads one target folder: its keys with Target.Keys (the
// same inventory Copy de-duplicates against), or, with Content, every
// message through Dst for its key and body hash.
func (v *Verifier) indexTarget(ctx context.Context, ix *index, t exporters.Target, dstFolders map[string]importers.Folder) error {
	if !t.Exists() {
		return nil
	}
	if !v.Content {
		if err := t.Keys(ctx, func(k dedupe.Key) error { ix.add(k, nil); return nil }); err != nil {
			return fmt.Errorf("reading target folder %s: %w", t.Name(), err)
		}
		return nil
	}
	f, ok := dstFolders[t.Name()]
	if !ok {
		return nil // nothing readable under that name: every message is missing
	}
	err := v.Dst.Walk(ctx, f, &importers.WalkOptions{}, func(m *importers.Message, rerr error) error {
		if rerr != nil {
			return nil // an unreadable target message proves nothing
		}
		k, h, err := keyAndHash(m, true)
		if err != nil {
			return nil
		}
		ix.add(k, &h)
		return nil
	})
	if err != nil {
		return fmt.Errorf("reading target folder %s: %w", t.Name(), err)
	}
	return nil
}

func (v *Verifier) verifyFolder(ctx context.Context, rep *VerifyReport, vf *VerifyFolder, f importers.Folder, ix *index, obs Observer) error {
	wopts := v.Opts.Walk
	wopts.HeadersOnly = !v.Content
	// Source messages whose key matched no body hash: they are "differs"
	// unless another source message of the same key matched (the copy
	// stored one of several source duplicates).
	type pending struct{ ref, key string }
	differ := map[dedupe.Key][]pending{}
	problem := func(p VerifyProblem) {
		p.Folder, p.Target = vf.Source, vf.Target
		rep.Problems = append(rep.Problems, p)
		ev := Event{Type: "error", Folder: vf.Source, Ref: p.Ref, Reason: p.Kind + " " + p.Key + " " + p.Reason, Code: p.Code, Args: p.Args, Detail: p.Detail}
		if p.Kind == "missing" {
			ev.Code, ev.Args = CodeMissing, []any{p.Key}
		}
		obs.Event(ev)
	}
	err := v.accountedWalk(ctx, rep, vf, f, &wopts, obs, func(m *importers.Message, rerr error) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		vf.Messages++
		var se *importers.SkipError
		if errors.As(rerr, &se) {
			vf.NotMail++
			return nil
		}
		if rerr != nil {
			vf.Errors++
			ref := refOf(m, rerr)
			problem(VerifyProblem{Kind: "error", Ref: ref, Reason: rerr.Error(), Code: CodeReadError, Detail: detailOf(rerr, ref)})
			return nil
		}
		if !v.Opts.KeepDeleted && m.HasFlag(imap.FlagDeleted) {
			vf.Skipped++
			return nil
		}
		k, h, err := keyAndHash(m, v.Content)
		if err != nil {
			vf.Errors++
			problem(VerifyProblem{Kind: "error", Ref: m.Ref, Reason: err.Error(), Code: CodeReadError, Detail: detailOf(err, m.Ref)})
			return nil
		}
		switch {
		case !ix.keys.Has(k):
			vf.Missing++
			problem(VerifyProblem{Kind: "missing", Ref: m.Ref, Key: k.String()})
		case !v.Content:
			vf.Present++
		case ix.hasHash(k, h):
			// The same Message-ID and the same content (dedupe.Index's
			// rule): each source message needs its own match, so one of
			// several messages sharing an ID does not vouch for another.
			vf.Present++
			if v.Proven != nil {
				v.Proven(m)
			}
		default:
			differ[k] = append(differ[k], pending{m.Ref, k.String()})
		}
		return nil
	})
	for _, ps := range differ {
		for _, p := range ps {
			vf.Differing++
			problem(VerifyProblem{Kind: "differs", Ref: p.ref, Key: p.key, Reason: sentence(CodeDiffers), Code: CodeDiffers})
		}
	}
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		vf.Errors++
		problem(VerifyProblem{Kind: "error", Ref: vf.Source, Reason: err.Error(), Code: CodeFolderError, Detail: err.Error()})
	}
	return nil
}

// keyAndHash is exporters.KeyMaybeHash.
func keyAndHash(m *importers.Message, content bool) (dedupe.Key, [32]byte, error) {
	return exporters.KeyMaybeHash(m, content)
}
