package labserver

import (
	"os"
	"os/exec"
	"path/filepath"
	"sync"
)

// QUIRK (server): Cyrus 3.6 names mailboxes by a 24-character id drawn
// from rand() (lib/util.c makeuuid), and imapd seeds rand() with the time
// in seconds. Every imapd started in the same second draws the same ids,
// so mailboxes created in two processes of one second share one id, one
// spool directory and one cyrus.header: alice's INBOX then names small's
// quota root and messages appended to one appear in the other. Real
// servers start their processes seconds apart; a test server creates all
// its mailboxes within one. cyrusSeedShim builds a preloaded srand that
// mixes in the process id.
const cyrusSeedC = `#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <unistd.h>
void srand(unsigned int seed) {
	static void (*real)(unsigned int);
	if (!real) real = (void (*)(unsigned int))dlsym(RTLD_NEXT, "srand");
	real(seed ^ ((unsigned int)getpid() * 2654435761u));
}
`

var seedShim struct {
	once sync.Once
	path string
}

// cyrusSeedShim returns the path of the shared object, or "" when no C
// compiler is there (the launcher then relies on cyrusOwnRoots' retries).
func cyrusSeedShim() string {
	seedShim.once.Do(func() {
		cc, err := exec.LookPath("cc")
		if err != nil {
			return
		}
		dir, err := os.MkdirTemp(tempRoot(), "labcyrusseed-")
		if err != nil {
			return
		}
		src := filepath.Join(dir, "seed.c")
		so := filepath.Join(dir, "seed.so")
		if os.WriteFile(src, []byte(cyrusSeedC), 0o644) != nil {
			return
		}
		if exec.Command(cc, "-shared", "-fPIC", "-O2", "-o", so, src, "-ldl").Run() != nil {
			return
		}
		_ = os.Chmod(dir, 0o755)
		seedShim.path = so
	})
	return seedShim.path
}
