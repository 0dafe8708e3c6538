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
	nc, err := dial(ctx, ep, opts)
	if err != nil {
		return nil, fmt.Errorf("pop3: connect %s: %w", ep.Addr(), err)
	}
	stop := context.AfterFunc(ctx, func() { nc.Close() })
	defer stop()
	c := &conn{nc: &deadlineConn{Conn: nc, timeout: opts.NetTimeout()}, debug: opts.Debug}
	c.r = bufio.NewReaderSize(c.nc, 64<<10)
	fail := func(err error) (*conn, error) {
		nc.Close()
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
				tc, err := handshake(ctx, nc, ep, opts)
				if err != nil {
					return fail(failure.Permanent(failure.Store, fmt.Errorf("pop3: %s: TLS: %w", ep.Addr(), err)))
				}
				nc = tc
				c.nc = &deadlineConn{Conn: tc, timeout: opts.NetTimeout()}
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
