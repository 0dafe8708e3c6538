package imap

// Identity names the account for the engine's incremental state
// (importers.Identified): "imaps://user@host:993". Two specs that reach
// the same account by different names get separate state entries, which
// costs a Message-ID comparison, never a missed message.
func (s *Source) Identity() string { return s.sess.Endpoint().String() }
