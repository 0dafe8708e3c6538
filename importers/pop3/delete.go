package pop3

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/mailferry/mailferry/internal/failure"
)

// ErrNotDeleted says a deletion did not happen: POP3 deletes what DELE
// marked only when the session ends with a clean QUIT.
var ErrNotDeleted = errors.New("the POP3 connection ended before a clean QUIT: the server deleted nothing (POP3 deletes only on QUIT); the messages stay on the server, run again to delete them")

// UIDLOf returns the UIDL in a message Ref of this source, "" when the
// message has none (a server without UIDL).
func UIDLOf(ref string) string {
	if i := strings.Index(ref, ";UIDL="); i >= 0 && strings.HasPrefix(ref, "pop3:") {
		return ref[i+len(";UIDL="):]
	}
	return ""
}

// Delete marks the messages named by uidls with DELE and ends the session
// with QUIT, which is when the server deletes them. It runs on one
// session and is not retried: a connection that drops before QUIT's +OK
// deleted nothing (ErrNotDeleted). deleted is the number of messages the
// server confirmed; UIDLs no longer in the maildrop are ignored.
func (s *Source) Delete(ctx context.Context, uidls []string) (deleted int, err error) {
	if len(uidls) == 0 {
		return 0, nil
	}
	// A fresh session: its numbers are mapped from UIDL just now.
	if s.c != nil {
		s.c.quit()
		s.c = nil
	}
	var es []entry
	if err := s.do(ctx, "LIST", func(c *conn) error {
		var err error
		es, err = c.list()
		return err
	}); err != nil {
		return 0, err
	}
	num := map[string]int{}
	for _, e := range es {
		if e.uidl == "" {
			return 0, failure.Permanent(failure.Usage, fmt.Errorf("pop3: %s has no UIDL: messages cannot be identified safely, nothing deleted", s.ep.Addr()))
		}
		num[e.uidl] = e.num
	}
	c := s.c
	s.c = nil // this session ends here, whatever happens
	stop := context.AfterFunc(ctx, func() { c.nc.Close() })
	defer stop()
	for _, u := range uidls {
		n, ok := num[u]
		if !ok {
			continue
		}
		if _, err := c.cmd("DELE "+strconv.Itoa(n), "DELE "+strconv.Itoa(n)); err != nil {
			var se *serverError
			if errors.As(err, &se) {
				continue // already deleted in this session, or refused: kept
			}
			c.nc.Close()
			return 0, fmt.Errorf("%w (%v)", ErrNotDeleted, err)
		}
		deleted++
	}
	if err := c.quit(); err != nil {
		return 0, fmt.Errorf("%w (QUIT: %v)", ErrNotDeleted, err)
	}
	return deleted, nil
}
