//go:build !(linux || darwin || freebsd)

package localfs

import "errors"

func statDisk(p string) (diskStat, error) {
	return diskStat{}, errors.New("free space unknown on this system")
}
