// Package dovecottest starts a real, private Dovecot 2.3 (the Debian
// packages dovecot-imapd and dovecot-pop3d) for integration tests.
//
// Every Start runs its own instance from its own configuration file, with
// base_dir, state_dir, log and mail in a fresh temporary directory, listening
// only on 127.0.0.1 on free unprivileged ports. The system Dovecot and
// /etc/dovecot are never used. The server offers plaintext IMAP (with
// STARTTLS), IMAPS and plaintext POP3, the QUOTA extension (maildir backend),
// SPECIAL-USE folders and three users, "alice", "bob" and "small", all with
// password Password.
//
// Without a dovecot binary, Start skips the test, unless CI=true or
// MAILFERRY_REQUIRE_DOVECOT=1 is set: then the test fails, so that CI cannot go
// green by skipping.
//
// When the tests run as root, Dovecot still stores mail as the unprivileged
// user nobody (uid 65534); when they do not, everything runs as the current
// user. Files written directly into MailDir by a test running as root must be
// handed over with FixOwnership before Dovecot can read them.
package dovecottest
