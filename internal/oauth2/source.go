package oauth2

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"sync"
	"time"

	"github.com/mailferry/mailferry/importers"
	"github.com/mailferry/mailferry/internal/failure"
)

// Source gives access tokens.
type Source interface {
	// Token returns an access token for user; fresh is true when it was
	// fetched by this call rather than taken from the cache.
	Token(ctx context.Context, user string) (tok string, fresh bool, err error)
	// Invalidate drops tok from the cache (the server refused it).
	Invalidate(tok string)
}

// cache keeps one token per user until it expires or is refused.
type cache struct {
	mu   sync.Mutex
	toks map[string]cached
}

type cached struct {
	tok string
	exp time.Time // zero: until refused
}

func (c *cache) get(user string) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t, ok := c.toks[user]
	if !ok || (!t.exp.IsZero() && time.Now().After(t.exp)) {
		return "", false
	}
	return t.tok, true
}

func (c *cache) put(user, tok string, exp time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.toks == nil {
		c.toks = map[string]cached{}
	}
	c.toks[user] = cached{tok, exp}
}

func (c *cache) drop(tok string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for u, t := range c.toks {
		if t.tok == tok {
			delete(c.toks, u)
		}
	}
}

// CommandSource runs a shell command (sh -c) when a token is needed or
// the last one was refused; its standard output, trimmed, is the access
// token (the convention of mbsync's PassCmd and aerc). The environment
// has MAILFERRY_OAUTH2_USER set to the login name and
// MAILFERRY_OAUTH2_ROLE to "source" or "target". The command line and
// its output are never logged; its standard error is shown (redacted)
// in the error when it fails.
type CommandSource struct {
	Command string
	// Role ("source" or "target") is passed as $MAILFERRY_OAUTH2_ROLE.
	Role string
	// Timeout bounds one run; 0: one minute.
	Timeout time.Duration
	cache   cache
	fetch   sync.Mutex // one run at a time: parallel logins share its token
}

func (s *CommandSource) Token(ctx context.Context, user string) (string, bool, error) {
	s.fetch.Lock()
	defer s.fetch.Unlock()
	if t, ok := s.cache.get(user); ok {
		return t, false, nil
	}
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "sh", "-c", s.Command)
	cmd.Env = append(cmd.Environ(), "MAILFERRY_OAUTH2_USER="+user, "MAILFERRY_OAUTH2_ROLE="+s.Role)
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	err := cmd.Run()
	tok := strings.TrimSpace(out.String())
	addSecret(tok)
	if err != nil {
		msg := strings.TrimSpace(stderr.String())
		if len(msg) > 300 {
			msg = msg[:300] + "..."
		}
		return "", false, failure.Permanent(failure.Store, importers.RedactError(fmt.Errorf("oauth2: --oauth2-token-command for %q failed: %w: %s", user, err, msg)))
	}
	if tok == "" || strings.ContainsAny(tok, "\r\n\x01 ") {
		return "", false, failure.Permanent(failure.Store, fmt.Errorf("oauth2: --oauth2-token-command for %q printed no access token (want the token alone on standard output)", user))
	}
	s.cache.put(user, tok, time.Time{})
	return tok, true, nil
}

func (s *CommandSource) Invalidate(tok string) { s.cache.drop(tok) }

// ErrNoToken: no stored refresh token for the account.
var ErrNoToken = errors.New("no stored OAuth2 login")
