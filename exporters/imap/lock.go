package imap

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/mailferry/mailferry/exporters"
	"github.com/mailferry/mailferry/exporters/localfs"
)

var _ exporters.Locker = (*Sink)(nil)

// Lock implements exporters.Locker with a lock file per target account
// in the user's cache directory (os.UserCacheDir()/mailferry/locks/),
// keyed by the login, host and port: two runs into the same account from
// this machine (an overlapping cron job) never write at the same time,
// at no cost on the server. Runs on two machines are not kept apart; the
// engine's de-duplication and the sweep of late commits remain their
// safety net (README, Reliability). Without a cache directory the run
// goes on unlocked, with a warning.
func (s *Sink) Lock(ctx context.Context, wait time.Duration) (func() error, error) {
	dir, err := os.UserCacheDir()
	if err != nil {
		s.opts.Log().Warn("imap: no cache directory for the account lock; not locking", "err", err)
		return func() error { return nil }, nil
	}
	l, err := localfs.LockFile(ctx, AccountLockPath(dir, s.sess.Endpoint().User, s.sess.Endpoint().Host, s.sess.Endpoint().Port),
		s.sess.Endpoint().String(), wait)
	if err != nil {
		return nil, err
	}
	return l.Release, nil
}

// AccountLockPath is the lock file of an account below the cache
// directory: login and host compared without case.
func AccountLockPath(cacheDir, user, host string, port int) string {
	key := strings.ToLower(user) + "\x00" + strings.ToLower(host) + "\x00" + strconv.Itoa(port)
	sum := sha256.Sum256([]byte(key))
	return filepath.Join(cacheDir, "mailferry", "locks", fmt.Sprintf("imap-%s.lock", hex.EncodeToString(sum[:8])))
}
