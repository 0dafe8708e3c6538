package main

import (
	"context"
	"fmt"

	"github.com/mailferry/mailferry/importers"
	"github.com/mailferry/mailferry/internal/engine"
	"github.com/spf13/cobra"
)

func newLsCommand(g *globalOptions) *cobra.Command {
	var driver *driverFlags
	cmd := &cobra.Command{
		Use:   "ls SRC",
		Short: "List the folders of a store with message counts and bytes",
		Example: `  mailferry ls thunderbird:
  mailferry ls pst:Outlook.pst
  mailferry ls imaps://user@mail.example.com`,
		Args: g.storeArgs("mailferry ls thunderbird:", "a store"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runLs(cmd.Context(), g, args[0], driver)
		},
	}
	driver = addDriverFlags(cmd.Flags(), false)
	return cmd
}

func runLs(ctx context.Context, g *globalOptions, spec string, driver *driverFlags) error {
	opts, err := g.storeOptions("source", spec)
	if err != nil {
		return err
	}
	opts.Driver = driver.values(true)
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
	tw.maxWidth, tw.flexCol = outWidth(g.stdout), 0 // long folder names shortened in the middle on a terminal
	fmt.Fprintf(tw, "%s\t\t%s\t%s\t\n", g.T().Text("FOLDER"), g.T().Text("MESSAGES"), g.T().Text("BYTES"))
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
	fmt.Fprintf(tw, "%s\t\t%d\t%s\t\n", g.T().Sprintf("TOTAL (%d folders)", len(fis)), n, engine.HumanBytes(b))
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
