package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/mailferry/mailferry/exporters"
	"github.com/mailferry/mailferry/internal/engine"
	"github.com/spf13/cobra"
)

func newQuotaCommand(g *globalOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "quota DST",
		Short: "Show usage and limit per quota root (IMAP QUOTA; free disk for local targets)",
		Example: `  mailferry quota imaps://info@example.co.jp@mail.example.co.jp
  mailferry quota maildir:/mnt/nas/backup --json`,
		Args: g.storeArgs("mailferry quota imaps://user@mail.example.com", "a TARGET"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runQuota(cmd.Context(), g, args[0])
		},
	}
}

func runQuota(ctx context.Context, g *globalOptions, spec string) error {
	opts, err := g.storeOptions("target", spec)
	if err != nil {
		return err
	}
	sink, err := exporters.Open(ctx, spec, opts)
	if err != nil {
		return err
	}
	defer sink.Close()
	roots, err := sink.Quota(ctx, nil)
	if errors.Is(err, exporters.ErrQuotaUnknown) {
		if g.json {
			g.emit(map[string]any{"type": "quota", "known": false})
		} else {
			g.T().Fprintf(g.stdout, "quota: unknown (the target does not report one); mailferry cannot protect this box from filling up\n")
		}
		return nil
	}
	if err != nil {
		return err
	}
	for _, r := range roots {
		if g.json {
			g.emit(map[string]any{"type": "quota", "known": true, "root": r.Name, "used": r.Used, "limit": r.Limit,
				"used_messages": r.UsedMessages, "limit_messages": r.LimitMessages})
			continue
		}
		lim := g.T().Text("no limit")
		pct := ""
		if r.Limit >= 0 {
			lim = engine.HumanBytes(r.Limit)
			if r.Limit > 0 {
				pct = fmt.Sprintf(" (%.1f%%)", 100*float64(r.Used)/float64(r.Limit))
			}
		}
		g.T().Fprintf(g.stdout, "%s: %s used of %s%s", r.Name, engine.HumanBytes(r.Used), lim, pct)
		if r.LimitMessages >= 0 {
			g.T().Fprintf(g.stdout, "; %d of %d messages", r.UsedMessages, r.LimitMessages)
		}
		fmt.Fprintln(g.stdout)
	}
	return nil
}
