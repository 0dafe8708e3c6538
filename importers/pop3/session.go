package pop3

import (
	"bufio"
	"context"
	"fmt"
	"time"

	"github.com/mailferry/mailferry/importers"
	"github.com/mailferry/mailferry/internal/failure"
)

// connect dials ep, reads the greeting, upgrades with STLS (required for
// pop3:// unless loopback or --insecure-plain; used whenever offered) and
// logs in.
func connect(ctx context.Context, ep Endpoint, opts *importers.Options, role string) (*conn, error) {
	nc, prog, err := dial(ctx, ep, opts)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, err
	}
	stop := context.AfterFunc(ctx, func() { prog.Close() })
	defer stop()
	c := &conn{nc: nc, debug: opts.Debug}
	c.r = bufio.NewReaderSize(c.nc, 64<<10)
	fail := func(err error) (*conn, error) {
		prog.Close()
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, err
	}
	if _, err := c.status("greeting"); err != nil {
		return fail(fmt.Errorf("pop3: %s: %w", ep.Addr(), err))
	}
	c.capa()
	if !ep.ImplicitTLS() {
		required := stlsRequired(ep.Host, opts.InsecurePlain)
		if c.has("STLS") {
			if _, err := c.cmd("STLS", "STLS"); err != nil {
				if required {
					return fail(failure.Permanent(failure.Store, fmt.Errorf("pop3: %s: STLS refused: %w", ep.Addr(), err)))
				}
			} else {
				if c.r.Buffered() > 0 {
					return fail(failure.Permanent(failure.Store, fmt.Errorf("pop3: %s: STLS: the server sent data before the TLS handshake", ep.Addr())))
				}
				tc, err := handshake(ctx, prog, ep, opts, "STLS", "the server did not start TLS after STLS")
				if err != nil {
					return fail(err)
				}
				c.nc = tc
				c.r = bufio.NewReaderSize(c.nc, 64<<10)
				c.capa() // RFC 2595: capabilities may change after STLS
			}
		} else if required {
			return fail(failure.Permanent(failure.Store, fmt.Errorf(
				"pop3: %s does not offer STLS: refusing to send the password in plaintext (use pop3s://, or --insecure-plain on a trusted network)", ep.Addr())))
		}
	}
	if err := c.login(ctx, ep, opts, role); err != nil {
		return fail(err)
	}
	return c, nil
}

// retryPolicy is the one retry policy of the source: network failures
// (and the maildrop lock) are retried on a new connection within the
// retry budget; each retry is logged as a warning.
func retryPolicy(opts *importers.Options, what string) failure.Policy {
	return failure.Policy{Budget: opts.NetRetryBudget(), Before: func(err error, attempt int, wait time.Duration) error {
		opts.Log().Warn("pop3: retrying on a new connection", "op", what, "attempt", attempt, "wait", wait.String(),
			"error", importers.RedactSecrets(err.Error()))
		return nil
	}}
}
