package main

import "testing"

func TestNetStoreSpec(t *testing.T) {
	for _, c := range []struct {
		spec, user, host string
		port             int
		ok               bool
	}{
		{"imaps://anna@example.com@outlook.office365.com", "anna@example.com", "outlook.office365.com", 993, true},
		{"imap://bob@127.0.0.1:1143", "bob", "127.0.0.1", 1143, true},
		{"pop3s://anna@pop.gmail.com", "anna", "pop.gmail.com", 995, true},
		{"pop3://anna@[::1]:1110", "anna", "::1", 1110, true},
		{"maildir:/x", "", "", 0, false},
	} {
		u, h, p, ok := netStore(c.spec)
		if u != c.user || h != c.host || p != c.port || ok != c.ok {
			t.Errorf("netStore(%q) = %q %q %d %v", c.spec, u, h, p, ok)
		}
	}
}
