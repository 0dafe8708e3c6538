package imapclient

import (
	"strings"

	"github.com/mailferry/mailferry/importers"
	"github.com/mailferry/mailferry/internal/netconn"
)

// redactor is the protocol trace (Options.Debug) of a connection: the
// handshake's lines and go-imap's DebugWriter (go-imap tees reads and
// writes into the same writer) go through it, with credentials removed
// (netconn.Trace):
//   - a LOGIN or AUTHENTICATE command keeps only its tag and name;
//   - while a login is in progress, every line that is not a server
//     response ("*", "+", or a tagged OK/NO/BAD) is replaced, which covers
//     SASL responses and a password sent as a literal;
//   - the password itself, and every registered secret, is replaced
//     wherever it appears.
type redactor = netconn.Trace

func newRedactor(w interface{ Write([]byte) (int, error) }) *redactor {
	return netconn.NewTrace(w, credentialLine, serverLine, importers.RedactSecrets)
}

// credentialLine keeps the tag and the command of LOGIN and AUTHENTICATE.
func credentialLine(f []string) int {
	if len(f) >= 2 && (strings.EqualFold(f[1], "LOGIN") || strings.EqualFold(f[1], "AUTHENTICATE")) {
		return 2
	}
	return -1
}

func serverLine(f []string) bool {
	if len(f) == 0 {
		return false
	}
	if f[0] == "*" || f[0] == "+" {
		return true
	}
	if len(f) >= 2 {
		switch strings.ToUpper(f[1]) {
		case "OK", "NO", "BAD":
			return true
		}
	}
	return false
}
