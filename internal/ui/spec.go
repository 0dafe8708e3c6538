package ui

import (
	"fmt"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"unicode"
)

// Store is a source or a target as the page describes it; Spec turns it
// into mailferry's store spec and flags.
type Store struct {
	// Kind: thunderbird, pst, msg, eml, maildir, mbox, imap, pop3 (a
	// source), imap, maildir, mbox, eml (a target).
	Kind string `json:"kind"`
	Path string `json:"path,omitempty"`
	// Account is a Thunderbird account (--account): its directory name or
	// "Local Folders"; "" for all.
	Account string `json:"account,omitempty"`
	Host    string `json:"host,omitempty"`
	Port    int    `json:"port,omitempty"`
	User    string `json:"user,omitempty"`
	// Security is "tls" (TLS from the first byte: imaps, pop3s) or
	// "starttls" (the plain port, upgraded to TLS before the password
	// goes; mailferry refuses a server that does not offer it, loopback
	// aside).
	Security string `json:"security,omitempty"`
	// Password is never sent back to the page (json "-" on the way out:
	// see publicStore) and never put in a URL, argv or a file.
	Password string `json:"password,omitempty"`
}

// publicStore is a Store without its password, for the page and reports.
func (s Store) public() Store {
	s.Password = ""
	return s
}

// isNetwork reports whether the store is an account on a server.
func (s Store) isNetwork() bool { return s.Kind == "imap" || s.Kind == "pop3" }

var sourceKinds = map[string]bool{"thunderbird": true, "pst": true, "msg": true, "eml": true, "maildir": true, "mbox": true, "imap": true, "pop3": true}
var targetKinds = map[string]bool{"imap": true, "maildir": true, "mbox": true, "eml": true}

// Spec returns the store spec (thunderbird:/path, imaps://user@host:993)
// and the flags it needs (--account), checking paths with allowed.
func (s Store) Spec(role string, allowed func(string) (string, error)) (spec string, flags []string, err error) {
	kinds := sourceKinds
	if role == "target" {
		kinds = targetKinds
	}
	if !kinds[s.Kind] {
		return "", nil, fmt.Errorf("%s: unknown kind %q", role, s.Kind)
	}
	if s.isNetwork() {
		host := strings.TrimSpace(s.Host)
		user := strings.TrimSpace(s.User)
		if host == "" || user == "" {
			return "", nil, fmt.Errorf("%s: the server and the user name are needed", role)
		}
		if strings.ContainsAny(host, "/@?#[]\\ ") || hasControl(host) {
			return "", nil, fmt.Errorf("%s: %q is not a server name", role, host)
		}
		if strings.ContainsAny(user, "/?#\\") || hasControl(user) || strings.ContainsFunc(user, unicode.IsSpace) {
			return "", nil, fmt.Errorf("%s: %q is not a user name", role, user)
		}
		scheme := s.Kind
		switch s.Security {
		case "tls", "":
			scheme += "s"
		case "starttls":
		default:
			return "", nil, fmt.Errorf("%s: unknown security %q", role, s.Security)
		}
		addr := host
		if s.Port != 0 {
			if s.Port < 0 || s.Port > 65535 {
				return "", nil, fmt.Errorf("%s: port %d", role, s.Port)
			}
			addr = net.JoinHostPort(host, strconv.Itoa(s.Port))
		}
		return scheme + "://" + user + "@" + addr, nil, nil
	}
	if s.Path == "" {
		return "", nil, fmt.Errorf("%s: choose a file or folder", role)
	}
	p, err := allowed(s.Path)
	if err != nil {
		return "", nil, fmt.Errorf("%s: %w", role, err)
	}
	if s.Account != "" && s.Kind == "thunderbird" {
		if hasControl(s.Account) {
			return "", nil, fmt.Errorf("%s: bad account name", role)
		}
		flags = []string{"--account", s.Account}
	}
	return s.Kind + ":" + filepath.Clean(p), flags, nil
}

func hasControl(s string) bool {
	return strings.ContainsFunc(s, unicode.IsControl)
}
