package ui

import (
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"time"

	"github.com/mailferry/mailferry/internal/engine"
	"github.com/mailferry/mailferry/internal/i18n"
)

// reportData is what the downloadable report shows: the stores (specs,
// no password), the last plan, copy and verify of the session.
type reportData struct {
	Source, Target     string
	Plan, Copy, Verify *JobState
	When               time.Time
}

// summary is the part of a summary event the report shows.
type summary struct {
	Folders  []engine.FolderPlan `json:"folders"`
	Totals   engine.FolderPlan   `json:"totals"`
	Quota    []engine.QuotaCheck `json:"quota"`
	Problems []engine.Problem    `json:"problems"`
	Notes    []string            `json:"notes"`
	Elapsed  float64             `json:"elapsed_seconds"`
	Copy     bool                `json:"copy"`
}

type verifySummary struct {
	Complete bool `json:"complete"`
	Totals   struct {
		Messages  int64 `json:"messages"`
		Present   int64 `json:"present"`
		Missing   int64 `json:"missing"`
		Differing int64 `json:"differing"`
		Errors    int64 `json:"errors"`
	} `json:"totals"`
}

var reportTmpl = template.Must(template.New("r").Funcs(template.FuncMap{
	"bytes": engine.HumanBytes,
	"add": func(a ...int64) int64 {
		var s int64
		for _, x := range a {
			s += x
		}
		return s
	},
	"pct": func(a, b int64) string {
		if b <= 0 {
			return ""
		}
		return fmt.Sprintf("%.1f%%", 100*float64(a)/float64(b))
	},
	"x": func(v, scale int64) string {
		if scale <= 0 {
			return "0"
		}
		return fmt.Sprintf("%.1f", 600*float64(min(v, scale))/float64(scale))
	},
	"hx": func(lim int64, h float64, scale int64) string {
		if scale <= 0 {
			return "0"
		}
		return fmt.Sprintf("%.1f", 600*float64(lim)*h/float64(scale))
	},
	"hpct":  func(h float64) string { return fmt.Sprintf("%.0f%%", h*100) },
	"scale": func(q engine.QuotaCheck, need int64) int64 { return max(q.Limit, q.Used+need) },
}).Parse(`<!DOCTYPE html>
<html lang="{{.Lang}}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.T "mailferry report"}}</title>
<style>
body{font-family:system-ui,"Hiragino Sans","Noto Sans CJK JP",Meiryo,sans-serif;color:#1d2330;max-width:980px;margin:1.5rem auto;padding:0 1rem;line-height:1.5}
h1{color:#1f5fbf;font-size:1.4rem}h2{font-size:1.1rem;margin-top:1.6rem}
table{border-collapse:collapse;width:100%;font-size:.9rem}th,td{border-bottom:1px solid #e1e5ec;padding:.25rem .5rem;text-align:left}td.n{text-align:right}
th{color:#5b6475;font-size:.8rem}.good{color:#1e7b3c}.bad{color:#b42318}dl{display:flex;flex-wrap:wrap;gap:.3rem 1.5rem}dt{color:#5b6475;font-size:.85rem}dd{margin:0;font-weight:600}
.wrap{overflow-x:auto}svg{width:100%;max-width:640px;height:auto}
</style></head><body>
<h1>{{.T "mailferry report"}}</h1>
<dl><div><dt>{{.T "Source"}}</dt><dd>{{.Source}}</dd></div><div><dt>{{.T "Target"}}</dt><dd>{{.Target}}</dd></div><div><dt>{{.T "Date"}}</dt><dd>{{.When}}</dd></div></dl>
{{with .Copy}}
<h2>{{$.T "Copy"}}</h2>
<p class="{{if eq $.CopyCode 0}}good{{else}}bad{{end}}">{{$.CopyVerdict}}</p>
<dl><div><dt>{{$.T "Messages"}}</dt><dd>{{.Totals.Messages}}</dd></div><div><dt>{{$.T "Copied"}}</dt><dd>{{.Totals.Copied}} ({{bytes .Totals.NewBytes}})</dd></div>
<div><dt>{{$.T "Already there"}}</dt><dd>{{.Totals.Duplicates}}</dd></div><div><dt>{{$.T "Skipped"}}</dt><dd>{{add .Totals.Skipped .Totals.TooBig .Totals.Deleted}}</dd></div>
<div><dt>{{$.T "Errors"}}</dt><dd>{{add .Totals.Errors .Totals.Failed}}</dd></div></dl>
{{range .Quota}}{{if and .Known (ge .Limit 0)}}{{$s := scale . $.CopyBytes}}
<h2>{{$.T "How full the box is"}} {{.Root}}</h2>
<svg viewBox="0 0 600 60" role="img" aria-label="{{$.T "Quota"}}"><rect x="0" y="6" width="{{x .Limit $s}}" height="28" rx="4" fill="#e6eaf0"/><rect x="0" y="6" width="{{x .Used $s}}" height="28" rx="4" fill="#3a4a66"/><rect x="{{x .Used $s}}" y="6" width="{{x $.CopyBytes $s}}" height="28" fill="#4f8fe8"/><line x1="{{hx .Limit .Headroom $s}}" x2="{{hx .Limit .Headroom $s}}" y1="0" y2="40" stroke="#8a5a00" stroke-width="3" stroke-dasharray="5 3"/></svg>
<dl><div><dt>{{$.T "Used before the copy"}}</dt><dd>{{bytes .Used}} ({{pct .Used .Limit}})</dd></div><div><dt>{{$.T "After the copy"}}</dt><dd>{{bytes (add .Used $.CopyBytes)}} ({{pct (add .Used $.CopyBytes) .Limit}})</dd></div><div><dt>{{$.T "Limit"}}</dt><dd>{{bytes .Limit}}</dd></div><div><dt>{{$.T "Headroom line"}}</dt><dd>{{hpct .Headroom}}</dd></div></dl>
{{end}}{{end}}
<h2>{{$.T "Folders"}}</h2>
<div class="wrap"><table><tr><th>{{$.T "Source folder"}}</th><th>{{$.T "Target folder"}}</th><th>{{$.T "Messages"}}</th><th>{{$.T "Copied"}}</th><th>{{$.T "Already there"}}</th><th>{{$.T "Skipped"}}</th><th>{{$.T "Errors"}}</th></tr>
{{range .Folders}}<tr><td>{{.SourceP}}</td><td>{{.TargetP}}</td><td class="n">{{.Messages}}</td><td class="n">{{.Copied}}</td><td class="n">{{.Duplicates}}</td><td class="n">{{add .Skipped .TooBig .Deleted}}</td><td class="n">{{add .Errors .Failed}}</td></tr>
{{end}}</table></div>
{{if .Totals.Deleted}}<p>{{$.Tf "%d messages marked deleted at the source (deleted in the old program, not yet compacted) are not copied." .Totals.Deleted}}</p>{{end}}
{{if .Problems}}<h2>{{$.T "Not copied"}}</h2><ul>{{range .Problems}}<li>{{$.T .Kind}} — {{.Folder}}: {{.Ref}}: {{.Reason}}</li>{{end}}</ul>{{end}}
{{range .Notes}}<p>{{.}}</p>{{end}}
{{else}}<p>{{.T "No copy was run in this session."}}</p>{{end}}
{{with .VerifyS}}<h2>{{$.T "Check"}}</h2>
{{if .Complete}}<p class="good">{{$.Tf "Verified: all %d messages are in the target." .Totals.Present}}</p>
{{else}}<p class="bad">{{$.Tf4 "Verified: %d present, %d missing, %d differing, %d unreadable." .Totals.Present .Totals.Missing .Totals.Differing .Totals.Errors}}</p>{{end}}
{{end}}
<p><small>mailferry ui · {{.When}}</small></p>
</body></html>
`))

type reportView struct {
	p        *i18n.Printer
	Lang     string
	Source   string
	Target   string
	When     string
	Copy     *summary
	CopyCode int
	VerifyS  *verifySummary
}

func (v *reportView) T(s string) string { return v.p.Text(s) }
func (v *reportView) Tf(f string, a int64) string {
	return v.p.Sprintf(f, a)
}
func (v *reportView) Tf4(f string, a, b, c, d int64) string {
	return v.p.Sprintf(f, a, b, c, d)
}

// CopyBytes is what the copy wrote.
func (v *reportView) CopyBytes() int64 {
	if v.Copy == nil {
		return 0
	}
	t := v.Copy.Totals
	if t.New > 0 {
		return t.NewBytes * t.Copied / t.New
	}
	return 0
}

func (v *reportView) CopyVerdict() string {
	switch v.CopyCode {
	case 0:
		return v.p.Text("All messages are in the target.")
	case 130:
		return v.p.Text("Stopped. What was copied stays in the target; copy again to finish the job (nothing is copied twice).")
	}
	return v.p.Text("The copy finished, but some messages were not copied; they are listed below with the reason.")
}

// writeReport writes the self-contained HTML report (no external
// resource: styles inline, the gauge an inline SVG).
func writeReport(w io.Writer, p *i18n.Printer, d *reportData) error {
	v := &reportView{p: p, Lang: string(p.Lang()), Source: d.Source, Target: d.Target, When: d.When.Format("2006-01-02 15:04:05 MST")}
	if d.Copy != nil && d.Copy.Summary != nil {
		var s summary
		if json.Unmarshal(d.Copy.Summary, &s) == nil {
			v.Copy, v.CopyCode = &s, d.Copy.Code
		}
	}
	if d.Verify != nil && d.Verify.Verify != nil {
		var vs verifySummary
		if json.Unmarshal(d.Verify.Verify, &vs) == nil {
			v.VerifyS = &vs
		}
	}
	return reportTmpl.Execute(w, v)
}
