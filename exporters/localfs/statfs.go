//go:build linux || darwin || freebsd

package localfs

import "golang.org/x/sys/unix"

func statDisk(p string) (diskStat, error) {
	var st unix.Statfs_t
	if err := unix.Statfs(p, &st); err != nil {
		return diskStat{}, err
	}
	bs := int64(st.Bsize)
	return diskStat{
		mount: mountPoint(p, devOf),
		total: int64(st.Blocks) * bs,
		avail: int64(st.Bavail) * bs,
	}, nil
}
