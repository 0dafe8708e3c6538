package main

// -pst: Outlook PST → local files, mailferry against readpst (pst-utils).
//
//	go run ./bench -pst enron -rounds 5
//
// copies one PST (enron: go-pst's enron.pst, 2,178 items, 28.9 MB, fetched
// into the module cache like the importers/pst tests do; or a path) with
// `mailferry copy pst:F eml:DIR`, `mailferry copy pst:F maildir:DIR` and
// `readpst -D -e -j 0 -o DIR F` (deleted items too, one .eml file per
// item, no parallel jobs), each into a new directory, in an order that
// rotates every round, and prints the median wall time, its range over
// the rounds, the peak RSS and the ratio of readpst's median to each.
// mailferry makes every message durable before it counts it (fsync);
// readpst does not sync at all. Every run's output is counted: mailferry's
// two targets must hold the same number of messages.

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// The sample PSTs of go-pst, test data only (not a dependency), pinned
// by version and module hash like importers/pst's tests.
const (
	pstSampleModule = "github.com/mooijtech/go-pst/v6@v6.0.2"
	pstSampleSum    = "h1:mXzOgcSZ30UPuCWpz4DAQCTm0ttOmiejOuF/CN32C2Q="
)

// pstPath resolves -pst: a go-pst sample name (enron, support) or a path.
func pstPath(arg string) (string, error) {
	if strings.ContainsAny(arg, "/.") {
		return arg, nil
	}
	cmd := exec.Command("go", "mod", "download", "-json", pstSampleModule)
	cmd.Dir = os.TempDir()
	cmd.Env = append(os.Environ(), "GOFLAGS=")
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("go mod download %s: %w", pstSampleModule, err)
	}
	var mod struct{ Dir, Sum, Error string }
	if err := json.Unmarshal(out, &mod); err != nil || mod.Dir == "" {
		return "", fmt.Errorf("go mod download: %v %s", err, mod.Error)
	}
	if mod.Sum != pstSampleSum {
		return "", fmt.Errorf("%s has hash %s, want %s", pstSampleModule, mod.Sum, pstSampleSum)
	}
	return filepath.Join(mod.Dir, "data", arg+".pst"), nil
}

func runPST(arg string, rounds int, keep bool) error {
	readpst, err := exec.LookPath("readpst")
	if err != nil {
		return fmt.Errorf("readpst not found (apt-get install pst-utils): %w", err)
	}
	path, err := pstPath(arg)
	if err != nil {
		return err
	}
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	work, err := os.MkdirTemp("", "mailferry-bench-pst-")
	if err != nil {
		return err
	}
	if !keep {
		defer os.RemoveAll(work)
	}
	bin := filepath.Join(work, "mailferry")
	log.Printf("building mailferry")
	if out, err := exec.Command("go", "build", "-o", bin, "./cmd/mailferry").CombinedOutput(); err != nil {
		return fmt.Errorf("go build: %v\n%s", err, out)
	}
	env := os.Environ()
	tools := []string{"mailferry eml:", "mailferry maildir:", "readpst -D -e -j 0"}
	runs := map[string]*series{}
	counts := map[string]int{}
	for _, t := range tools {
		runs[t] = &series{op: "PST → files", tool: t, bytes: fi.Size()}
	}
	for r := 0; r < rounds; r++ {
		order := slices.Clone(tools)
		for i := 0; i < r%len(tools); i++ { // rotate: each tool goes first in turn
			order = append(order[1:], order[0])
		}
		for _, tool := range order {
			out := filepath.Join(work, "out")
			os.RemoveAll(out)
			var res result
			var err error
			var n int
			name := fmt.Sprintf("pst-%s-%d", strings.TrimSuffix(strings.Fields(tool)[len(strings.Fields(tool))-1], ":"), r+1)
			switch tool {
			case "mailferry eml:":
				res, err = measure(profiled(env, name), bin, "-q", "copy", "pst:"+path, "eml:"+out)
				n, err = countAfter(err, out, ".eml")
			case "mailferry maildir:":
				res, err = measure(profiled(env, name), bin, "-q", "copy", "pst:"+path, "maildir:"+out)
				if err == nil {
					n, _, err = countMaildir(out)
				}
			default:
				os.MkdirAll(out, 0o700)
				res, err = measure(env, readpst, "-D", "-e", "-j", "0", "-q", "-o", out, path)
				n, err = countAfter(err, out, "")
			}
			if err != nil {
				return fmt.Errorf("%s: %w", tool, err)
			}
			if c, ok := counts[tool]; ok && c != n {
				return fmt.Errorf("%s wrote %d files, %d in an earlier round", tool, n, c)
			}
			counts[tool] = n
			runs[tool].runs = append(runs[tool].runs, res)
			log.Printf("round %d %-20s %6.2fs  %5.1f MB RSS  %d files", r+1, tool, res.wall.Seconds(), float64(res.rss)/1e6, n)
		}
	}
	if counts[tools[0]] != counts[tools[1]] {
		return fmt.Errorf("mailferry wrote %d .eml files but %d Maildir messages", counts[tools[0]], counts[tools[1]])
	}
	rv, _ := exec.Command(readpst, "-V").CombinedOutput()
	fmt.Printf("\n%s (%.1f MB), %d rounds (median, min–max), %d CPUs, %s/%s, %s\n\n", filepath.Base(path), float64(fi.Size())/1e6,
		rounds, runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, firstLine(string(rv)))
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "tool\tfiles\tseconds\trange s\titems/s\tCPU s\tpeak RSS MB\tvs readpst\t")
	ref := runs[tools[2]].median().wall
	for _, t := range tools {
		s := runs[t]
		m := s.median()
		lo, hi := wallRange(s)
		fmt.Fprintf(tw, "%s\t%d\t%.2f\t%.2f–%.2f\t%.0f\t%.2f\t%.1f\t%.2f×\t\n", t, counts[t], m.wall.Seconds(), lo.Seconds(), hi.Seconds(),
			float64(counts[t])/m.wall.Seconds(), m.cpu.Seconds(), float64(m.rss)/1e6, ref.Seconds()/m.wall.Seconds())
	}
	tw.Flush()
	fmt.Println("\nvs readpst: readpst's median time / the tool's (above 1: faster than readpst). mailferry fsyncs every message before counting it; readpst does not sync.")
	return nil
}

func wallRange(s *series) (lo, hi time.Duration) {
	for i, r := range s.runs {
		if i == 0 || r.wall < lo {
			lo = r.wall
		}
		if r.wall > hi {
			hi = r.wall
		}
	}
	return lo, hi
}

// countAfter counts the regular files under dir (with the suffix, when
// not empty), unless err.
func countAfter(err error, dir, suffix string) (int, error) {
	if err != nil {
		return 0, err
	}
	n := 0
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() && strings.HasSuffix(d.Name(), suffix) {
			n++
		}
		return nil
	})
	return n, err
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return s
}
