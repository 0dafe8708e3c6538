package importers

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-sasl"
)

// Spec is a parsed store spec: "maildir:/path", "thunderbird:", "imaps://user@host:993".
type Spec struct {
	Scheme string // "maildir", "mbox", "thunderbird", "eml", "msg", "pst", "imap", "imaps"
	Path   string // for local stores: the path after "scheme:"; for URLs: the whole spec
	Raw    string
}

// ParseSpec splits a store spec. A spec without a known "scheme:" prefix is
// a usage error.
func ParseSpec(s string) (Spec, error) {
	i := strings.Index(s, ":")
	if i < 2 {
		return Spec{}, UsageError("store %q: want SCHEME:PATH or imap(s)://user@host (schemes: %s)", s, strings.Join(knownSchemes(), ", "))
	}
	scheme := strings.ToLower(s[:i])
	rest := s[i+1:]
	if scheme == "imap" || scheme == "imaps" || scheme == "pop3" || scheme == "pop3s" {
		if !strings.HasPrefix(rest, "//") {
			return Spec{}, UsageError("store %q: want %s://user@host[:port]", s, scheme)
		}
		return Spec{Scheme: scheme, Path: s, Raw: s}, nil
	}
	if !isKnown(scheme) {
		return Spec{}, UsageError("store %q: unknown scheme %q (schemes: %s)", s, scheme, strings.Join(knownSchemes(), ", "))
	}
	return Spec{Scheme: scheme, Path: rest, Raw: s}, nil
}

// Options are the settings a store may use when it is opened. Each store
// reads the fields that apply to it and ignores the rest.
type Options struct {
	// Password returns the password for a network store. role is "source"
	// or "target"; user is the login name. It is called at most once per
	// connection setup and its result is never logged.
	Password func(role, user string) (string, error)
	// Auth, when set, logs in with SASL instead of a password (OAuth2:
	// XOAUTH2 or OAUTHBEARER). mechs are the SASL mechanisms the server
	// offers (IMAP AUTH=..., POP3 SASL); it returns the client to use, or
	// an error naming what is missing. It is called once per connection,
	// so a token that expired is renewed when a retry reconnects.
	Auth func(ctx context.Context, role, user string, mechs []string) (sasl.Client, error)
	// Role is "source" or "target".
	Role string
	// TLS configures certificate checks (RootCAs from --tls-ca,
	// InsecureSkipVerify from --tls-insecure-skip-verify). nil: system roots.
	TLS *tls.Config
	// InsecurePlain allows LOGIN over a connection without TLS to a host
	// that is not loopback.
	InsecurePlain bool
	// KeepDeleted keeps messages a mail client marked deleted but did not
	// yet expunge/compact (Thunderbird 0x0008, Maildir T). Off by default:
	// the user deleted them.
	KeepDeleted bool
	// AllAccounts makes thunderbird: also read the profile's other local
	// directories (RSS feeds, directories of removed accounts); Local
	// Folders and the POP accounts are read anyway.
	AllAccounts bool
	// Account makes thunderbird: read one account only: its name as
	// Thunderbird shows it, its server host, its directory name, or
	// "Local Folders".
	Account string
	// Logger receives warnings (never secrets). nil discards.
	Logger *slog.Logger
	// Debug, when non-nil, receives a protocol trace with credentials redacted.
	Debug io.Writer
	// SpoolDir is where large bodies are spooled; "" means os.TempDir().
	SpoolDir string
	// MemBudget bounds the message bytes a source reads ahead into memory
	// (an IMAP FETCH chunk); 0: the source's default. Parallel copies
	// share one budget among their connections.
	MemBudget int64
	// NonMailDir, when set, is where the Outlook sources (pst, msg) write
	// the items that are not mail (contacts as .vcf, appointments, tasks
	// and journal entries as .ics, notes as .txt); "" writes none. They
	// are reported as importers.SkipError either way.
	NonMailDir string
	// Timeout is how long a network store waits without a byte moving
	// on a connection that has work pending before it gives the
	// connection up (--timeout); 0: DefaultTimeout.
	Timeout time.Duration
	// RetryBudget bounds the time a network store spends retrying one
	// operation (a folder listing, a batch of messages) on new
	// connections; 0: DefaultRetryBudget.
	RetryBudget time.Duration
	// MaxMessageSize, when > 0, makes a network source refuse a message
	// body announced larger than this (--max-size), before reading it.
	MaxMessageSize int64
}

// Defaults of the network limits.
const (
	DefaultTimeout     = 60 * time.Second
	DefaultRetryBudget = 5 * time.Minute
)

// NetTimeout returns o.Timeout or DefaultTimeout.
func (o *Options) NetTimeout() time.Duration {
	if o == nil || o.Timeout <= 0 {
		return DefaultTimeout
	}
	return o.Timeout
}

// NetRetryBudget returns o.RetryBudget or DefaultRetryBudget.
func (o *Options) NetRetryBudget() time.Duration {
	if o == nil || o.RetryBudget <= 0 {
		return DefaultRetryBudget
	}
	return o.RetryBudget
}

// Log returns o.Logger or a logger that discards.
func (o *Options) Log() *slog.Logger {
	if o == nil || o.Logger == nil {
		return slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return o.Logger
}

// OpenFunc opens a Source for a spec.
type OpenFunc func(ctx context.Context, spec Spec, opts *Options) (Source, error)

var (
	regMu    sync.Mutex
	registry = map[string]OpenFunc{}
	// other schemes known to the CLI (exporter-only), for messages.
	extra = map[string]bool{}
)

// Register makes a Source available under scheme. It panics when the scheme
// is registered twice. Call it from an init function.
func Register(scheme string, open OpenFunc) {
	regMu.Lock()
	defer regMu.Unlock()
	if _, dup := registry[scheme]; dup {
		panic("importers: scheme registered twice: " + scheme)
	}
	registry[scheme] = open
}

// KnowScheme records a scheme that exists only as a target, so that
// ParseSpec accepts it.
func KnowScheme(scheme string) {
	regMu.Lock()
	defer regMu.Unlock()
	extra[scheme] = true
}

func isKnown(scheme string) bool {
	regMu.Lock()
	defer regMu.Unlock()
	_, ok := registry[scheme]
	return ok || extra[scheme]
}

func knownSchemes() []string {
	regMu.Lock()
	defer regMu.Unlock()
	var s []string
	seen := map[string]bool{}
	for k := range registry {
		seen[k] = true
	}
	for k := range extra {
		seen[k] = true
	}
	for k := range seen {
		if strings.HasPrefix(k, "imap") || strings.HasPrefix(k, "pop3") {
			s = append(s, k+"://")
		} else {
			s = append(s, k+":")
		}
	}
	sort.Strings(s)
	return s
}

// Open opens the Source named by spec.
func Open(ctx context.Context, spec string, opts *Options) (Source, error) {
	sp, err := ParseSpec(spec)
	if err != nil {
		return nil, err
	}
	regMu.Lock()
	open := registry[sp.Scheme]
	regMu.Unlock()
	if open == nil {
		return nil, UsageError("store %q: %s cannot be read as a source", spec, sp.Scheme)
	}
	if opts == nil {
		opts = &Options{}
	}
	src, err := open(ctx, sp, opts)
	if err != nil {
		return nil, fmt.Errorf("source %s: %w", redactURL(spec), err)
	}
	return src, nil
}

// redactURL removes a password from a URL-ish spec should the user have put
// one there anyway.
func redactURL(s string) string {
	if i := strings.Index(s, "://"); i >= 0 {
		rest := s[i+3:]
		if at := strings.LastIndex(rest, "@"); at >= 0 {
			if c := strings.Index(rest[:at], ":"); c >= 0 {
				return s[:i+3] + rest[:c] + ":xxxxx" + rest[at:]
			}
		}
	}
	return s
}

// Redact is redactURL for other packages.
func Redact(s string) string { return redactURL(s) }
