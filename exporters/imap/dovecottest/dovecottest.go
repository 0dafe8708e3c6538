package dovecottest

import (
	"testing"

	"github.com/mailferry/mailferry/internal/labserver"
)

// Password is the password of every user.
const Password = labserver.Password

// Storage quotas of the users, in bytes.
const (
	DefaultQuotaBytes = labserver.DefaultQuotaBytes
	SmallQuotaBytes   = labserver.SmallQuotaBytes
)

// Server is a running private Dovecot.
type Server = labserver.Dovecot

// Config selects the server layout and alice's quota.
type Config = labserver.DovecotConfig

// ErrNoDovecot is returned by Launch when Dovecot is not installed.
var ErrNoDovecot = labserver.ErrNoDovecot

// Users returns the accounts every Server has.
func Users() []string { return labserver.Users() }

// Start starts a Dovecot that is stopped in t.Cleanup (labserver.StartDovecot).
func Start(t testing.TB, cfg *Config) *Server {
	t.Helper()
	return labserver.StartDovecot(t, cfg)
}

// Launch starts a Dovecot outside of a test; the caller must call Stop.
func Launch(cfg *Config) (*Server, error) { return labserver.LaunchDovecot(cfg) }
