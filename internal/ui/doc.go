// Package ui is mailferry ui: a local web page, served on 127.0.0.1 by the
// same binary, that walks a person through a move (source, target, plan
// with a quota gauge, copy with live progress, result with verify and a
// report), in Japanese or English.
//
// The page holds no migration logic: every step runs the mailferry binary
// itself as a child process with --json (plan, copy, verify, quota), as
// internal/batch does for a batch's jobs, with passwords in the child's
// environment only; the events are passed to the page over server-sent
// events. Thunderbird profiles are listed in-process with
// importers/thunderbird.
//
// Security (the server is reachable by every program of this computer and,
// through DNS rebinding or cross-site requests, by web pages): it listens
// on 127.0.0.1 only; the first URL carries a random one-time token that is
// exchanged for an HttpOnly SameSite=Strict session cookie; every request
// must carry that cookie, a Host of 127.0.0.1:PORT or localhost:PORT, and,
// when it has an Origin, the page's own origin; requests that change
// anything are POSTs with that Origin. Passwords live in the server's
// memory for the session only: never in a URL, a log or a file.
package ui
