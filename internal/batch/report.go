package batch

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"path/filepath"
	"sort"
	"time"

	"github.com/mailferry/mailferry/internal/atomicfile"
)

// Report is what a consultant hands to the client: every account of the
// batch (of every shard's state given) with its outcome, and totals.
type Report struct {
	Generated  time.Time  `json:"generated"`
	BatchFiles []string   `json:"batch_files"`
	States     []string   `json:"states"`
	Accounts   []*Account `json:"accounts"`
	Totals     Totals     `json:"totals"`
}

// Account is one job of the report.
type Account struct {
	Name         string       `json:"name"`
	Source       string       `json:"source"`
	Target       string       `json:"target"`
	Status       string       `json:"status"`
	ExitCode     int          `json:"exit_code"`
	Error        string       `json:"error,omitempty"`
	Runs         int          `json:"runs"`
	Folders      int          `json:"folders"`
	FolderStats  []FolderStat `json:"folder_stats,omitempty"`
	Messages     int64        `json:"messages"`
	Copied       int64        `json:"copied"`
	Bytes        int64        `json:"bytes"`
	CopiedTotal  int64        `json:"copied_all_runs"`
	BytesTotal   int64        `json:"bytes_all_runs"`
	Duplicates   int64        `json:"duplicates"`
	Skipped      int64        `json:"skipped"`
	Failed       int64        `json:"failed"`
	Problems     []Issue      `json:"problems,omitempty"`
	MoreProblems int          `json:"more_problems,omitempty"`
	QuotaKnown   bool         `json:"quota_known"`
	QuotaBefore  int64        `json:"quota_used_before"`
	QuotaAfter   int64        `json:"quota_used_after"`
	// QuotaMeasured: QuotaAfter is the target's own figure after the
	// copy, not the estimate (before plus copied).
	QuotaMeasured bool      `json:"quota_after_measured"`
	QuotaLimit    int64     `json:"quota_limit"`
	Verify        string    `json:"verify,omitempty"`
	Seconds       float64   `json:"duration_seconds"`
	Finished      time.Time `json:"finished,omitzero"`
	LogFile       string    `json:"log_file,omitempty"`
}

// Totals add up the accounts.
type Totals struct {
	Accounts    int     `json:"accounts"`
	Done        int     `json:"done"`
	Failed      int     `json:"failed"`
	Pending     int     `json:"pending"`
	Folders     int     `json:"folders"`
	Messages    int64   `json:"messages"`
	Copied      int64   `json:"copied"`
	Bytes       int64   `json:"bytes"`
	CopiedTotal int64   `json:"copied_all_runs"`
	BytesTotal  int64   `json:"bytes_all_runs"`
	Duplicates  int64   `json:"duplicates"`
	Skipped     int64   `json:"skipped"`
	FailedMsgs  int64   `json:"failed_messages"`
	Seconds     float64 `json:"duration_seconds"`
}

// BuildReport makes the report of the states (one per shard).
func BuildReport(states []*State) *Report {
	r := &Report{Generated: time.Now().UTC()}
	seen := map[string]bool{}
	for _, s := range states {
		s.mu.Lock()
		r.States = append(r.States, s.Path)
		if s.File != "" && !seen[s.File] {
			seen[s.File] = true
			r.BatchFiles = append(r.BatchFiles, s.File)
		}
		for _, e := range s.Jobs {
			a := &Account{Name: e.Name, Source: e.Source, Target: e.Target, Status: e.Status, ExitCode: e.ExitCode,
				Error: e.Error, Runs: e.Runs, CopiedTotal: e.CopiedTotal, BytesTotal: e.BytesTotal, Seconds: e.Seconds,
				Finished: e.Finished, LogFile: e.LogFile}
			if a.Name == "" {
				a.Name = (&Job{Source: e.Source, Target: e.Target}).Label()
			}
			if o := e.Outcome; o != nil {
				a.Folders, a.Messages, a.Copied, a.Bytes = o.Folders, o.Messages, o.Copied, o.Bytes
				a.FolderStats = o.FolderStats
				a.Duplicates, a.Skipped, a.Failed = o.Duplicates, o.Skipped, o.Failed
				a.Problems, a.MoreProblems = o.Problems, o.MoreProblems
				a.QuotaKnown, a.QuotaBefore, a.QuotaAfter, a.QuotaLimit = o.QuotaKnown, o.QuotaUsed, o.QuotaAfter, o.QuotaLimit
				a.QuotaMeasured = o.QuotaAfterMeasured
				a.Verify = o.Verify
			}
			r.Accounts = append(r.Accounts, a)
		}
		s.mu.Unlock()
	}
	sort.SliceStable(r.Accounts, func(i, j int) bool { return r.Accounts[i].Name < r.Accounts[j].Name })
	t := &r.Totals
	for _, a := range r.Accounts {
		t.Accounts++
		switch a.Status {
		case StatusDone:
			t.Done++
		case StatusFailed:
			t.Failed++
		default:
			t.Pending++
		}
		t.Folders += a.Folders
		t.Messages += a.Messages
		t.Copied += a.Copied
		t.Bytes += a.Bytes
		t.CopiedTotal += a.CopiedTotal
		t.BytesTotal += a.BytesTotal
		t.Duplicates += a.Duplicates
		t.Skipped += a.Skipped
		t.FailedMsgs += a.Failed
		t.Seconds += a.Seconds
	}
	return r
}

// WriteReport writes batch-report.json and batch-report.html into dir
// (atomically).
func WriteReport(dir string, r *Report) error {
	j, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	if err := atomicfile.Write(filepath.Join(dir, "batch-report.json"), append(j, '\n'), 0o644); err != nil {
		return err
	}
	h, err := r.HTML()
	if err != nil {
		return err
	}
	return atomicfile.Write(filepath.Join(dir, "batch-report.html"), h, 0o644)
}

// bar is one bar of the time chart.
type bar struct {
	Name    string
	Y, W    int
	Seconds string
	Class   string
}

// HTML renders the report as one self-contained page: inline CSS and
// SVG, no script, nothing fetched from the network.
func (r *Report) HTML() ([]byte, error) {
	maxS := 0.0
	for _, a := range r.Accounts {
		maxS = max(maxS, a.Seconds)
	}
	var bars []bar
	for i, a := range r.Accounts {
		w := 0
		if maxS > 0 {
			w = int(a.Seconds / maxS * 560)
		}
		name := a.Name
		if r := []rune(name); len(r) > 36 {
			name = string(r[:35]) + "…"
		}
		bars = append(bars, bar{Name: name, Y: i * 18, W: max(w, 1), Seconds: fmt.Sprintf("%.1f s", a.Seconds), Class: a.Status})
	}
	var b bytes.Buffer
	err := reportTmpl.Execute(&b, map[string]any{"R": r, "Bars": bars, "ChartH": len(bars)*18 + 4})
	return b.Bytes(), err
}

// HumanBytes writes n bytes for people (KiB, MiB, GiB).
func HumanBytes(n int64) string {
	const k = 1024
	switch {
	case n < 0:
		return "no limit"
	case n < k:
		return fmt.Sprintf("%d B", n)
	case n < k*k:
		return fmt.Sprintf("%.1f KiB", float64(n)/k)
	case n < k*k*k:
		return fmt.Sprintf("%.1f MiB", float64(n)/(k*k))
	}
	return fmt.Sprintf("%.2f GiB", float64(n)/(k*k*k))
}

var reportTmpl = template.Must(template.New("report").Funcs(template.FuncMap{
	"bytes": HumanBytes,
	"secs":  func(s float64) string { return (time.Duration(s*10) * time.Second / 10).String() },
	"time":  func(t time.Time) string { return t.Format("2006-01-02 15:04 MST") },
}).Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Mail migration report</title>
<style>
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2em;color:#1d2330}
h1{font-size:1.5em;margin-bottom:.2em}
.meta{color:#5b6472;font-size:.9em}
table{border-collapse:collapse;margin:1em 0;font-size:.9em}
th,td{border:1px solid #d5d9e0;padding:.3em .6em;text-align:right;vertical-align:top}
th{background:#eef1f5}
td.l,th.l{text-align:left}
tr.failed td{background:#fdecec}
tr.in-progress td,tr.pending td{background:#fff7e0}
tfoot td{font-weight:bold;background:#f6f7f9}
.ok{color:#17803d}.bad{color:#b42318}
table.f{margin:.3em 0;font-size:.85em}
details summary{cursor:pointer}
@media print{details{display:block}details>summary{display:none}}
ul.p{margin:.2em 0;padding-left:1.2em;text-align:left;font-size:.85em}
.cards{display:flex;gap:1em;flex-wrap:wrap}
.card{border:1px solid #d5d9e0;border-radius:6px;padding:.6em 1em;min-width:8em}
.card b{display:block;font-size:1.4em}
svg text{font-size:11px;font-family:inherit}
svg rect.done{fill:#3b82f6}svg rect.failed{fill:#dc2626}svg rect.in-progress,svg rect.pending{fill:#f59e0b}
</style></head>
<body>
<h1>Mail migration report</h1>
<p class="meta">Generated {{time .R.Generated}}{{range .R.BatchFiles}} · batch file {{.}}{{end}}</p>
<div class="cards">
<div class="card">Accounts<b id="t-accounts">{{.R.Totals.Accounts}}</b></div>
<div class="card">Done<b class="ok" id="t-done">{{.R.Totals.Done}}</b></div>
<div class="card">Failed<b class="{{if .R.Totals.Failed}}bad{{else}}ok{{end}}" id="t-failed">{{.R.Totals.Failed}}</b></div>
<div class="card">Not finished<b id="t-pending">{{.R.Totals.Pending}}</b></div>
<div class="card">Messages copied (all runs)<b id="t-copied">{{.R.Totals.CopiedTotal}}</b></div>
<div class="card">Data copied (all runs)<b>{{bytes .R.Totals.BytesTotal}}</b></div>
</div>
<h2>Accounts</h2>
<table id="accounts">
<thead><tr><th class="l">Account</th><th class="l">Source → target</th><th class="l">Status</th><th>Folders</th><th>Messages</th><th>Copied</th><th>Bytes</th><th>Duplicates</th><th class="l">Skipped (reasons)</th><th>Failed</th><th>Quota before</th><th>Quota after</th><th class="l">Verify</th><th>Duration</th></tr></thead>
<tbody>
{{- range .R.Accounts}}
<tr class="{{.Status}}" data-account="{{.Name}}"><td class="l">{{.Name}}</td><td class="l">{{.Source}}<br>→ {{.Target}}</td>
<td class="l">{{.Status}}{{if .ExitCode}} (exit {{.ExitCode}}){{end}}{{if .Error}}<br><small>{{.Error}}</small>{{end}}</td>
<td>{{if .FolderStats}}<details><summary>{{.Folders}}</summary><table class="f"><tr><th class="l">Folder</th><th class="l">Target</th><th>Msgs</th><th>Copied</th><th>Dups</th><th>Skipped</th><th>Failed</th></tr>{{range .FolderStats}}<tr><td class="l">{{.Source}}</td><td class="l">{{.Target}}</td><td>{{.Messages}}</td><td>{{.Copied}}</td><td>{{.Duplicates}}</td><td>{{.Skipped}}</td><td>{{.Failed}}</td></tr>{{end}}</table></details>{{else}}{{.Folders}}{{end}}</td><td>{{.Messages}}</td><td>{{.Copied}}{{if ne .Copied .CopiedTotal}}<br><small>{{.CopiedTotal}} all runs</small>{{end}}</td><td>{{bytes .Bytes}}</td><td>{{.Duplicates}}</td>
<td class="l">{{.Skipped}}{{if .Problems}}<ul class="p">{{range .Problems}}<li>{{.Kind}}: {{.Folder}} {{.Ref}}: {{.Reason}}</li>{{end}}{{if .MoreProblems}}<li>… and {{.MoreProblems}} more (see the log)</li>{{end}}</ul>{{end}}</td>
<td>{{.Failed}}</td>
<td>{{if .QuotaKnown}}{{bytes .QuotaBefore}} of {{bytes .QuotaLimit}}{{else}}unknown{{end}}</td>
<td>{{if .QuotaKnown}}{{if not .QuotaMeasured}}≈ {{end}}{{bytes .QuotaAfter}}{{else}}unknown{{end}}</td>
<td class="l">{{if .Verify}}{{.Verify}}{{else}}not run{{end}}</td><td>{{secs .Seconds}}</td></tr>
{{- end}}
</tbody>
<tfoot><tr><td class="l">Total</td><td class="l">{{.R.Totals.Accounts}} accounts</td><td class="l">{{.R.Totals.Done}} done, {{.R.Totals.Failed}} failed</td>
<td>{{.R.Totals.Folders}}</td><td>{{.R.Totals.Messages}}</td><td>{{.R.Totals.Copied}}</td><td>{{bytes .R.Totals.Bytes}}</td><td>{{.R.Totals.Duplicates}}</td><td class="l">{{.R.Totals.Skipped}}</td><td>{{.R.Totals.FailedMsgs}}</td><td></td><td></td><td></td><td>{{secs .R.Totals.Seconds}}</td></tr></tfoot>
</table>
<p class="meta">Counts are of the last run of each account (the cut-over, or the last delta run); "all runs" adds up every run. Quota after is what the server reported after the copy; ≈ marks an estimate (before plus the bytes copied) where it could not be asked.</p>
<h2>Time per account</h2>
<svg xmlns="http://www.w3.org/2000/svg" width="900" height="{{.ChartH}}" role="img" aria-label="time per account">
{{- range .Bars}}
<text x="0" y="{{.Y}}" dy="12">{{.Name}}</text><rect class="{{.Class}}" x="240" y="{{.Y}}" width="{{.W}}" height="14"></rect><text x="{{.W}}" y="{{.Y}}" dx="246" dy="12">{{.Seconds}}</text>
{{- end}}
</svg>
</body></html>
`))
