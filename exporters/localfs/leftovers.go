package localfs

import (
	"regexp"
	"strconv"
	"time"
)

// Leftovers of killed runs (issue 13): a run killed while writing leaves
// its temporary files (Maildir tmp/ entries, hidden .tmp files of eml
// folders and of the state file). They are recognised by their names,
// which all contain Unique() (time, M microseconds, P pid, Q counter, R
// random hex), and removed by the next run that holds the target's lock
// when their process is gone from this host, or when they are older
// than StaleAfter whoever wrote them. Files of other programs (a mail
// delivery writing into a Maildir's tmp/) never have such a name and are
// never touched.

// StaleAfter is the age (inode change time) after which a temporary file
// of mailferry is removed whatever process wrote it: the Maildir rule of
// thumb for tmp/.
const StaleAfter = 36 * time.Hour

const uniqueRE = `\d+\.M\d+P(\d+)Q\d+R[0-9a-f]{1,8}`

var (
	// Maildir tmp/: <unique>.<host>, <unique>.<host>.keywords.
	maildirTempRE = regexp.MustCompile(`^` + uniqueRE + `\.([A-Za-z0-9._-]+?)(\.keywords)?$`)
	// .mailferry-<unique>.tmp (eml), [.].mailferry-state.json.<unique>.tmp,
	// mailferry-maildir.json.<unique>.tmp, mailferry-probe-<unique>.
	otherTempRE = regexp.MustCompile(`^(?:\.mailferry-` + uniqueRE + `\.tmp|\.{0,2}mailferry-[a-z.-]+\.` + uniqueRE + `\.tmp|mailferry-probe-` + uniqueRE + `)$`)
)

// OurTemp parses a file name as one of mailferry's temporary names and
// returns the pid and, when the name has it, the host part.
func OurTemp(name string) (pid int, host string, ok bool) {
	if m := maildirTempRE.FindStringSubmatch(name); m != nil {
		pid, _ = strconv.Atoi(m[1])
		return pid, m[2], true
	}
	if m := otherTempRE.FindStringSubmatch(name); m != nil {
		for _, s := range m[1:] {
			if s != "" {
				pid, _ = strconv.Atoi(s)
			}
		}
		return pid, "", true
	}
	return 0, "", false
}

// RemoveLeftovers removes, in the directory dir, the temporary files of
// mailferry runs that are gone: those whose host part is myHost (or that
// have none) and whose pid is not alive, and any older than StaleAfter.
// The caller holds the target's lock, so no other run of it is writing.
// It returns the paths removed.
func (r *Root) RemoveLeftovers(dir []string, myHost string) []string {
	ents, err := r.ReadDir(dir...)
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range ents {
		if !e.Type().IsRegular() {
			continue
		}
		pid, host, ok := OurTemp(e.Name())
		if !ok {
			continue
		}
		fi, err := e.Info()
		if err != nil {
			continue
		}
		gone := (host == "" || host == myHost) && !pidAlive(pid)
		if !gone && time.Since(changeTime(fi)) < StaleAfter {
			continue
		}
		rel := append(append([]string(nil), dir...), e.Name())
		if r.Remove(rel...) == nil {
			out = append(out, r.Join(rel...))
		}
	}
	return out
}
