// Command bench measures mailferry against mbsync (isync) on the same
// generated corpus and the same private Dovecot on 127.0.0.1, alternating
// the tools (A B, A B, ...) and reporting the median of the rounds:
//
//   - push: a Maildir++ tree → IMAP (mbsync: Sync Push, CopyArrivalDate yes)
//   - pull: IMAP → a new Maildir++ tree (mbsync: Sync Pull, CopyArrivalDate yes)
//   - re-run: mailferry's second push and pull, when everything is present
//
// With -guards it measures instead what the target locks and the network
// progress deadlines (--timeout) cost: mailferry's push and pull, each run
// once with them and once without (MAILFERRY_BENCH_UNGUARDED=1, a switch
// for this bench only), alternating, and the ratio of the medians.
//
// With -server cyrus, cyrus-unix or courier the push/pull comparison runs
// against that server instead of Dovecot (bench/servers.go).
//
// With -rss-counts (e.g. 1000,100000) it measures instead how mailferry's
// peak RSS grows with the number of messages: a push and a pull of each
// corpus size, small messages (-avg-size) so that the count dominates.
// Its corpora are written directly (bench/rssgen.go: the messages of
// mailferry gen, without the engine's fsyncs), each push with a key cache
// of its own; -rss-corpora DIR keeps them for the next run.
//
// Each run is a separate process; its wall time and peak RSS (getrusage
// of the child) are measured. After every run the result is counted
// (messages on the server, files in the Maildir): a run that did not move
// every message fails the benchmark.
//
// Run it with bench/run (installs isync and Dovecot when missing) or
// `go run ./bench -count 5000 -rounds 3`.
package main

import (
	"context"
	"flag"
	"fmt"
	"io/fs"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/mailferry/mailferry/importers"
	imapimp "github.com/mailferry/mailferry/importers/imap"
	"github.com/mailferry/mailferry/importers/keycache"
	"github.com/mailferry/mailferry/internal/labserver"
)

type result struct {
	wall time.Duration
	rss  int64         // bytes
	cpu  time.Duration // user + system time of the process
}

type series struct {
	op, tool string
	msgs     int
	bytes    int64
	runs     []result
}

func (s *series) median() result {
	ws := make([]time.Duration, len(s.runs))
	cs := make([]time.Duration, len(s.runs))
	rs := make([]int64, len(s.runs))
	for i, r := range s.runs {
		ws[i], cs[i], rs[i] = r.wall, r.cpu, r.rss
	}
	slices.Sort(ws)
	slices.Sort(cs)
	return result{wall: ws[len(ws)/2], cpu: cs[len(cs)/2], rss: slices.Max(rs)}
}

var profileDir string

// profiled is env with MAILFERRY_CPUPROFILE set for a run named name when
// -profile is on.
func profiled(env []string, name string) []string {
	if profileDir == "" {
		return env
	}
	os.MkdirAll(profileDir, 0o755)
	return append(slices.Clone(env), "MAILFERRY_CPUPROFILE="+filepath.Join(profileDir, name+".pprof"),
		"MAILFERRY_MEMPROFILE="+filepath.Join(profileDir, name+".heap"))
}

func main() {
	count := flag.Int("count", 5000, "messages in the generated corpus")
	avg := flag.Int("avg-size", 50<<10, "mean message size in bytes")
	rounds := flag.Int("rounds", 3, "rounds per tool (the median is reported)")
	keep := flag.Bool("keep", false, "keep the work directory")
	conns := flag.Int("connections", 0, "mailferry's --connections (0: its default)")
	flag.StringVar(&profileDir, "profile", "", "write CPU and peak-heap profiles of each mailferry copy into this directory (push-1.pprof, push-1.heap, ...)")
	guards := flag.Bool("guards", false, "measure instead what locks and progress deadlines cost: the same push and pull with them and without them (a bench-only switch), alternating, and their ratio")
	archive := flag.Bool("archive", false, "measure mailferry archive instead: messages/s moving the corpus from Dovecot to a maildir: and an mbox: archive")
	rssCounts := flag.String("rss-counts", "", "measure peak RSS against corpus size instead: comma-separated message counts, e.g. 1000,100000")
	flag.StringVar(&rssCorpora, "rss-corpora", "", "-rss-counts: keep the generated corpora in this directory and use them again (a 1,000,000-message corpus takes long to write)")
	pop3 := flag.Bool("pop3", false, "measure POP3 → Maildir against mpop instead (bench/pop3.go)")
	pstArg := flag.String("pst", "", "measure PST → eml: and maildir: against readpst instead: a go-pst sample name (enron, support) or a .pst path (bench/pst.go)")
	huge := flag.Int("huge", 0, "measure instead the peak RSS of pushing and pulling one message of this many MB (bench/huge.go)")
	server := flag.String("server", "dovecot", "the IMAP server of the push/pull comparison: "+strings.Join(serverKinds, ", ")+" (bench/servers.go)")
	batchMode := flag.Bool("batch", false, "measure mailferry batch instead: accounts/min and messages/s for -batch-accounts accounts of -batch-count messages at each -batch-parallel (bench/batch.go)")
	batchAccounts := flag.Int("batch-accounts", 50, "-batch: accounts")
	batchCount := flag.Int("batch-count", 200, "-batch: messages per account")
	batchParallel := flag.String("batch-parallel", "1,2,4", "-batch: the --parallel values")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("bench: ")
	var extra []string
	if *conns > 0 {
		extra = []string{"--connections", fmt.Sprint(*conns)}
	}
	var err error
	switch {
	case *server != "dovecot" && (*huge > 0 || *pstArg != "" || *pop3 || *archive || *rssCounts != "" || *guards):
		err = fmt.Errorf("-server %s: only the push/pull comparison runs against other servers", *server)
	case *batchMode:
		batchAvg := 8 << 10 // small accounts unless -avg-size says otherwise
		flag.Visit(func(f *flag.Flag) {
			if f.Name == "avg-size" {
				batchAvg = *avg
			}
		})
		err = runBatchBench(*batchAccounts, *batchCount, batchAvg, *batchParallel, *keep)
	case *huge > 0:
		err = runHuge(*huge, *rounds, extra, *keep)
	case *pstArg != "":
		err = runPST(*pstArg, *rounds, *keep)
	case *pop3:
		err = runPOP3(*count, *avg, *rounds, extra, *keep)
	case *archive:
		err = runArchiveBench(*count, *avg, *rounds, *keep)
	case *rssCounts != "":
		err = runRSS(*rssCounts, *avg, extra, *keep)
	case *guards:
		err = runGuards(*count, *avg, *rounds, extra, *keep)
	default:
		err = run(*count, *avg, *rounds, extra, *keep, *server)
	}
	if err != nil {
		log.Fatal(err)
	}
}

// setup makes the work directory, builds mailferry into it and starts
// Dovecot; done stops Dovecot and removes the directory unless keep.
func setup(keep bool) (work, bin string, srv *labserver.Dovecot, done func(), err error) {
	work, err = os.MkdirTemp("", "mailferry-bench-")
	if err != nil {
		return "", "", nil, nil, err
	}
	remove := func() {
		if !keep {
			os.RemoveAll(work)
		}
	}
	bin = filepath.Join(work, "mailferry")
	log.Printf("building mailferry")
	if out, err := exec.Command("go", "build", "-o", bin, "./cmd/mailferry").CombinedOutput(); err != nil {
		remove()
		return "", "", nil, nil, fmt.Errorf("go build: %v\n%s", err, out)
	}
	srv, err = labserver.LaunchDovecot(&labserver.DovecotConfig{QuotaBytes: 64 << 30})
	if err != nil {
		remove()
		return "", "", nil, nil, err
	}
	return work, bin, srv, func() { srv.Stop(); remove() }, nil
}

func run(count, avg, rounds int, extra []string, keep bool, server string) error {
	mbsync, err := exec.LookPath("mbsync")
	if err != nil {
		return fmt.Errorf("mbsync not found (apt-get install isync, or use bench/run): %w", err)
	}
	work, bin, srv, done, err := setupServer(keep, server)
	if err != nil {
		return err
	}
	defer done()
	pw := filepath.Join(work, "pw")
	if err := os.WriteFile(pw, []byte(labserver.Password), 0o600); err != nil {
		return err
	}
	env := append(os.Environ(), "MAILFERRY_PASSWORD="+labserver.Password)
	// Cyrus and Courier get a new port at every Reset.
	url := func() string { return "imap://alice@" + srv.Addr() }

	corpus := filepath.Join(work, "corpus")
	size, err := generate(env, bin, corpus, count, avg)
	if err != nil {
		return err
	}
	conf := filepath.Join(work, "mbsyncrc")
	if err := writeMbsyncConfFor(conf, srv, pw, corpus, work); err != nil {
		return err
	}

	push := map[string]*series{}
	pull := map[string]*series{}
	var rerunPush, rerunPull series
	ceil := newCeiling(srv, env) // bench/ceiling.go: Dovecot's own dsync, nil on other servers
	tools := ceil.tools([]string{"mailferry", "mbsync"})
	for _, t := range tools {
		push[t] = &series{op: "push Maildir → IMAP", tool: t, msgs: count, bytes: size}
		pull[t] = &series{op: "pull IMAP → Maildir", tool: t, msgs: count, bytes: size}
	}
	rerunPush = series{op: "push re-run (all present)", tool: "mailferry", msgs: count, bytes: size}
	rerunPull = series{op: "pull re-run (all present)", tool: "mailferry", msgs: count, bytes: size}

	checkServer := func(what string) error {
		got, err := serverCountAt(srv.Addr())
		if err != nil {
			return err
		}
		if got != count {
			return fmt.Errorf("%s: the server holds %d messages, want %d", what, got, count)
		}
		return nil
	}
	for r := 0; r < rounds; r++ {
		for _, tool := range rotated(tools, r) {
			if err := srv.Reset(); err != nil {
				return err
			}
			if err := writeMbsyncConfFor(conf, srv, pw, corpus, work); err != nil {
				return err
			}
			os.RemoveAll(filepath.Join(work, "mbsync-state"))
			os.MkdirAll(filepath.Join(work, "mbsync-state"), 0o700)
			var res result
			var err error
			// Each first push starts without the Maildir key cache
			// (importers/keycache, in the user's cache directory): a
			// first run has none; its re-run uses what it recorded.
			penv := append(slices.Clone(env), "XDG_CACHE_HOME="+filepath.Join(work, fmt.Sprintf("cache-%d", r+1)))
			if tool == "mailferry" {
				res, err = measure(profiled(penv, fmt.Sprintf("push-%d", r+1)), bin, copyArgs(extra, "maildir:"+corpus, url())...)
			} else if tool == ceilingTool {
				res, err = ceil.push(work, corpus)
			} else {
				res, err = measure(env, mbsync, "-q", "-c", conf, "push")
			}
			if err != nil {
				return fmt.Errorf("push with %s: %w", tool, err)
			}
			if err := checkServer("push with " + tool); err != nil {
				return err
			}
			push[tool].runs = append(push[tool].runs, res)
			log.Printf("round %d push %-9s %6.2fs  %5.0f MB RSS", r+1, tool, res.wall.Seconds(), float64(res.rss)/1e6)
			if tool == "mailferry" {
				res, err = measure(profiled(penv, fmt.Sprintf("push-rerun-%d", r+1)), bin, copyArgs(extra, "maildir:"+corpus, url())...)
				if err != nil {
					return fmt.Errorf("push re-run: %w", err)
				}
				if err := checkServer("push re-run"); err != nil {
					return err
				}
				rerunPush.runs = append(rerunPush.runs, res)
			}
		}
	}
	// The account holds the corpus now (the last push); pull it.
	for r := 0; r < rounds; r++ {
		for _, tool := range rotated(ceil.pullTools(tools), r) {
			if tool == rawFetchTool { // bench/ceiling.go
				if err := ceil.rawPull(pull, srv.Addr(), count, r); err != nil {
					return err
				}
				continue
			}
			out := filepath.Join(work, "pull")
			os.RemoveAll(out)
			os.RemoveAll(filepath.Join(work, "mbsync-state"))
			os.MkdirAll(filepath.Join(work, "mbsync-state"), 0o700)
			var res result
			var err error
			if tool == "mailferry" {
				res, err = measure(profiled(env, fmt.Sprintf("pull-%d", r+1)), bin, copyArgs(extra, url(), "maildir:"+out)...)
			} else if tool == ceilingTool {
				res, err = ceil.pull(out)
			} else {
				os.MkdirAll(out, 0o700)
				res, err = measure(env, mbsync, "-q", "-c", conf, "pull")
			}
			if err != nil {
				return fmt.Errorf("pull with %s: %w", tool, err)
			}
			got, _, err := countMaildir(out)
			if err != nil {
				return err
			}
			if got != count {
				return fmt.Errorf("pull with %s: %d messages arrived, want %d", tool, got, count)
			}
			pull[tool].runs = append(pull[tool].runs, res)
			log.Printf("round %d pull %-9s %6.2fs  %5.0f MB RSS", r+1, tool, res.wall.Seconds(), float64(res.rss)/1e6)
			if tool == "mailferry" {
				res, err = measure(profiled(env, fmt.Sprintf("pull-rerun-%d", r+1)), bin, copyArgs(extra, url(), "maildir:"+out)...)
				if err != nil {
					return fmt.Errorf("pull re-run: %w", err)
				}
				if got, _, _ := countMaildir(out); got != count {
					return fmt.Errorf("pull re-run: %d messages, want %d", got, count)
				}
				rerunPull.runs = append(rerunPull.runs, res)
			}
		}
	}

	dv, _ := exec.Command(firstOf("/usr/sbin/dovecot", "dovecot"), "--version").Output()
	sv := "Dovecot " + strings.TrimSpace(string(dv))
	if srv.dv == nil {
		sv = srv.Greeting()
	}
	mv, _ := exec.Command(mbsync, "--version").Output()
	fmt.Printf("\n%d messages, %.1f MB, %d rounds (median), %d CPUs, %s/%s, %s, %s, mailferry %s\n\n",
		count, float64(size)/1e6, rounds, runtime.NumCPU(), runtime.GOOS, runtime.GOARCH,
		sv, strings.TrimSpace(string(mv)), connsOf(extra))
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "operation\ttool\tseconds\tmsgs/s\tMB/s\tpeak RSS MB\tvs mbsync\t")
	row := func(s *series, ref *series) {
		m := s.median()
		ratio := ""
		if ref != nil {
			ratio = fmt.Sprintf("%.2f×", ref.median().wall.Seconds()/m.wall.Seconds())
		}
		fmt.Fprintf(tw, "%s\t%s\t%.2f\t%.0f\t%.1f\t%.0f\t%s\t\n", s.op, s.tool, m.wall.Seconds(),
			float64(s.msgs)/m.wall.Seconds(), float64(s.bytes)/1e6/m.wall.Seconds(), float64(m.rss)/1e6, ratio)
	}
	row(push["mailferry"], push["mbsync"])
	row(push["mbsync"], nil)
	row(pull["mailferry"], pull["mbsync"])
	row(pull["mbsync"], nil)
	ceil.rows(row, push, pull)
	row(&rerunPush, nil)
	row(&rerunPull, nil)
	tw.Flush()
	ceil.summary(os.Stdout, push, pull)
	fmt.Printf("\nre-run / first run: push %.1f%%, pull %.1f%% (mailferry's CPU time: push %.1f%%, pull %.1f%%)\n",
		100*rerunPush.median().wall.Seconds()/push["mailferry"].median().wall.Seconds(),
		100*rerunPull.median().wall.Seconds()/pull["mailferry"].median().wall.Seconds(),
		100*rerunPush.median().cpu.Seconds()/push["mailferry"].median().cpu.Seconds(),
		100*rerunPull.median().cpu.Seconds()/pull["mailferry"].median().cpu.Seconds())
	return nil
}

// copyArgs is mailferry's command line for a copy.
func copyArgs(extra []string, from, to string) []string {
	return append(append([]string{"-q", "copy"}, extra...), from, to)
}

// generate writes the deterministic corpus into dir (a Maildir++ tree)
// and returns its size after checking its message count.
func generate(env []string, bin, dir string, count, avg int) (int64, error) {
	log.Printf("generating %d messages (mean %d bytes) into %s", count, avg, dir)
	if _, err := measure(env, bin, "-q", "gen", "maildir:"+dir, "--count", fmt.Sprint(count), "--avg-size", fmt.Sprint(avg)); err != nil {
		return 0, err
	}
	n, size, err := countMaildir(dir)
	if err != nil {
		return 0, err
	}
	if n != count {
		return 0, fmt.Errorf("corpus has %d messages, want %d", n, count)
	}
	// A source file changed less than keycache.RacyWindow before a run
	// is not cached by it; a real first run never follows its mail's
	// delivery that closely.
	time.Sleep(keycache.RacyWindow)
	return size, nil
}

func firstOf(paths ...string) string {
	for _, p := range paths {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return paths[len(paths)-1]
}

// measure runs a command and returns its wall time and peak RSS.
func measure(env []string, name string, args ...string) (result, error) {
	cmd := exec.Command(name, args...)
	cmd.Env = env
	var stderr strings.Builder
	cmd.Stderr = &stderr
	cmd.Stdout = &stderr
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	if err != nil {
		return result{}, fmt.Errorf("%s %s: %v\n%s", filepath.Base(name), strings.Join(args, " "), err, tailOf(stderr.String(), 3000))
	}
	res := result{wall: wall, cpu: cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		res.rss = ru.Maxrss * 1024 // KiB on Linux
	}
	return res, nil
}

func tailOf(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// countMaildir counts the message files (in cur/ and new/) of a Maildir++
// tree and their bytes.
func countMaildir(root string) (n int, size int64, err error) {
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			parent := filepath.Base(filepath.Dir(p))
			if parent == "cur" || parent == "new" {
				fi, err := d.Info()
				if err != nil {
					return err
				}
				n++
				size += fi.Size()
			}
		}
		return nil
	})
	return n, size, err
}

// serverCount is the number of messages in alice's account.
func serverCount(srv *labserver.Dovecot) (int, error) { return serverCountAt(srv.Addr) }

// serverCountAt is the number of messages in alice's account on the
// server at addr.
func serverCountAt(addr string) (int, error) {
	ctx := context.Background()
	src, err := imapimp.Open(ctx, "imap://alice@"+addr, &importers.Options{
		Password: func(string, string) (string, error) { return labserver.Password, nil },
	})
	if err != nil {
		return 0, err
	}
	defer src.Close()
	fis, err := src.Folders(ctx)
	if err != nil {
		return 0, err
	}
	total := 0
	for _, fi := range fis {
		if fi.Messages > 0 {
			total += int(fi.Messages)
		}
	}
	return total, nil
}

// writeMbsyncConfFor writes mbsync's configuration for the bench server.
func writeMbsyncConfFor(path string, srv *benchServer, pw, corpus, work string) error {
	prefix, delim := srv.Namespace()
	return writeMbsyncConfAt(path, srv.Addr(), prefix, delim, pw, corpus, work)
}

// writeMbsyncConfAt writes mbsync's configuration for the server at addr
// whose personal namespace is prefix with the separator delim (Cyrus and
// Courier: "INBOX." and '.'; upstream's Cyrus layout and Dovecot: "" and
// '/'), given explicitly rather than left to mbsync's NAMESPACE lookup so
// that both tools address the same mailboxes.
func writeMbsyncConfAt(path, addr, prefix string, delim rune, pw, corpus, work string) error {
	host, port, _ := strings.Cut(addr, ":")
	// No prefix: "UseNamespace no" rather than an empty Path.
	pathLine := "UseNamespace no\n"
	if prefix != "" {
		pathLine = "Path " + prefix + "\n"
	}
	conf := fmt.Sprintf(`IMAPAccount bench
Host %s
Port %s
User alice
PassCmd "cat %s"
SSLType None
AuthMechs LOGIN
# mbsync's default 20 s network timeout ends its push into Cyrus ("Socket
# error: timeout") while Cyrus works through mbsync's pipelined APPENDs; a
# timeout only decides failure, not speed.
Timeout 600

IMAPStore far
Account bench
%sPathDelimiter %c

MaildirStore corpus
Inbox %s
SubFolders Maildir++

MaildirStore out
Inbox %s
SubFolders Maildir++

Channel push
Far :far:
Near :corpus:
# Junk: created empty by the server, not in the corpus.
Patterns * !Junk
Create Far
Sync Push
CopyArrivalDate yes
SyncState %s/

Channel pull
Far :far:
Near :out:
Patterns *
Create Near
Sync Pull
CopyArrivalDate yes
SyncState %s/
`, host, port, pw, pathLine, delim, corpus, filepath.Join(work, "pull"),
		filepath.Join(work, "mbsync-state"), filepath.Join(work, "mbsync-state"))
	return os.WriteFile(path, []byte(conf), 0o600)
}

func connsOf(extra []string) string {
	if len(extra) == 0 {
		return "default --connections"
	}
	return strings.Join(extra, " ")
}

// rssCorpora is where -rss-counts keeps its corpora ("": in the work
// directory, one at a time).
var rssCorpora string

// runRSS pushes and pulls a corpus of each size with mailferry and prints
// the peak RSS of each run: flat memory means the big corpus needs no more
// than the small one.
func runRSS(counts string, avg int, extra []string, keep bool) error {
	work, bin, srv, done, err := setup(keep)
	if err != nil {
		return err
	}
	defer done()
	env := append(os.Environ(), "MAILFERRY_PASSWORD="+labserver.Password)
	url := "imap://alice@" + srv.Addr
	type row struct {
		count      int
		size       int64
		push, pull result
	}
	var rows []row
	for _, c := range strings.Split(counts, ",") {
		var count int
		if _, err := fmt.Sscan(strings.TrimSpace(c), &count); err != nil || count <= 0 {
			return fmt.Errorf("-rss-counts: bad count %q", c)
		}
		corpus := filepath.Join(work, "corpus")
		out := filepath.Join(work, "pull")
		os.RemoveAll(out)
		if err := srv.Reset("alice"); err != nil {
			return err
		}
		var size int64
		var err error
		if rssCorpora != "" {
			corpus = filepath.Join(rssCorpora, fmt.Sprintf("maildir-%d-%d", count, avg))
			if n, sz, err := countMaildir(corpus); err == nil && n == count {
				log.Printf("using the corpus in %s", corpus)
				size = sz
			} else {
				os.RemoveAll(corpus)
				size, err = generateFast(corpus, count, avg)
				if err != nil {
					return err
				}
			}
		} else {
			os.RemoveAll(corpus)
			if size, err = generateFast(corpus, count, avg); err != nil {
				return err
			}
		}
		r := row{count: count, size: size}
		// A key cache of its own: the push is a first one (and the
		// user's cache directory is left alone).
		penv := append(slices.Clone(env), "XDG_CACHE_HOME="+filepath.Join(work, fmt.Sprintf("cache-%d", count)))
		if r.push, err = measure(profiled(penv, fmt.Sprintf("push-%d", count)), bin, copyArgs(extra, "maildir:"+corpus, url)...); err != nil {
			return err
		}
		if got, err := serverCount(srv); err != nil || got != count {
			return fmt.Errorf("push of %d messages: the server holds %d (%v)", count, got, err)
		}
		log.Printf("%d messages: push %.1fs %.0f MB RSS", count, r.push.wall.Seconds(), float64(r.push.rss)/1e6)
		if r.pull, err = measure(profiled(env, fmt.Sprintf("pull-%d", count)), bin, copyArgs(extra, url, "maildir:"+out)...); err != nil {
			return err
		}
		if got, _, err := countMaildir(out); err != nil || got != count {
			return fmt.Errorf("pull of %d messages: %d arrived (%v)", count, got, err)
		}
		os.RemoveAll(out)
		log.Printf("%d messages: push %.1fs %.0f MB RSS, pull %.1fs %.0f MB RSS", count,
			r.push.wall.Seconds(), float64(r.push.rss)/1e6, r.pull.wall.Seconds(), float64(r.pull.rss)/1e6)
		rows = append(rows, r)
	}
	fmt.Printf("\npeak RSS of mailferry against corpus size (mean %d bytes per message), %s\n\n", avg, connsOf(extra))
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "messages\tMB\tpush s\tpush RSS MB\tpull s\tpull RSS MB\t")
	for _, r := range rows {
		fmt.Fprintf(tw, "%d\t%.1f\t%.1f\t%.0f\t%.1f\t%.0f\t\n", r.count, float64(r.size)/1e6,
			r.push.wall.Seconds(), float64(r.push.rss)/1e6, r.pull.wall.Seconds(), float64(r.pull.rss)/1e6)
	}
	return tw.Flush()
}

// runGuards pushes and pulls the corpus with mailferry, alternately with
// and without locks and progress deadlines, and prints the medians and
// their ratio.
func runGuards(count, avg, rounds int, extra []string, keep bool) error {
	work, bin, srv, done, err := setup(keep)
	if err != nil {
		return err
	}
	defer done()
	env := append(os.Environ(), "MAILFERRY_PASSWORD="+labserver.Password)
	url := "imap://alice@" + srv.Addr
	corpus := filepath.Join(work, "corpus")
	size, err := generate(env, bin, corpus, count, avg)
	if err != nil {
		return err
	}
	const on, off = "with locks and deadlines", "without"
	push := map[string]*series{}
	pull := map[string]*series{}
	for _, m := range []string{on, off} {
		push[m] = &series{op: "push Maildir → IMAP", tool: m, msgs: count, bytes: size}
		pull[m] = &series{op: "pull IMAP → Maildir", tool: m, msgs: count, bytes: size}
	}
	for r := 0; r < rounds; r++ {
		order := []string{on, off}
		if r%2 == 1 {
			slices.Reverse(order)
		}
		for _, mode := range order {
			menv := append(slices.Clone(env), "XDG_CACHE_HOME="+filepath.Join(work, fmt.Sprintf("cache-%d-%t", r, mode == on)))
			if mode == off {
				menv = append(menv, "MAILFERRY_BENCH_UNGUARDED=1")
			}
			if err := srv.Reset("alice"); err != nil {
				return err
			}
			res, err := measure(menv, bin, copyArgs(extra, "maildir:"+corpus, url)...)
			if err != nil {
				return fmt.Errorf("push %s: %w", mode, err)
			}
			if got, err := serverCount(srv); err != nil || got != count {
				return fmt.Errorf("push %s: the server holds %d messages, want %d (%v)", mode, got, count, err)
			}
			push[mode].runs = append(push[mode].runs, res)
			out := filepath.Join(work, "pull")
			os.RemoveAll(out)
			pres, err := measure(menv, bin, copyArgs(extra, url, "maildir:"+out)...)
			if err != nil {
				return fmt.Errorf("pull %s: %w", mode, err)
			}
			if got, _, err := countMaildir(out); err != nil || got != count {
				return fmt.Errorf("pull %s: %d messages arrived, want %d (%v)", mode, got, count, err)
			}
			pull[mode].runs = append(pull[mode].runs, pres)
			log.Printf("round %d %-24s push %6.2fs  pull %6.2fs", r+1, mode, res.wall.Seconds(), pres.wall.Seconds())
		}
	}
	fmt.Printf("\n%d messages, %.1f MB, %d rounds (median), %d CPUs, %s\n\n", count, float64(size)/1e6, rounds, runtime.NumCPU(), connsOf(extra))
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "operation\tmailferry\tseconds\tCPU s\tmsgs/s\tpeak RSS MB\t")
	for _, s := range []*series{push[on], push[off], pull[on], pull[off]} {
		m := s.median()
		fmt.Fprintf(tw, "%s\t%s\t%.2f\t%.2f\t%.0f\t%.0f\t\n", s.op, s.tool, m.wall.Seconds(), m.cpu.Seconds(), float64(s.msgs)/m.wall.Seconds(), float64(m.rss)/1e6)
	}
	tw.Flush()
	fmt.Printf("\nwith / without locks and deadlines: push %.1f%%, pull %.1f%% (mailferry's CPU time: push %.1f%%, pull %.1f%%)\n",
		100*push[on].median().wall.Seconds()/push[off].median().wall.Seconds(),
		100*pull[on].median().wall.Seconds()/pull[off].median().wall.Seconds(),
		100*push[on].median().cpu.Seconds()/push[off].median().cpu.Seconds(),
		100*pull[on].median().cpu.Seconds()/pull[off].median().cpu.Seconds())
	return nil
}
