//go:build unix

package importers

import (
	"os"
	"syscall"
)

// openFile opens a file for reading without registering it with the
// runtime's poller (os.Open tries, and fails, for every regular file:
// three system calls per message of a Maildir, measured in bench/).
func openFile(path string) (*os.File, error) {
	for {
		fd, err := syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return nil, &os.PathError{Op: "open", Path: path, Err: err}
		}
		return os.NewFile(uintptr(fd), path), nil
	}
}
