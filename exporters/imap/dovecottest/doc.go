// Package dovecottest is the test-facing name of the private Dovecot of
// internal/labserver (which also runs Cyrus and Courier, and which the demo
// and bench use outside of tests): Start, Server and Config are
// labserver's StartDovecot, Dovecot and DovecotConfig. It adds the fault
// Proxy that tests put between mailferry and a server.
//
// See internal/labserver's Dovecot for what the server offers: plaintext
// IMAP (with STARTTLS), IMAPS and POP3 on 127.0.0.1, QUOTA, SPECIAL-USE and
// the users "alice", "bob" and "small" with password Password. Without a
// dovecot binary, Start skips the test, unless CI=true or
// MAILFERRY_REQUIRE_DOVECOT=1 is set: then the test fails.
package dovecottest
