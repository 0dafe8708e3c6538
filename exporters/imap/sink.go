// Package imap writes to an IMAP account (imap:// and imaps:// specs) as an
// exporters.Sink. The connection code (URL, TLS policy, login, namespace,
// folder names) is shared with importers/imap through internal/imapclient.
//
// A message is stored with one APPEND, with its flags and its internal
// date. Flags APPEND cannot carry are left out (\Recent, unknown system
// flags, keywords that are not IMAP atoms: see internal/imapclient.AppendFlags),
// so the message is stored without them rather than refused. An APPEND is all or nothing: when the body cannot be
// read to the end, the literal cannot be aborted, so the Sink closes the
// connection (the server then drops the incomplete command) and dials
// again for the next operation.
//
// APPENDs are not pipelined: Target.Append reports the outcome of its own
// message, so it waits for the tagged answer. That is one round trip per
// message up to 4 KiB (go-imap sends LITERAL+/LITERAL- literals without
// waiting), two for larger ones (go-imap v2.0.0-beta.8 waits for the
// server's "+" before a literal over 4 KiB, which also lets Dovecot refuse
// an over-quota message before its body is sent; go-imap then closes the
// connection, and the next operation dials again).
//
// Small messages go in batches through Target.AppendBatch: one
// MULTIAPPEND on a second connection (see batch.go).
//
// QUIRK: Dovecot stores a NUL byte in a message as 0x80 (it accepts no
// NUL in a plain literal); such a message is not stored byte for byte.
package imap

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/mailferry/mailferry/exporters"
	"github.com/mailferry/mailferry/importers"
	ic "github.com/mailferry/mailferry/internal/imapclient"
)

func init() {
	for _, scheme := range []string{"imap", "imaps"} {
		exporters.Register(scheme, func(ctx context.Context, spec importers.Spec, opts *importers.Options) (exporters.Sink, error) {
			return Open(ctx, spec.Path, opts)
		})
	}
}

// Sink is an IMAP account as a target. A Sink and its Targets are used by
// one goroutine at a time (one connection); open several Sinks for several
// connections.
type Sink struct {
	sess *ic.Session
	opts *importers.Options
	ns   ic.Namespace
	caps exporters.Caps
	// quota reports whether the server has the QUOTA extension.
	quota bool
	// list caches the server's mailboxes; nil until first needed.
	list []ic.MailboxInfo
	// raw is the connection for MULTIAPPEND (see AppendBatch); noMulti
	// says the server has no MULTIAPPEND.
	raw     *ic.RawConn
	rawUsed time.Time
	noMulti bool
	// rawQuota says go-imap cannot parse this server's QUOTA responses.
	rawQuota bool
	// alt remembers the messages the server altered (alter.go).
	alt *alteredStore
}

var _ exporters.Sink = (*Sink)(nil)

// Open parses an imap:// or imaps:// URL, connects and logs in.
func Open(ctx context.Context, url string, opts *importers.Options) (*Sink, error) {
	ep, err := ic.ParseURL(url)
	if err != nil {
		return nil, err
	}
	if opts == nil {
		opts = &importers.Options{}
	}
	s := &Sink{sess: ic.NewSession(ep, opts, "target"), opts: opts}
	c, err := s.sess.Conn(ctx)
	if err != nil {
		return nil, err
	}
	s.ns = c.Namespace
	s.caps = exporters.Caps{CRLF: true, Flags: true, DatePrecision: time.Second, ByteExact: true}
	if limit, ok := c.Caps.AppendLimit(); ok && limit != nil {
		s.caps.MaxSize = int64(*limit)
	}
	s.quota = c.Caps.Has(imap.CapQuota)
	return s, nil
}

// Caps implements exporters.Sink. MaxSize is the server's APPENDLIMIT when
// it announces one for all mailboxes.
func (s *Sink) Caps() exporters.Caps { return s.caps }

// Close logs out and writes the inventory cache (invcache.go).
func (s *Sink) Close() error {
	s.closeInv()
	if s.raw != nil {
		s.raw.Close()
		s.raw = nil
	}
	return s.sess.Close()
}

// Namespace returns the personal namespace the Sink maps folders with.
func (s *Sink) Namespace() ic.Namespace { return s.ns }

func ctxErr(ctx context.Context, err error) error {
	if err != nil && ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}

// conn returns the live connection bound to ctx.
func (s *Sink) conn(ctx context.Context) (*ic.Conn, func() bool, error) {
	c, err := s.sess.Conn(ctx)
	if err != nil {
		return nil, nil, err
	}
	return c, c.Watch(ctx), nil
}

func (s *Sink) mailboxes(ctx context.Context, refresh bool) ([]ic.MailboxInfo, error) {
	if s.list != nil && !refresh {
		return s.list, nil
	}
	c, stop, err := s.conn(ctx)
	if err != nil {
		return nil, err
	}
	defer stop()
	l, err := c.List(nil)
	for _, name := range c.TakeSkipped() {
		s.opts.Log().Warn("imap: target mailbox skipped: "+ic.SkippedReason, "mailbox", name)
	}
	if err != nil {
		return nil, ctxErr(ctx, c.Err(fmt.Errorf("imap: %w", err)))
	}
	if l == nil {
		l = []ic.MailboxInfo{}
	}
	s.list = l
	return l, nil
}

// Folders lists the target's folders (LIST with SPECIAL-USE) as logical
// folders; message counts are not asked for (-1).
func (s *Sink) Folders(ctx context.Context) ([]importers.FolderInfo, error) {
	l, err := s.mailboxes(ctx, true)
	if err != nil {
		return nil, err
	}
	out := make([]importers.FolderInfo, 0, len(l))
	for _, mi := range l {
		out = append(out, importers.FolderInfo{Folder: mi.Folder, Use: mi.Use, NoSelect: mi.NoSelect, Messages: -1, Bytes: -1})
	}
	return out, nil
}

// sameName compares server mailbox names: exactly, except INBOX.
func sameName(a, b string) bool {
	if strings.EqualFold(a, "INBOX") {
		return strings.EqualFold(b, "INBOX")
	}
	return a == b
}

func (s *Sink) lookup(name string) *ic.MailboxInfo {
	for i := range s.list {
		if sameName(s.list[i].Name, name) {
			return &s.list[i]
		}
	}
	return nil
}

// Resolve implements exporters.Sink. With use != "", the server's folder
// with that SPECIAL-USE attribute wins; without one, an existing top-level
// folder with one of the usual names of that use ("Sent", "Sent Items",
// "送信済みアイテム", see exporters.SpecialUseByName), preferring the same
// name as f. Otherwise the folder is f in the server's naming (see
// internal/imapclient.Namespace.Mailbox), or its safe name when an earlier
// Create had to use that (see Target.Create).
func (s *Sink) Resolve(ctx context.Context, f importers.Folder, use imap.MailboxAttr) (exporters.Target, error) {
	l, err := s.mailboxes(ctx, false)
	if err != nil {
		return nil, err
	}
	if use != "" {
		if mi := pickSpecialUse(l, f, use); mi != nil {
			return s.target(mi.Name, mi.Folder), nil
		}
		var cands []ic.MailboxInfo
		for _, mi := range l {
			if len(mi.Folder) == 1 && !mi.NoSelect && exporters.SpecialUseByName(mi.Folder[0]) == use {
				cands = append(cands, mi)
			}
		}
		for _, mi := range cands {
			if len(f) == 1 && strings.EqualFold(mi.Folder[0], f[0]) {
				return s.target(mi.Name, mi.Folder), nil
			}
		}
		if len(cands) > 0 {
			return s.target(cands[0].Name, cands[0].Folder), nil
		}
	}
	name := s.ns.Mailbox(f)
	if s.lookup(name) == nil {
		// An earlier run may have had to use the safe name (see
		// Target.Create).
		if alt := s.safeMailbox(f); alt != name && s.lookup(alt) != nil {
			name = alt
		}
	}
	return s.target(name, f), nil
}

// pickSpecialUse is the mailbox of l with the special use, or nil. When
// several carry it, the one named as f wins, then one with a usual name
// of that use ("Sent Items"), then the first at the top level, then the
// first. QUIRK: Cyrus 3.6 can report a use on a second mailbox (seen:
// \Sent on INBOX.Customers beside INBOX.Sent after folders were created
// on parallel connections on the account's first logins); taking the
// first in order sent Sent's messages to Customers on one run and to Sent
// on the next.
func pickSpecialUse(l []ic.MailboxInfo, f importers.Folder, use imap.MailboxAttr) *ic.MailboxInfo {
	var cands []*ic.MailboxInfo
	for i := range l {
		if l[i].Use == use && !l[i].NoSelect {
			cands = append(cands, &l[i])
		}
	}
	if len(cands) <= 1 {
		if len(cands) == 1 {
			return cands[0]
		}
		return nil
	}
	for _, mi := range cands {
		if slices.Equal(mi.Folder, f) {
			return mi
		}
	}
	for _, mi := range cands {
		if len(mi.Folder) > 0 && exporters.SpecialUseByName(mi.Folder[len(mi.Folder)-1]) == use {
			return mi
		}
	}
	for _, mi := range cands {
		if len(mi.Folder) == 1 {
			return mi
		}
	}
	return cands[0]
}

// safeMailbox is the name a folder gets when the server refuses its own
// name: '.' and '/' inside an element and a leading '~' become '_'.
// QUIRK: Dovecot with Maildir++ storage refuses '.' in names when its
// separator is '/', '/' when it is '.', and a leading '~' always
// ("NO [CANNOT] Character not allowed in mailbox name").
func (s *Sink) safeMailbox(f importers.Folder) string {
	safe := make(importers.Folder, len(f))
	for i, e := range f {
		e = strings.NewReplacer(".", "_", "/", "_").Replace(e)
		if strings.HasPrefix(e, "~") {
			e = "_" + e[1:]
		}
		safe[i] = e
	}
	return s.ns.Mailbox(safe)
}

func (s *Sink) target(name string, f importers.Folder) *Target {
	t := &Target{s: s, name: name, folder: slices.Clone(f)}
	if mi := s.lookup(name); mi != nil && !mi.NoSelect {
		t.exists = true
	}
	return t
}

// Quota implements exporters.Sink with GETQUOTAROOT: for each distinct
// existing target its roots, for a target that does not exist yet the
// roots of INBOX (where a new folder's quota usually goes). Roots are
// merged by name. STORAGE is reported in KiB by the server and returned in
// bytes. With targets == nil it returns the roots of INBOX. Without the
// QUOTA extension it returns exporters.ErrQuotaUnknown.
func (s *Sink) Quota(ctx context.Context, targets []exporters.Target) ([]exporters.QuotaRoot, error) {
	if !s.quota {
		return nil, exporters.ErrQuotaUnknown
	}
	c, stop, err := s.conn(ctx)
	if err != nil {
		return nil, err
	}
	defer stop()
	type want struct {
		name    string // for QuotaRoot.Targets
		mailbox string // asked with GETQUOTAROOT
	}
	var wants []want
	if targets == nil {
		wants = []want{{"INBOX", "INBOX"}}
	}
	seen := map[string]bool{}
	for _, tg := range targets {
		name := tg.Name()
		if seen[name] {
			continue
		}
		seen[name] = true
		mb := "INBOX"
		if tg.Exists() {
			mb = name
		}
		wants = append(wants, want{name, mb})
	}
	roots := map[string]*exporters.QuotaRoot{}
	asked := map[string][]quotaData{}
	for _, w := range wants {
		qd, ok := asked[w.mailbox]
		if !ok {
			qd, err = s.getQuotaRoot(ctx, c, w.mailbox)
			var ie *imap.Error
			if errors.As(err, &ie) && w.mailbox != "INBOX" {
				// Gone since it was listed: count it with INBOX.
				w.mailbox = "INBOX"
				qd, err = s.getQuotaRoot(ctx, c, "INBOX")
			}
			if err != nil {
				return nil, ctxErr(ctx, c.Err(fmt.Errorf("imap: GETQUOTAROOT %q: %w", w.mailbox, err)))
			}
			asked[w.mailbox] = qd
		}
		for _, q := range qd {
			r := roots[q.root]
			if r == nil {
				r = &exporters.QuotaRoot{Name: q.root, Limit: -1, LimitMessages: -1}
				roots[q.root] = r
			}
			if !slices.Contains(r.Targets, w.name) {
				r.Targets = append(r.Targets, w.name)
			}
			if q.storage != nil {
				// QUIRK: RFC 9208 section 5.1: STORAGE is in units of 1024 octets.
				r.Used, r.Limit = q.storage[0]*1024, q.storage[1]*1024
			}
			if q.messages != nil {
				r.UsedMessages, r.LimitMessages = q.messages[0], q.messages[1]
			}
		}
	}
	out := make([]exporters.QuotaRoot, 0, len(roots))
	for _, r := range roots {
		out = append(out, *r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// getQuotaRoot is getQuotaRoot, or rawQuotaRoot once go-imap failed to
// parse a QUOTA response (Courier's `* QUOTA "ROOT"` without a list when
// no quota is set): then its connection is lost and the raw one is used.
func (s *Sink) getQuotaRoot(ctx context.Context, c *ic.Conn, mailbox string) ([]quotaData, error) {
	if !s.rawQuota {
		qd, err := getQuotaRoot(c, mailbox)
		if err == nil || !strings.Contains(err.Error(), "quota-response") {
			return qd, err
		}
		s.rawQuota = true
	}
	rc, err := s.sess.DialRaw(ctx)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	rq, err := rc.GetQuotaRoot(ctx, mailbox)
	if err != nil {
		return nil, err
	}
	out := make([]quotaData, 0, len(rq))
	for _, q := range rq {
		d := quotaData{root: q.Root}
		if r, ok := q.Resources["STORAGE"]; ok {
			d.storage = &[2]int64{r[0], r[1]}
		}
		if r, ok := q.Resources["MESSAGE"]; ok {
			d.messages = &[2]int64{r[0], r[1]}
		}
		out = append(out, d)
	}
	return out, nil
}

type quotaData struct {
	root              string
	storage, messages *[2]int64 // usage, limit
}

func getQuotaRoot(c *ic.Conn, mailbox string) ([]quotaData, error) {
	qd, err := c.C.GetQuotaRoot(mailbox).Wait()
	if err != nil {
		return nil, err
	}
	out := make([]quotaData, 0, len(qd))
	for _, q := range qd {
		d := quotaData{root: q.Root}
		if r, ok := q.Resources[imap.QuotaResourceStorage]; ok {
			d.storage = &[2]int64{r.Usage, r.Limit}
		}
		if r, ok := q.Resources[imap.QuotaResourceMessage]; ok {
			d.messages = &[2]int64{r.Usage, r.Limit}
		}
		out = append(out, d)
	}
	return out, nil
}
