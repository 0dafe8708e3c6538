package localfs

import (
	"context"
	"os"

	"github.com/mailferry/mailferry/dedupe"
	"github.com/mailferry/mailferry/exporters"
	"github.com/mailferry/mailferry/importers"
)

// SinkBase is what the local sinks (maildir, mbox, eml) share: the root
// directory, the options, and the Sink methods that depend on nothing
// else: Quota (the file system's free space), FolderKey and NameKey
// (exporters.FolderNamer), LoadState and SaveState (exporters.StateStore,
// the state file in the root directory). Each sink embeds it.
type SinkBase struct {
	Root *Root
	Opts *importers.Options // never nil
}

// NewSinkBase opens path as the root of a local sink named scheme.
// Nothing is created before the first write; a path that is not a
// directory is a usage error ("<scheme> <path>: not a directory" and
// hint, when not ""). opts may be nil.
func NewSinkBase(scheme, path string, opts *importers.Options, hint string) (SinkBase, error) {
	r, err := New(path)
	if err != nil {
		return SinkBase{}, err
	}
	if fi, err := os.Stat(r.Path()); err == nil && !fi.IsDir() {
		if hint != "" {
			hint = " " + hint
		}
		return SinkBase{}, importers.UsageError("%s %s: not a directory%s", scheme, path, hint)
	}
	if opts == nil {
		opts = &importers.Options{}
	}
	return SinkBase{Root: r, Opts: opts}, nil
}

// Quota is the free space of the file system below the targets' names
// (Root.Quota).
func (b SinkBase) Quota(ctx context.Context, targets []exporters.Target) ([]exporters.QuotaRoot, error) {
	var names []string
	for _, t := range targets {
		names = append(names, t.Name())
	}
	return b.Root.Quota(names)
}

// FolderKey implements exporters.FolderNamer: folders that differ only in
// case are one folder on a case-insensitive file system (FolderKey).
func (b SinkBase) FolderKey(f importers.Folder) string { return FolderKey(f) }

// NameKey implements exporters.FolderNamer (NameKey).
func (b SinkBase) NameKey(name string) string { return NameKey(name) }

// LoadState implements exporters.StateStore.
func (b SinkBase) LoadState() ([]byte, error) { return b.Root.ReadSmall(exporters.StateFileName) }

// SaveState implements exporters.StateStore.
func (b SinkBase) SaveState(b2 []byte) error { return b.Root.ReplaceSmall(exporters.StateFileName, b2) }

// KeyOf is the dedupe key of the message stored in the file at rel below
// the root.
func (b *SinkBase) KeyOf(rel ...string) (dedupe.Key, error) {
	f, err := b.Root.Open(rel...)
	if err != nil {
		return dedupe.Key{}, err
	}
	defer f.Close()
	k, _, err := dedupe.Of(f)
	return k, err
}
