package mbox

import (
	"github.com/mailferry/mailferry/exporters"
	"github.com/mailferry/mailferry/exporters/localfs"
	"github.com/mailferry/mailferry/importers"
)

var _ exporters.FolderNamer = (*Sink)(nil)

// FolderKey implements exporters.FolderNamer: folders that differ only in
// case are one folder on a case-insensitive file system (localfs.FolderKey).
func (s *Sink) FolderKey(f importers.Folder) string { return localfs.FolderKey(f) }

// NameKey implements exporters.FolderNamer (localfs.NameKey).
func (s *Sink) NameKey(name string) string { return localfs.NameKey(name) }
