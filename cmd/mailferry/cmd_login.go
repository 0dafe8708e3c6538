package main

import (
	"context"
	"fmt"

	imapimp "github.com/mailferry/mailferry/internal/imapclient"
	"github.com/mailferry/mailferry/internal/oauth2"
	"github.com/spf13/cobra"
)

func newLoginCommand(g *globalOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "login imaps://USER@HOST",
		Short: "Log in to Google Workspace/Gmail or Microsoft 365 with OAuth2 (device code) and store the renewable login",
		Long: `login runs the OAuth2 login. Microsoft 365: the device-code flow; it prints an
address and a code: open the address in any browser, enter the code and sign in
as USER. Google: it prints an address to open in a browser on this computer
(Google sends the browser back to mailferry on 127.0.0.1). mailferry
then stores the refresh token (never the password) in a file only you can read
(the user configuration directory, mailferry/oauth2/USER@HOST.json) and renews
access tokens from it during copies (--auth auto does so for Google and
Microsoft hosts).

--oauth2-client-id is the application you registered (see README, Google
Workspace / Microsoft 365); Google also needs its client secret in
$MAILFERRY_OAUTH2_CLIENT_SECRET. --oauth2-tenant names a Microsoft directory.`,
		Example: `  mailferry login imaps://anna@example.com@outlook.office365.com --oauth2-client-id 00000000-1111-2222-3333-444444444444 --oauth2-tenant example.com
  MAILFERRY_OAUTH2_CLIENT_SECRET=... mailferry login imaps://anna@example.com@imap.gmail.com --oauth2-client-id 1234-abc.apps.googleusercontent.com`,
		Args: g.storeArgs("mailferry login imaps://user@outlook.office365.com", "the account"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runLogin(cmd.Context(), g, args[0])
		},
	}
}

func runLogin(ctx context.Context, g *globalOptions, spec string) error {
	ep, err := imapimp.ParseURL(spec)
	if err != nil {
		return err
	}
	a := &g.oauth
	p, err := oauth2.NewProvider(oauth2.ProviderFor(ep.Host), a.clientID, a.tenant, a.endpoint)
	if err != nil {
		return err
	}
	var tr *oauth2.TokenResponse
	if p.UsesLoopback() {
		tr, err = p.LoopbackLogin(ctx, ep.User, func(u string) {
			fmt.Fprintf(g.stderr, "To log in %s, open this address in a browser on this computer and sign in:\n\n  %s\n\n", ep.User, u)
			if g.json {
				g.emit(map[string]any{"type": "login", "user": ep.User, "host": ep.Host, "url": u})
			}
		})
	} else {
		var d *oauth2.DeviceCode
		if d, err = p.StartDevice(ctx); err != nil {
			return err
		}
		fmt.Fprintf(g.stderr, "To log in %s, open %s in a browser and enter the code %s\n", ep.User, d.URL(), d.UserCode)
		if g.json {
			g.emit(map[string]any{"type": "login", "user": ep.User, "host": ep.Host, "url": d.URL(), "code": d.UserCode})
		}
		tr, err = p.PollDevice(ctx, d)
	}
	if err != nil {
		return err
	}
	if tr.RefreshToken == "" {
		return fmt.Errorf("oauth2: %s gave no refresh token (Microsoft: the offline_access permission; Google: a client of type \"Desktop app\")", p.Name)
	}
	path, err := oauth2.Save(&oauth2.Stored{User: ep.User, Host: ep.Host, Provider: oauth2.ProviderFor(ep.Host), ClientID: a.clientID, Tenant: a.tenant, Base: a.endpoint, RefreshToken: tr.RefreshToken})
	if err != nil {
		return fmt.Errorf("oauth2: storing the login: %w", err)
	}
	fmt.Fprintf(g.stderr, "Logged in %s; the renewable login is stored in %s (mode 0600).\n", ep.User, path)
	return nil
}
