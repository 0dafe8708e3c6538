// Package batch is the engine of `mailferry batch FILE`: many copy jobs
// (one per account) from a CSV or YAML batch file, run a few at a time
// within a per-host connection budget, with a resumable state file, per
// job logs, shards for a Kubernetes Indexed Job and a report to hand over.
//
// Each job is a `mailferry copy` run as a child process of the same binary
// (Runner): the very code path of copy, its exit codes, its memory limit
// per account, and a crash of one job cannot take the others down. Secrets
// reach a child through its environment only (MAILFERRY_SOURCE_PASSWORD,
// MAILFERRY_TARGET_PASSWORD, the token commands), never argv; a batch file
// holds only references to them (an environment variable's name or a
// file's path).
package batch

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"net"
	"sort"
	"strconv"
	"strings"
)

// Job is one line of a batch file: one `mailferry copy SOURCE TARGET`.
type Job struct {
	Line   int    // line of the batch file (1-based; the header is line 1 in CSV)
	Name   string // optional label (the name column), else derived from the target
	Source string
	Target string
	// Opts are the copy options of the job by canonical column name
	// (into, folder_map, include, j, ...), validated; list options are
	// split on ';'.
	Opts map[string]string
}

// Key identifies a job across runs and reorderings of the file: its
// source and target.
func (j *Job) Key() string { return j.Source + "\x00" + j.Target }

// Fingerprint changes when anything of the job but its position changes
// (its options and secret references, not the secrets' values): a done
// job whose fingerprint changed runs again.
func (j *Job) Fingerprint() string {
	h := sha256.New()
	fmt.Fprintf(h, "%q\n%q\n", j.Source, j.Target)
	keys := make([]string, 0, len(j.Opts))
	for k := range j.Opts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(h, "%s=%q\n", k, j.Opts[k])
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// Label is the job's name for people and file names.
func (j *Job) Label() string {
	if j.Name != "" {
		return j.Name
	}
	if u, h, ok := netEndpoint(j.Target); ok {
		return u + "@" + h
	}
	return j.Target
}

// FileName is a file-system-safe name for the job's log file, unique per
// key (a short hash of the key follows the label).
func (j *Job) FileName() string {
	var b strings.Builder
	for _, r := range j.Label() {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '-', r == '_', r == '@':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	s := b.String()
	if len(s) > 60 {
		s = s[:60]
	}
	sum := sha256.Sum256([]byte(j.Key()))
	return s + "-" + hex.EncodeToString(sum[:4])
}

// Shard is the shard (0..n-1) of a job key: a stable hash, the same on
// every machine and in every order of the file.
func Shard(key string, n int) int {
	if n <= 1 {
		return 0
	}
	sum := sha256.Sum256([]byte(key))
	return int(binary.BigEndian.Uint64(sum[:8]) % uint64(n))
}

// ParseShard parses "i/n" (0 <= i < n).
func ParseShard(s string) (i, n int, err error) {
	a, b, ok := strings.Cut(s, "/")
	if ok {
		i, err = strconv.Atoi(strings.TrimSpace(a))
		if err == nil {
			n, err = strconv.Atoi(strings.TrimSpace(b))
		}
	}
	if !ok || err != nil || n < 1 || i < 0 || i >= n {
		return 0, 0, fmt.Errorf("--shard %q: want i/n with 0 <= i < n (e.g. 0/4)", s)
	}
	return i, n, nil
}

// DefaultConnections is copy's default -j (cmd/mailferry's
// defaultConnections).
const DefaultConnections = 3

// Connections is how many connections the job opens to each network
// store: its -j plus the listing connection.
func (j *Job) Connections() int {
	n := DefaultConnections
	if v, ok := j.Opts["j"]; ok {
		n, _ = strconv.Atoi(v)
	}
	return n + 1
}

// Hosts returns the connections the job needs per host (lower-case host
// name, without the port: hosted mail limits connections per user and per
// address). A source and target on the same host add up. Local stores
// need none.
func (j *Job) Hosts() map[string]int {
	m := map[string]int{}
	for _, s := range []string{j.Source, j.Target} {
		if _, h, ok := netEndpoint(s); ok {
			m[h] += j.Connections()
		}
	}
	return m
}

// netEndpoint returns the user and the lower-case host of an imap(s):// or
// pop3(s):// spec.
func netEndpoint(spec string) (user, host string, ok bool) {
	i := strings.Index(spec, "://")
	if i < 0 {
		return "", "", false
	}
	switch strings.ToLower(spec[:i]) {
	case "imap", "imaps", "pop3", "pop3s":
	default:
		return "", "", false
	}
	rest := spec[i+3:]
	if k := strings.IndexAny(rest, "?#"); k >= 0 {
		rest = rest[:k]
	}
	at := strings.LastIndex(rest, "@")
	if at < 0 {
		return "", "", false
	}
	user, hp := rest[:at], rest[at+1:]
	if k := strings.Index(hp, "/"); k >= 0 {
		hp = hp[:k]
	}
	if h, _, err := net.SplitHostPort(hp); err == nil {
		hp = h
	}
	hp = strings.ToLower(strings.Trim(hp, "[]"))
	if hp == "" {
		return "", "", false
	}
	return user, hp, true
}

// List splits a list option's value on ';' ("\;" is a literal ';').
func List(v string) []string {
	var out []string
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		switch {
		case v[i] == '\\' && i+1 < len(v) && v[i+1] == ';':
			b.WriteByte(';')
			i++
		case v[i] == ';':
			if s := strings.TrimSpace(b.String()); s != "" {
				out = append(out, s)
			}
			b.Reset()
		default:
			b.WriteByte(v[i])
		}
	}
	if s := strings.TrimSpace(b.String()); s != "" {
		out = append(out, s)
	}
	return out
}
