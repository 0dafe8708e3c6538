package imapclient

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// RawQuota is one QUOTA response: the root and its resources (name →
// usage, limit). A root without resources has no limit.
type RawQuota struct {
	Root      string
	Resources map[string][2]int64
}

// GetQuotaRoot sends GETQUOTAROOT and parses the QUOTA responses leniently:
// Courier answers `* QUOTA "ROOT"` without a resource list when no quota
// is set, which go-imap cannot parse (its connection is then lost).
func (c *RawConn) GetQuotaRoot(ctx context.Context, mailbox string) ([]RawQuota, error) {
	if c.dead {
		return nil, fmt.Errorf("imap: connection lost")
	}
	if d, ok := ctx.Deadline(); ok {
		c.conn.SetDeadline(d)
		defer c.conn.SetDeadline(time.Time{})
	}
	var out []RawQuota
	c.collect = func(s string) {
		if q, ok := parseRawQuota(s); ok {
			out = append(out, q)
		}
	}
	defer func() { c.collect = nil }()
	if err := c.simple("GETQUOTAROOT " + quoteString(mailbox)); err != nil {
		return nil, err
	}
	return out, nil
}

// parseRawQuota parses `QUOTA root [(NAME usage limit ...)]`.
func parseRawQuota(s string) (RawQuota, bool) {
	rest, ok := cutPrefixFold(s, "QUOTA ")
	if !ok {
		return RawQuota{}, false
	}
	var q RawQuota
	q.Resources = map[string][2]int64{}
	rest = strings.TrimSpace(rest)
	if strings.HasPrefix(rest, `"`) {
		end := 1
		var b strings.Builder
		for ; end < len(rest) && rest[end] != '"'; end++ {
			if rest[end] == '\\' && end+1 < len(rest) {
				end++
			}
			b.WriteByte(rest[end])
		}
		q.Root = b.String()
		rest = rest[min(end+1, len(rest)):]
	} else {
		root, r, _ := strings.Cut(rest, " ")
		q.Root, rest = root, r
	}
	rest = strings.Trim(strings.TrimSpace(rest), "()")
	f := strings.Fields(rest)
	for i := 0; i+2 < len(f); i += 3 {
		u, err1 := strconv.ParseInt(f[i+1], 10, 64)
		l, err2 := strconv.ParseInt(f[i+2], 10, 64)
		if err1 != nil || err2 != nil {
			return RawQuota{}, false
		}
		q.Resources[strings.ToUpper(f[i])] = [2]int64{u, l}
	}
	return q, true
}

func cutPrefixFold(s, prefix string) (string, bool) {
	if len(s) < len(prefix) || !strings.EqualFold(s[:len(prefix)], prefix) {
		return s, false
	}
	return s[len(prefix):], true
}

// quoteString is an IMAP quoted string.
func quoteString(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}
