package main

import (
	"context"
	"fmt"

	"github.com/mailferry/mailferry/importers"
	"github.com/mailferry/mailferry/internal/engine"
	"github.com/spf13/cobra"
)

func newLsCommand(g *globalOptions) *cobra.Command {
	var keepDeleted, allAccounts bool
	var account string
	cmd := &cobra.Command{
		Use:   "ls SRC",
		Short: "List the folders of a store with message counts and bytes",
		Example: `  mailferry ls thunderbird:
  mailferry ls pst:Outlook.pst
  mailferry ls imaps://user@mail.example.com`,
		Args: g.storeArgs("mailferry ls thunderbird:", "a store"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runLs(cmd.Context(), g, args[0], keepDeleted, allAccounts, account)
		},
	}
	cmd.Flags().BoolVar(&allAccounts, "all-accounts", false, "thunderbird: also the profile's other local directories (feeds, removed accounts); POP accounts are listed anyway")
	cmd.Flags().StringVar(&account, "account", "", `thunderbird: this account only (its name, server host or directory; "Local Folders")`)
	_ = keepDeleted
	return cmd
}

func runLs(ctx context.Context, g *globalOptions, spec string, keepDeleted, allAccounts bool, account string) error {
	opts, err := g.storeOptions("source")
	if err != nil {
		return err
	}
	opts.AllAccounts = allAccounts
	opts.Account = account
	src, err := importers.Open(ctx, spec, opts)
	if err != nil {
		return err
	}
	defer src.Close()
	fis, err := src.Folders(ctx)
	if err != nil {
		return err
	}
	if g.json {
		for _, fi := range fis {
			g.emit(map[string]any{"type": "folder", "folder": fi.Folder.String(), "path": []string(fi.Folder),
				"special_use": fi.Use, "messages": fi.Messages, "bytes": fi.Bytes, "noselect": fi.NoSelect})
		}
		return nil
	}
	tw := newTable(g.stdout, true)
	fmt.Fprintln(tw, "FOLDER\t\tMESSAGES\tBYTES\t")
	var n, b int64
	for _, fi := range fis {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t\n", fi.Folder, fi.Use, count(fi.Messages), size(fi.Bytes))
		if fi.Messages > 0 {
			n += fi.Messages
		}
		if fi.Bytes > 0 {
			b += fi.Bytes
		}
	}
	fmt.Fprintf(tw, "TOTAL (%d folders)\t\t%d\t%s\t\n", len(fis), n, engine.HumanBytes(b))
	return tw.Flush()
}

func count(n int64) string {
	if n < 0 {
		return "?"
	}
	return fmt.Sprint(n)
}

func size(n int64) string {
	if n < 0 {
		return "?"
	}
	return engine.HumanBytes(n)
}
