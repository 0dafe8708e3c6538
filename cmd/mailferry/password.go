package main

import (
	"fmt"
	"os"
	"strings"
	"sync"

	"github.com/mailferry/mailferry/importers"
	"golang.org/x/term"
)

// passwordFunc returns the password source for stores: per-role file or
// environment variable, then the shared ones, then a terminal prompt.
// Passwords never come from argv.
func (g *globalOptions) passwordFunc() func(role, user string) (string, error) {
	var mu sync.Mutex
	cache := map[string]string{}
	return func(role, user string) (string, error) {
		mu.Lock()
		defer mu.Unlock()
		if p, ok := cache[role+"\x00"+user]; ok {
			return p, nil
		}
		p, err := g.lookupPassword(role, user)
		if err == nil {
			// Every output of the run is scrubbed of it (a server may
			// echo it in an error).
			importers.AddSecret(p)
			cache[role+"\x00"+user] = p
		}
		return p, err
	}
}

func (g *globalOptions) lookupPassword(role, user string) (string, error) {
	file, env := g.srcPasswordFile, "MAILFERRY_SOURCE_PASSWORD"
	if role == "target" {
		file, env = g.dstPasswordFile, "MAILFERRY_TARGET_PASSWORD"
	}
	if file != "" {
		g.checkPasswordFile(file)
		return readPasswordFile(file)
	}
	if p := os.Getenv(env); p != "" {
		return p, nil
	}
	if g.passwordFile != "" {
		g.checkPasswordFile(g.passwordFile)
		return readPasswordFile(g.passwordFile)
	}
	if p := os.Getenv("MAILFERRY_PASSWORD"); p != "" {
		return p, nil
	}
	if g.stdin != nil && term.IsTerminal(int(g.stdin.Fd())) {
		g.T().Fprintf(g.stderr, "Password for %s (%s): ", user, g.T().Text(role))
		b, err := term.ReadPassword(int(g.stdin.Fd()))
		fmt.Fprintln(g.stderr)
		if err != nil {
			return "", err
		}
		return string(b), nil
	}
	return "", importers.UsageError("%s", g.T().Sprintf("no password for %s (%s): set MAILFERRY_PASSWORD, %s, or --password-file", user, g.T().Text(role), env))
}

func readPasswordFile(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", importers.UsageError("password file: %v", err)
	}
	// One line; a trailing newline is not part of the password.
	s := strings.TrimRight(string(b), "\r\n")
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		s = s[:i]
	}
	return s, nil
}

// checkPasswordFile warns when a password file can be read by other
// users (group or world bits), as ssh does for a private key.
func (g *globalOptions) checkPasswordFile(path string) {
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm()&0o077 == 0 {
		return
	}
	g.warnOnce("pwfile:"+path, fmt.Sprintf("mailferry: WARNING: password file %s is readable by other users (mode %04o): chmod 600 %s", path, fi.Mode().Perm(), path))
}
