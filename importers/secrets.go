package importers

import (
	"encoding/json"
	"io"
	"strings"
	"sync"
)

// Secrets is the process's registry of secrets (passwords, later OAuth2
// tokens): every login path adds what it sends with AddSecret, and every
// output (errors, events, logs, the protocol trace) goes through
// RedactSecrets, so that a server that echoes a password in its NO or BAD
// text does not get it printed.
var secrets struct {
	mu   sync.RWMutex
	list []string // each secret and its escaped forms, longest first
	set  map[string]bool
}

// minSecret is the shortest secret redacted: replacing every "ab" in
// every output would make it unreadable, and such a password is no
// protection anyway.
const minSecret = 3

// Redacted replaces a secret in output.
const Redacted = "[redacted]"

// AddSecret registers s; shorter than 3 bytes it is ignored.
func AddSecret(s string) {
	if len(s) < minSecret {
		return
	}
	secrets.mu.Lock()
	defer secrets.mu.Unlock()
	if secrets.set == nil {
		secrets.set = map[string]bool{}
	}
	if secrets.set[s] {
		return
	}
	secrets.set[s] = true
	forms := []string{s}
	if b, err := json.Marshal(s); err == nil { // as it appears in --json output
		forms = append(forms, string(b[1:len(b)-1]))
	}
	// As an IMAP quoted string carries it (LOGIN "pa\"ss").
	forms = append(forms, strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s))
	for _, f := range forms {
		if len(f) >= minSecret && !contains(secrets.list, f) {
			secrets.list = append(secrets.list, f)
		}
	}
	// Longest first, so that a secret inside another is not half replaced.
	for i := 1; i < len(secrets.list); i++ {
		for j := i; j > 0 && len(secrets.list[j]) > len(secrets.list[j-1]); j-- {
			secrets.list[j], secrets.list[j-1] = secrets.list[j-1], secrets.list[j]
		}
	}
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

// IsSecret reports whether s was registered.
func IsSecret(s string) bool {
	secrets.mu.RLock()
	defer secrets.mu.RUnlock()
	return secrets.set[s]
}

// RedactSecrets returns s with every registered secret replaced by
// "[redacted]".
func RedactSecrets(s string) string {
	secrets.mu.RLock()
	defer secrets.mu.RUnlock()
	for _, sec := range secrets.list {
		if strings.Contains(s, sec) {
			s = strings.ReplaceAll(s, sec, Redacted)
		}
	}
	return s
}

// RedactError returns err, or, when its text holds a secret, an error
// with the redacted text that still unwraps to err (errors.Is and As keep
// working).
func RedactError(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	if r := RedactSecrets(msg); r != msg {
		return &redactedError{msg: r, err: err}
	}
	return err
}

type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// RedactingWriter returns a writer that removes registered secrets from
// each Write before passing it to w. A secret split across two Writes is
// not seen: write whole lines.
func RedactingWriter(w io.Writer) io.Writer { return &redactingWriter{w: w} }

type redactingWriter struct{ w io.Writer }

func (r *redactingWriter) Write(p []byte) (int, error) {
	s := RedactSecrets(string(p))
	if len(s) == len(p) && s == string(p) {
		return r.w.Write(p)
	}
	if _, err := io.WriteString(r.w, s); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Unwrap returns the underlying writer (to ask whether it is a terminal).
func (r *redactingWriter) Unwrap() io.Writer { return r.w }
