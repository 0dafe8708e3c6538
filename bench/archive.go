package main

// Archive throughput (issue 15): a 5,000-message corpus is pushed into
// Dovecot, then `mailferry archive --older-than 1d` moves it to a new
// maildir: and a new mbox: archive (copy, read back and hash the archive,
// hash the server's copy, UID EXPUNGE). Reported: messages moved per
// second, the median of the rounds, with wall time and peak RSS.

import (
	"encoding/json"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/mailferry/mailferry/internal/labserver"
)

func runArchiveBench(count, avg, rounds int, keep bool) error {
	work, bin, srv, done, err := setup(keep)
	if err != nil {
		return err
	}
	defer done()
	env := append(os.Environ(), "MAILFERRY_PASSWORD="+labserver.Password, "XDG_CACHE_HOME="+filepath.Join(work, "cache"))
	url := "imap://alice@" + srv.Addr
	corpus := filepath.Join(work, "corpus")
	size, err := generate(env, bin, corpus, count, avg)
	if err != nil {
		return err
	}
	fmt.Printf("archive: %d messages (%.1f MiB) on Dovecot %s, %d rounds\n\n", count, float64(size)/(1<<20), srv.Addr, rounds)
	fmt.Printf("%-8s %10s %10s %12s %10s\n", "TARGET", "MOVED", "WALL", "MESSAGES/S", "PEAK RSS")
	for _, format := range []string{"maildir", "mbox"} {
		var walls []time.Duration
		var moved int64
		var rss int64
		for r := 0; r < rounds; r++ {
			if err := srv.Reset("alice"); err != nil {
				return err
			}
			if _, err := measure(env, bin, copyArgs(nil, "maildir:"+corpus, url)...); err != nil {
				return err
			}
			dst := fmt.Sprintf("%s:%s", format, filepath.Join(work, fmt.Sprintf("archive-%s-%d", format, r)))
			cmd := exec.Command(bin, "archive", "--json", "--older-than", "1d", url, dst)
			cmd.Env = env
			var stderr strings.Builder
			cmd.Stderr = &stderr
			start := time.Now()
			out, err := cmd.Output()
			wall := time.Since(start)
			if err != nil {
				return fmt.Errorf("archive to %s: %v\n%s", dst, err, tailOf(stderr.String(), 3000))
			}
			var sum struct {
				Type  string `json:"type"`
				Moved int64  `json:"moved"`
				Left  int64  `json:"left"`
			}
			for _, line := range strings.Split(string(out), "\n") {
				if strings.Contains(line, `"type":"archive"`) {
					json.Unmarshal([]byte(line), &sum)
				}
			}
			if sum.Moved == 0 || sum.Left != 0 {
				return fmt.Errorf("archive to %s moved %d, left %d", dst, sum.Moved, sum.Left)
			}
			moved = sum.Moved
			walls = append(walls, wall)
			if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
				rss = max(rss, ru.Maxrss*1024)
			}
			log.Printf("archive to %s round %d: %d messages in %v", format, r+1, sum.Moved, wall.Round(time.Millisecond))
			if !keep {
				os.RemoveAll(dst[len(format)+1:])
			}
		}
		slices.Sort(walls)
		w := walls[len(walls)/2]
		fmt.Printf("%-8s %10d %10s %12.0f %8.0f MiB\n", format+":", moved, w.Round(time.Millisecond), float64(moved)/w.Seconds(), float64(rss)/(1<<20))
	}
	fmt.Println("\n(Drafts and Junk stay on the server, so MOVED is below the corpus size.)")
	return nil
}
