package main

import (
	"context"

	"github.com/mailferry/mailferry/exporters"
	"github.com/mailferry/mailferry/internal/corpus"
	"github.com/mailferry/mailferry/internal/engine"
	"github.com/spf13/cobra"
)

// newGenCommand is a hidden helper for benchmarks and the demo: it writes a
// deterministic generated corpus into any target through the normal engine.
func newGenCommand(g *globalOptions) *cobra.Command {
	var o corpus.GenOptions
	cmd := &cobra.Command{
		Use:    "gen DST",
		Short:  "Write a generated test corpus into DST (for benchmarks)",
		Hidden: true,
		Args:   cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runGen(cmd.Context(), g, o, args[0])
		},
	}
	cmd.Flags().IntVar(&o.Count, "count", 1000, "messages")
	cmd.Flags().Int64Var(&o.Seed, "seed", 1, "seed")
	cmd.Flags().IntVar(&o.AvgSize, "avg-size", 50<<10, "mean message size in bytes")
	return cmd
}

func runGen(ctx context.Context, g *globalOptions, o corpus.GenOptions, dst string) error {
	topts, err := g.storeOptions("target")
	if err != nil {
		return err
	}
	sink, err := exporters.Open(ctx, dst, topts)
	if err != nil {
		return err
	}
	defer sink.Close()
	out := g.newReporter(true)
	eng := &engine.Engine{Src: &corpus.GenSource{Opt: o}, Sink: sink,
		Opts: engine.Options{Observer: out, Dedupe: engine.ScopeOff, IgnoreQuota: true}}
	plan, err := eng.Copy(ctx)
	out.finish()
	if plan != nil && !g.quiet {
		out.summary(plan, true)
	}
	return err
}
