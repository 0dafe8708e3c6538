// Package labserver starts real IMAP servers privately on 127.0.0.1 —
// Dovecot 2.3 (LaunchDovecot, StartDovecot; see dovecot.go), Cyrus IMAP 3.6
// (in Debian's layout and in upstream's) and Courier-IMAP 5.0 (Launch,
// Start) — so that mailferry can be tested, demonstrated (mailferry demo)
// and measured (bench) against every common server. It is the one process
// launcher of the project: exporters/imap/dovecottest is only the
// test-facing name of its Dovecot.
//
// Dovecot is the Debian package (dovecot-imapd, dovecot-pop3d), run from
// its own configuration file with base_dir, state_dir, log and mail in a
// fresh temporary directory; the system Dovecot and /etc/dovecot are never
// used. When running as root, Dovecot stores mail as the unprivileged user
// nobody; files a test writes into MailDir itself must be handed over with
// FixOwnership.
//
// Debian's cyrus-imapd and courier-imap conflict with dovecot-imapd, so
// they are not installed: .ci/servers extracts their packages into
// $MAILFERRY_SERVERS_DIR (default /var/cache/mailferry-servers) and
// installs only their libraries; this package runs the binaries from there.
//
// Every Start runs its own instance with its configuration, sockets, logs
// and mail in a fresh temporary directory, listening on a free port of
// 127.0.0.1, with three users "alice", "bob" and "small" (password
// Password). Quotas: alice and bob 100 MiB, small 1 MiB; SetQuota changes
// them while the server runs. Courier's paths are compiled in (/etc/courier,
// /usr/lib/courier, /run/courier), so it runs under "unshare -m" with
// private overlay mounts that only its processes see; that needs root.
//
// Without the extracted servers (or without root, for Courier), Start skips
// the test, unless CI=true or MAILFERRY_REQUIRE_SERVERS=1: then it fails.
package labserver
