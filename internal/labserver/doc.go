// Package labserver starts real IMAP servers other than Dovecot — Cyrus
// IMAP 3.6 (in Debian's layout and in upstream's) and Courier-IMAP 5.0 —
// privately on 127.0.0.1, so that mailferry can be tested and measured
// against every common server, not only the one it was developed with.
// (Dovecot has its own launcher, exporters/imap/dovecottest.)
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
