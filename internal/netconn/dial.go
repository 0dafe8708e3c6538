package netconn

import (
	"context"
	"fmt"
	"net"
	"time"

	"github.com/mailferry/mailferry/internal/failure"
)

// DialTimeout bounds the TCP connect.
const DialTimeout = 30 * time.Second

// Dial connects to addr (host:port) over TCP, with keep-alives. A failure
// is transient (failure.Transient) and names the protocol and address;
// when ctx ended, it is ctx's error.
func Dial(ctx context.Context, proto, addr string) (net.Conn, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	d := &net.Dialer{Timeout: DialTimeout, KeepAlive: 30 * time.Second}
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("%s: %s: %w", proto, addr, ctx.Err())
		}
		return nil, failure.Transient(fmt.Errorf("%s: connect to %s: %w", proto, addr, err))
	}
	return c, nil
}
