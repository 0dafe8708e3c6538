package main

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/mailferry/mailferry/internal/i18n"
)

// notForVerify are flags verify shares with copy (copyOptions.addFlags)
// that change nothing about a verify: verify --help does not list them
// (they are still accepted, so a copy command line can be re-used).
var notForVerify = []string{"ignore-quota", "quota-headroom", "delete-after-verify"}

// setupHelp makes every --help fit the terminal (flag descriptions
// wrapped under their column, long lines wrapped; 80 columns when the
// output is not a terminal) and speak Japanese when the user's language
// is Japanese (headings, command summaries, the overview and the common
// flags; untranslated text stays English).
func setupHelp(root *cobra.Command, g *globalOptions) {
	for _, c := range root.Commands() {
		if c.Name() == "verify" {
			for _, f := range notForVerify {
				_ = c.Flags().MarkHidden(f)
			}
		}
	}
	defaultHelp := root.HelpFunc()
	root.SetHelpFunc(func(c *cobra.Command, args []string) {
		width := terminalWidth(g.stdout)
		t := g.T()
		if t.Lang() == i18n.Japanese {
			translateCommand(c)
		}
		c.Example = wrapExamples(c.Example, width)
		tmpl := c.UsageTemplate()
		tmpl = strings.ReplaceAll(tmpl, "{{.LocalFlags.FlagUsages | trimTrailingWhitespaces}}", templateText(flagUsages(c.LocalFlags(), width, t.Text("default"))))
		tmpl = strings.ReplaceAll(tmpl, "{{.InheritedFlags.FlagUsages | trimTrailingWhitespaces}}", templateText(flagUsages(c.InheritedFlags(), width, t.Text("default"))))
		c.SetUsageTemplate(tmpl)
		var buf bytes.Buffer
		c.SetOut(&buf)
		defaultHelp(c, args)
		c.SetOut(nil)
		out := buf.String()
		if t.Lang() == i18n.Japanese {
			out = translateHeadings(out)
		}
		_, _ = g.stdout.Write([]byte(wrapText(out, width)))
	})
}

// translateCommand puts the Japanese texts of c, its subcommands and its
// flags in place (the process prints one help and ends).
func translateCommand(c *cobra.Command) {
	if s, ok := jaLong[c.Name()]; ok {
		c.Long = s
	}
	for _, sc := range append([]*cobra.Command{c}, c.Commands()...) {
		if s, ok := jaShort[sc.Name()]; ok {
			sc.Short = s // a command's own Long (login) stays English unless in jaLong
		}
	}
	tr := func(f *pflag.Flag) {
		if s, ok := jaFlag[f.Name]; ok {
			f.Usage = s
		} else if f.Name == "help" {
			f.Usage = "このヘルプを表示します"
		} else if f.Name == "version" {
			f.Usage = "バージョンを表示します"
		}
	}
	c.LocalFlags().VisitAll(tr)
	c.InheritedFlags().VisitAll(tr)
}

var useLine = regexp.MustCompile(`(?m)^Use "(.+) --help" for more information about a command\.$`)

// translateHeadings puts cobra's English headings into Japanese.
func translateHeadings(s string) string {
	for _, p := range [][2]string{
		{"\nUsage:\n", "\n使い方:\n"}, {"\nAliases:\n", "\n別名:\n"}, {"\nExamples:\n", "\n例:\n"},
		{"\nAvailable Commands:\n", "\nコマンド:\n"}, {"\nAdditional Commands:\n", "\nその他のコマンド:\n"},
		{"\nFlags:\n", "\nオプション:\n"}, {"\nGlobal Flags:\n", "\n共通オプション:\n"},
		{"\nAdditional help topics:\n", "\nヘルプの項目:\n"},
	} {
		s = strings.Replace(s, p[0], p[1], 1)
	}
	if strings.HasPrefix(s, "Usage:\n") {
		s = "使い方:\n" + strings.TrimPrefix(s, "Usage:\n")
	}
	return useLine.ReplaceAllString(s, `コマンドごとの説明は "$1 --help" で表示されます。`)
}

// templateText quotes s for a text/template as literal text.
func templateText(s string) string {
	return strings.ReplaceAll(s, "{{", `{{"{{"}}`)
}

// flagUsages lists the visible flags of fs as pflag does ("  -j,
// --connections int   text (default 3)"), with the texts wrapped under
// their column by display width (Japanese counts two columns a character
// and breaks between characters) so that no line is wider than width-1;
// on a narrow terminal the texts go on lines of their own.
func flagUsages(fs *pflag.FlagSet, width int, defaultWord string) string {
	type row struct{ left, text string }
	var rows []row
	col := 0
	fs.VisitAll(func(f *pflag.Flag) {
		if f.Hidden {
			return
		}
		left := "      --" + f.Name
		if f.Shorthand != "" && f.ShorthandDeprecated == "" {
			left = "  -" + f.Shorthand + ", --" + f.Name
		}
		varname, usage := pflag.UnquoteUsage(f)
		if varname != "" {
			left += " " + varname
		}
		switch {
		case f.DefValue == "" || f.DefValue == "false" || f.DefValue == "0" || f.DefValue == "[]" || f.DefValue == "0s":
		case f.Value.Type() == "string":
			usage += fmt.Sprintf(" (%s %q)", defaultWord, f.DefValue)
		default:
			usage += fmt.Sprintf(" (%s %s)", defaultWord, f.DefValue)
		}
		rows = append(rows, row{left, usage})
		col = max(col, displayWidth(left))
	})
	limit := max(width-1, 20)
	col += 3
	indent := col
	if indent > limit/2 {
		indent = 8 // narrow: the text below its flag
	}
	var b strings.Builder
	for _, r := range rows {
		b.WriteString(r.left)
		cur := displayWidth(r.left)
		if indent < col || cur+2 > indent {
			b.WriteString("\n" + strings.Repeat(" ", indent))
		} else {
			b.WriteString(strings.Repeat(" ", indent-cur))
		}
		cur = indent
		first := true
		for _, u := range wrapUnits(r.text, limit-indent) {
			sep := 0
			if u.space && !first {
				sep = 1
			}
			w := displayWidth(u.text)
			if !first && cur+sep+w > limit {
				b.WriteString("\n" + strings.Repeat(" ", indent))
				cur, sep = indent, 0
			}
			b.WriteString(strings.Repeat(" ", sep) + u.text)
			cur += sep + w
			first = false
		}
		b.WriteString("\n")
	}
	return strings.TrimRight(b.String(), "\n")
}

// wrapExamples fits example command lines to width-1 columns the way a
// shell reads them: a trailing "# comment" moves to a line of its own
// above the command, and a command still too long continues on the next
// line after " \\", so every example can still be copied and pasted.
func wrapExamples(ex string, width int) string {
	limit := max(width-1, 30)
	var out []string
	for _, line := range strings.Split(ex, "\n") {
		if displayWidth(line) <= limit {
			out = append(out, line)
			continue
		}
		indent := line[:len(line)-len(strings.TrimLeft(line, " "))]
		if i := strings.Index(line, " # "); i > 0 {
			out = append(out, indent+"# "+strings.TrimSpace(line[i+3:]))
			line = strings.TrimRight(line[:i], " ")
			if displayWidth(line) <= limit {
				out = append(out, line)
				continue
			}
		}
		cur := indent
		for _, word := range strings.Fields(line) {
			switch {
			case strings.TrimSpace(cur) == "":
				cur += word
			case displayWidth(cur)+1+displayWidth(word)+2 > limit:
				out = append(out, cur+" \\")
				cur = indent + "    " + word
			default:
				cur += " " + word
			}
		}
		out = append(out, cur)
	}
	return strings.Join(out, "\n")
}
