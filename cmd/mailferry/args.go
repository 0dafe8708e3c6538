package main

import (
	"strings"

	"github.com/mailferry/mailferry/importers"
	"github.com/spf13/cobra"
)

// storeArgs checks that a command got its store arguments (names lists
// them, e.g. "a SOURCE", "a TARGET") and says which is missing, with an
// example.
func (g *globalOptions) storeArgs(example string, names ...string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		t := g.T()
		tn := make([]string, len(names))
		for i, n := range names {
			tn[i] = t.Text(n)
		}
		and := t.Text(" and ")
		n := len(names)
		switch {
		case len(args) == n:
			return nil
		case len(args) < n:
			missing := strings.Join(tn[len(args):], and)
			if len(args) == 0 {
				return importers.UsageError("%s", t.Sprintf("%s needs %s: for example\n  %s", cmd.Name(), missing, example))
			}
			return importers.UsageError("%s", t.Sprintf("%s needs %s after %s: for example\n  %s", cmd.Name(), missing, strings.Join(args, " "), example))
		default:
			return importers.UsageError("%s", t.Sprintf("%s takes %s, but got %d arguments (%s); put quotes around a path with spaces: for example\n  %s",
				cmd.Name(), strings.Join(tn, and), len(args), strings.Join(args, " "), example))
		}
	}
}
