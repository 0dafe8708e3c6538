package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/mailferry/mailferry/importers"
	"github.com/mailferry/mailferry/internal/failure"
	"github.com/mailferry/mailferry/internal/i18n"
	"github.com/mailferry/mailferry/internal/netconn"
	"github.com/spf13/cobra"
)

type globalOptions struct {
	json            bool
	quiet           bool
	verbose         bool
	passwordFile    string
	srcPasswordFile string
	dstPasswordFile string
	tlsCA           string
	srcTLSCA        string
	dstTLSCA        string
	tlsServerName   string
	srcServerName   string
	dstServerName   string
	tlsInsecure     bool
	insecurePlain   bool
	lang            string
	printer         *i18n.Printer
	logFile         string
	log             io.WriteCloser // --log-file, opened by the root's pre-run
	timeout         time.Duration
	warned          map[string]bool
	oauth           authOptions // auth_flags.go

	stdout, stderr io.Writer
	stdin          *os.File
	outMu          sync.Mutex
}

func (g *globalOptions) addFlags(cmd *cobra.Command) {
	f := cmd.PersistentFlags()
	f.BoolVar(&g.json, "json", false, "print NDJSON events and the summary on stdout")
	f.BoolVarP(&g.quiet, "quiet", "q", false, "no progress bars")
	f.BoolVarP(&g.verbose, "verbose", "v", false, "log each message")
	f.StringVar(&g.passwordFile, "password-file", "", "read the IMAP password from this file (default: $MAILFERRY_PASSWORD, else a prompt)")
	f.StringVar(&g.srcPasswordFile, "source-password-file", "", "password file for the source only (default: $MAILFERRY_SOURCE_PASSWORD)")
	f.StringVar(&g.dstPasswordFile, "target-password-file", "", "password file for the target only (default: $MAILFERRY_TARGET_PASSWORD)")
	f.StringVar(&g.tlsCA, "tls-ca", "", "PEM file of CA certificates to trust (self-signed servers)")
	f.StringVar(&g.srcTLSCA, "source-tls-ca", "", "--tls-ca for the source only")
	f.StringVar(&g.dstTLSCA, "target-tls-ca", "", "--tls-ca for the target only")
	f.StringVar(&g.tlsServerName, "tls-server-name", "", "the name the server's certificate must carry, when it differs from the host you connect to (e.g. a rental server's shared certificate)")
	f.StringVar(&g.srcServerName, "source-tls-server-name", "", "--tls-server-name for the source only")
	f.StringVar(&g.dstServerName, "target-tls-server-name", "", "--tls-server-name for the target only")
	f.BoolVar(&g.tlsInsecure, "tls-insecure-skip-verify", false, "do not verify TLS certificates (DANGEROUS: anyone on the path can read your password)")
	f.BoolVar(&g.insecurePlain, "insecure-plain", false, "allow login without TLS to a host that is not loopback (DANGEROUS)")
	f.DurationVar(&g.timeout, "timeout", importers.DefaultTimeout, "give up a network connection when no byte moved for this long while waiting for the server")
	f.StringVar(&g.logFile, "log-file", "", "append every event of the run (NDJSON with times, secrets redacted) to this file")
	g.oauth.addFlags(f)
	f.StringVar(&g.lang, "lang", "", "language of messages: en or ja (default: from LC_ALL, LC_MESSAGES or LANG)")
}

// T is the message printer in the user's language (--lang, else the
// locale): every text meant for a person goes through it.
func (g *globalOptions) T() *i18n.Printer {
	if g.printer == nil {
		l, _ := i18n.Detect(g.lang, os.Getenv)
		g.printer = i18n.New(l)
	}
	return g.printer
}

// isCobraUsage reports cobra's "unknown command" error.
//
// QUIRK: cobra returns an unknown subcommand as a plain error with text
// only (from its command lookup, before any hook of ours runs). Every other
// usage error of cobra is marked failure.Usage by markUsage: flag errors
// through SetFlagErrorFunc, argument counts by wrapping each command's
// Args validator.
func isCobraUsage(err error) bool {
	return strings.HasPrefix(err.Error(), "unknown command ")
}

// markUsage makes cobra's flag and argument errors of cmd and its
// subcommands failure.Usage errors (exit code 2).
func markUsage(cmd *cobra.Command) {
	cmd.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return failure.Permanent(failure.Usage, &flagError{err: err, cmd: c.CommandPath()}) // errors_i18n.go
	})
	if args := cmd.Args; args != nil {
		cmd.Args = func(c *cobra.Command, a []string) error { return failure.Permanent(failure.Usage, args(c, a)) }
	}
	for _, c := range cmd.Commands() {
		markUsage(c)
	}
}

func newRootCommand(g *globalOptions) *cobra.Command {
	root := &cobra.Command{
		Use:   "mailferry",
		Short: "Move e-mail between local stores and IMAP servers without losing or duplicating a message",
		Long: `mailferry moves e-mail between the stores a POP user keeps on disk and IMAP
servers, in both directions, de-duplicating by Message-ID and checking the
target's quota before it writes.

STORES
  thunderbird:PATH    Thunderbird profile or its "Mail/Local Folders" (thunderbird: alone finds the default profile)
  mbox:PATH           an mbox file or a directory of them
  maildir:PATH        a Maildir or Maildir++ tree
  eml:PATH            a folder tree of .eml files
  msg:PATH            a folder tree of Outlook .msg files
  pst:FILE            an Outlook .pst/.ost file
  imap://user@host[:port]   IMAP with STARTTLS (required except on loopback)
  imaps://user@host[:port]  IMAP over TLS
  pop3://user@host[:port]   POP3 maildrop (source only; STLS required except on loopback)
  pop3s://user@host[:port]  POP3 over TLS

PASSWORDS
  Never on the command line: $MAILFERRY_PASSWORD (or $MAILFERRY_SOURCE_PASSWORD /
  $MAILFERRY_TARGET_PASSWORD), --password-file, or a prompt on a terminal.

EXIT STATUS
  0  done
  1  error
  2  usage error (bad store spec, missing path, unknown flag)
  3  finished, but some messages were not copied (they are listed)
  4  refused by quota: nothing was written (or the target filled up mid-run)
  130 interrupted`,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			if _, err := i18n.Detect(g.lang, os.Getenv); err != nil {
				return importers.UsageError("%v", err)
			}
			g.printer = nil
			return g.openLog(cmd)
		},
	}
	g.addFlags(root)
	root.Version = versionString()
	root.SetVersionTemplate("{{.Version}}\n")
	root.SetOut(g.stdout)
	root.SetErr(g.stderr)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return importers.UsageError("%v (see %s --help)", err, c.CommandPath())
	})
	root.AddCommand(newLsCommand(g), newPlanCommand(g, false), newPlanCommand(g, true), newQuotaCommand(g), newDemoCommand(g), newArchiveCommand(g), newGenCommand(g), newVerifyCommand(g), newVersionCommand(g))
	root.AddCommand(newLoginCommand(g)) // cmd_login.go
	// batch and report: cmd_batch.go
	root.AddCommand(newBatchCommand(g), newReportCommand(g))
	root.AddCommand(newUICommand(g)) // cmd_ui.go
	markUsage(root)
	setupHelp(root, g) // help.go
	return root
}

// storeOptions builds the options a store is opened with.
func (g *globalOptions) storeOptions(role string, spec ...string) (*importers.Options, error) {
	o := &importers.Options{Role: role, InsecurePlain: g.insecurePlain, Timeout: g.timeout}
	if g.timeout <= 0 {
		return nil, importers.UsageError("--timeout %s: want a positive duration such as 60s or 5m", g.timeout)
	}
	if g.insecurePlain {
		g.warnOnce("insecure-plain", "mailferry: WARNING: --insecure-plain: the password may go in plaintext to a host that is not loopback; anyone on the network path can read it")
	}
	level := slog.LevelWarn
	if g.verbose {
		level = slog.LevelInfo
	}
	o.Logger = slog.New(slog.NewTextHandler(g.stderr, &slog.HandlerOptions{Level: level}))
	caFlag, ca := "--tls-ca", g.tlsCA
	serverName := g.tlsServerName
	switch {
	case role == "source" && g.srcTLSCA != "":
		caFlag, ca = "--source-tls-ca", g.srcTLSCA
	case role == "target" && g.dstTLSCA != "":
		caFlag, ca = "--target-tls-ca", g.dstTLSCA
	}
	switch {
	case role == "source" && g.srcServerName != "":
		serverName = g.srcServerName
	case role == "target" && g.dstServerName != "":
		serverName = g.dstServerName
	}
	tc, err := netconn.NewTLSConfig(netconn.TLSOptions{CAFile: ca, ServerName: serverName, InsecureSkipVerify: g.tlsInsecure})
	switch {
	case errors.Is(err, netconn.ErrNoCertificate):
		return nil, importers.UsageError("%s %s: no PEM certificate found", caFlag, ca)
	case err != nil:
		return nil, importers.UsageError("%s: %v", caFlag, err)
	}
	if g.tlsInsecure {
		g.warnOnce("tls-insecure", "mailferry: WARNING: --tls-insecure-skip-verify: TLS certificates are NOT checked; your password can be stolen by anyone on the network path")
	}
	o.TLS = tc
	o.Password = g.passwordFunc()
	if err := g.oauth.apply(o, role, spec...); err != nil {
		return nil, err
	}
	return o, nil
}

// warnOnce prints a warning on stderr once per run (storeOptions runs
// for the source and for the target).
func (g *globalOptions) warnOnce(key, msg string) {
	g.outMu.Lock()
	defer g.outMu.Unlock()
	if g.warned[key] {
		return
	}
	if g.warned == nil {
		g.warned = map[string]bool{}
	}
	g.warned[key] = true
	fmt.Fprintln(g.stderr, msg)
}

// emit writes one NDJSON line.
func (g *globalOptions) emit(v any) {
	b, err := json.Marshal(v)
	if err != nil {
		return
	}
	g.outMu.Lock()
	defer g.outMu.Unlock()
	g.stdout.Write(append(b, '\n'))
}
