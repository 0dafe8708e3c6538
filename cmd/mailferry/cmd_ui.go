package main

import (
	"fmt"
	"os"

	"github.com/mailferry/mailferry/internal/i18n"
	"github.com/mailferry/mailferry/internal/ui"
	"github.com/spf13/cobra"
)

// uiPassedFlags are the global flags mailferry ui hands on to every step
// it runs (paths and settings, never a secret), as batch does.
var uiPassedFlags = []string{"tls-ca", "source-tls-ca", "target-tls-ca", "tls-server-name", "source-tls-server-name", "target-tls-server-name",
	"tls-insecure-skip-verify", "timeout", "auth", "source-auth", "target-auth", "oauth2-client-id", "oauth2-tenant", "oauth2-endpoint"}

func newUICommand(g *globalOptions) *cobra.Command {
	var noBrowser bool
	var exe string
	cmd := &cobra.Command{
		Use:   "ui",
		Short: "A page in your browser that walks you through the move (source, target, plan with the quota, copy, check)",
		Long: `ui starts a small web server on this computer (127.0.0.1, a free port), prints
its address and opens it in your browser. The page walks you through the
move: where the mail is now (Thunderbird profiles are found by themselves;
Outlook files, folders of .msg/.eml, Maildir, mbox, an IMAP or POP3
account), where it goes (an IMAP account, or a folder for a backup), the
plan with a gauge of how full the box will be, the copy with its progress
and a Stop button, and the check at the end, with a report to download.

Each step runs mailferry itself (plan, copy, verify, quota), so the page
does what the commands do. Only this computer can open the page: the
address carries a one-time key, and passwords stay in mailferry's memory
until you stop it (Ctrl-C).`,
		Example: `  mailferry ui
  mailferry ui --no-browser     # print the address only (open it yourself)`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			var common []string
			for _, name := range uiPassedFlags {
				if f := cmd.Flags().Lookup(name); f != nil && f.Changed {
					common = append(common, "--"+name+"="+f.Value.String())
				}
			}
			cfg := ui.Config{Exe: exe, Common: common}
			if g.lang != "" {
				l, err := i18n.Detect(g.lang, os.Getenv)
				if err == nil {
					cfg.Lang = l
				}
			}
			srv, err := ui.Start(cfg)
			if err != nil {
				return err
			}
			defer srv.Close()
			url := srv.URL()
			t := g.T()
			t.Fprintf(g.stderr, "mailferry ui: open this address in your browser (it works once, on this computer only):\n\n  %s\n\nPress Ctrl-C to stop.\n", url)
			if g.json {
				g.emit(map[string]any{"type": "ui", "url": url, "port": srv.Port()})
			}
			if !noBrowser {
				if err := ui.OpenBrowser(url); err != nil && g.verbose {
					fmt.Fprintf(g.stderr, "mailferry ui: no browser opened (%v)\n", err)
				}
			}
			<-cmd.Context().Done()
			t.Fprintf(g.stderr, "mailferry ui: stopped.\n")
			return nil
		},
	}
	cmd.Flags().BoolVar(&noBrowser, "no-browser", false, "do not open a browser; only print the address")
	cmd.Flags().StringVar(&exe, "mailferry-binary", "", "the mailferry binary the steps run (default: this one)")
	cmd.Flags().MarkHidden("mailferry-binary")
	return cmd
}
