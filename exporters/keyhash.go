package exporters

import (
	"io"

	"github.com/mailferry/mailferry/dedupe"
	"github.com/mailferry/mailferry/importers"
)

// KeyMaybeHash returns m's dedupe key and, when content is set, the SHA-256
// of its body with line endings normalized.
func KeyMaybeHash(m *importers.Message, content bool) (k dedupe.Key, sum [32]byte, err error) {
	if !content && m.Header != nil {
		if k, ok := dedupe.FromHeader(m.Header); ok {
			return k, sum, nil
		}
	}
	rc, err := m.Body.Open()
	if err != nil {
		return k, sum, err
	}
	defer rc.Close()
	if !content {
		k, _, err = dedupe.Of(rc)
		return k, sum, err
	}
	// The content hash of the de-duplication rule (dedupe.Content): line
	// endings normalized, client state header fields left out.
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	var s dedupe.Sum
	go func() {
		var err error
		s, err = dedupe.Content(pr)
		pr.CloseWithError(err)
		done <- err
	}()
	k, _, err = dedupe.Of(io.TeeReader(rc, pw))
	if err == nil {
		_, err = io.Copy(pw, rc)
	}
	pw.CloseWithError(err)
	if cerr := <-done; err == nil && cerr != nil && cerr != io.ErrClosedPipe {
		err = cerr
	}
	if err != nil {
		return k, sum, err
	}
	copy(sum[:], s[:])
	return k, sum, nil
}

// KeyAndHash returns a message's dedupe key and the content hash Verify
// compares (line endings normalized); sinks use it to compare what they
// hold (exporters/imap sweep).
func KeyAndHash(m *importers.Message) (dedupe.Key, [32]byte, error) { return KeyMaybeHash(m, true) }
