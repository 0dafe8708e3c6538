//go:build unix

package outlook

import "syscall"

const syscallNoFollow = syscall.O_NOFOLLOW
