package main

import (
	"bytes"
	"regexp"
	"strconv"
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
		tmpl := c.UsageTemplate()
		tmpl = strings.ReplaceAll(tmpl, ".LocalFlags.FlagUsages", ".LocalFlags.FlagUsagesWrapped "+strconv.Itoa(width-1))
		tmpl = strings.ReplaceAll(tmpl, ".InheritedFlags.FlagUsages", ".InheritedFlags.FlagUsagesWrapped "+strconv.Itoa(width-1))
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
	root := c.Root()
	if s, ok := jaLong[root.Name()]; ok && c == root {
		root.Long = s
	}
	for _, sc := range append([]*cobra.Command{c}, c.Commands()...) {
		if s, ok := jaShort[sc.Name()]; ok {
			sc.Short = s // a command's own Long (login) stays English
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
