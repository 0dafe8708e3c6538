//go:build !linux && !darwin

package keycache

import "io/fs"

// statOf: no cache on this system (no inode and ctime to validate with).
func statOf(fs.FileInfo) stat { return stat{} }
