//go:build !unix

package batch

// LockState: no lock outside Unix; give each batch its own state file.
func LockState(path string) (release func(), err error) { return func() {}, nil }
