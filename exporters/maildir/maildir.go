// Package maildir writes a Maildir++ tree (scheme "maildir:PATH") that
// Dovecot can serve as it is.
//
// # Layout and names
//
// PATH (created 0700 if missing) is the INBOX Maildir; Folder{"A", "B"} is
// the Maildir ".A.B" with a "maildirfolder" file, as Dovecot and Courier
// keep it. Folder elements are encoded by importers/maildir.EncodeElement:
// modified UTF-7 for non-ASCII ("仕事" → "&TtVOiw-", what Dovecot writes),
// and Dovecot's listescape "\NN" for ".", "/", "\" and a leading "~"
// ("a.b" → "a\2eb"; Dovecot decodes these with the listescape plugin and
// shows them literally without it). A name longer than a directory name
// allows (255 bytes for the whole ".A.B"), or one that would be the same
// directory as another folder's on a case-insensitive file system, gets a
// "\~" + 8 hex suffix; importers/maildir drops it again.
//
// # Delivery
//
// Append is maddy's transactional Maildir delivery: the message is written
// to tmp/<unique> (0600), its mtime set to the internal date (Dovecot's
// INTERNALDATE), fsynced, renamed to cur/<unique>,S=<size>,W=<CRLF
// size><sep>2,<flags>, and cur/ is fsynced. On any error the tmp file is
// removed: no partial message is ever in cur/ or new/. Unique names are
// time, microseconds, pid, a counter and 32 random bits, plus the host.
//
// Flags are the info letters (D F P R S T, sorted); other keywords get a
// letter a–z through the folder's dovecot-keywords file, which Append
// extends (at most 26 per folder; further keywords are dropped with a
// warning).
//
// The info separator <sep> is ':' unless the file system refuses ':' in
// names (SMB/NTFS): the first write probes it, and then uses ';' and also
// escapes the characters Windows forbids in folder names. The choice is
// recorded in PATH/mailferry-maildir.json so later runs agree;
// importers/maildir reads all separators.
//
// # Quota
//
// Quota is the free space of the file system holding PATH (statfs): one
// quota root "disk <mount point>" with Used = total − available and Limit =
// total, so the engine's headroom of 0.9 means "keep 10 % of the disk
// free".
package maildir

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/mailferry/mailferry/dedupe"
	"github.com/mailferry/mailferry/exporters"
	"github.com/mailferry/mailferry/exporters/localfs"
	"github.com/mailferry/mailferry/importers"
	"github.com/mailferry/mailferry/importers/maildir"
)

func init() {
	exporters.Register("maildir", func(ctx context.Context, spec importers.Spec, opts *importers.Options) (exporters.Sink, error) {
		return New(spec.Path, opts)
	})
}

// maxDirName is the longest Maildir++ directory name written.
const maxDirName = 255 - 15

// Sink writes a Maildir++ tree. Like every Sink it is used by one
// goroutine at a time.
type Sink struct {
	localfs.SinkBase // root, options, Quota, FolderNamer, StateStore
	host             string

	cfg      maildir.Config
	cfgKnown bool
	// gen counts changes of the naming rules (the first write may find a
	// file system that needs Windows-safe names); targets resolved under an
	// older gen pick their directory name again.
	gen      int
	names    *localfs.Names
	keywords map[string]*maildir.Keywords
}

var (
	_ exporters.Sink   = (*Sink)(nil)
	_ exporters.Target = (*target)(nil)
)

// New returns a Sink writing into path. Nothing is created before the
// first write.
func New(path string, opts *importers.Options) (*Sink, error) {
	b, err := localfs.NewSinkBase("maildir", path, opts, "")
	if err != nil {
		return nil, err
	}
	s := &Sink{SinkBase: b, host: hostname(), keywords: map[string]*maildir.Keywords{}}
	s.readConfig()
	return s, nil
}

// hostname returns the host part of unique names, reduced to characters
// that cannot be mistaken for the ",S=" or info parts.
func hostname() string {
	h, err := os.Hostname()
	if err != nil || h == "" {
		h = "localhost"
	}
	h = strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '.' {
			return r
		}
		return '_'
	}, h)
	if len(h) > 64 {
		h = h[:64]
	}
	return h
}

// Caps: the files are the messages; flags and the internal date are kept.
func (s *Sink) Caps() exporters.Caps {
	return exporters.Caps{CRLF: false, Flags: true, DatePrecision: time.Second, ByteExact: true}
}

// Close releases the root directory.
func (s *Sink) Close() error { return s.Root.Close() }

func (s *Sink) readConfig() {
	f, err := s.Root.Open(maildir.ConfigFile)
	if err != nil {
		return
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, 4096))
	if err != nil {
		return
	}
	cfg, err := maildir.ParseConfig(b)
	if err != nil {
		s.Opts.Log().Warn("maildir: unreadable config, using defaults", "path", s.Root.Join(maildir.ConfigFile), "err", err)
	}
	s.cfg, s.cfgKnown = cfg, true
}

func (s *Sink) sep() string {
	if s.cfg.InfoSeparator == "" {
		return ":"
	}
	return s.cfg.InfoSeparator
}

// setup creates the root and, on first use, probes whether the file
// system takes ':' in names, recording the answer.
func (s *Sink) setup(ctx context.Context) error {
	if _, err := s.Root.Ensure(); err != nil {
		return err
	}
	if s.cfgKnown {
		return nil
	}
	s.readConfig()
	if s.cfgKnown {
		return nil
	}
	cfg := maildir.Config{InfoSeparator: ":"}
	probe := "mailferry-probe-" + localfs.Unique()
	f, err := s.Root.Create(probe)
	if err != nil {
		return fmt.Errorf("maildir %s: cannot write: %w", s.Root.Path(), err)
	}
	f.Close()
	s.Root.Remove(probe)
	if !colonAllowed(s.Root, probe+":2,S") {
		// QUIRK: SMB/NTFS refuse ':' (EINVAL or ENOENT through CIFS);
		// Windows tools and Dovecot's maildir_info_separator use ';'.
		cfg = maildir.Config{InfoSeparator: ";", WindowsNames: true}
	}
	b := fmt.Appendf(nil, "{\"info_separator\": %q, \"windows_names\": %v}\n", cfg.InfoSeparator, cfg.WindowsNames)
	tmp := maildir.ConfigFile + "." + localfs.Unique() + ".tmp"
	if err := s.Root.WriteNew(ctx, []string{tmp}, int64(len(b)), strings.NewReader(string(b)), time.Time{}); err != nil {
		return err
	}
	if err := s.Root.Rename([]string{tmp}, []string{maildir.ConfigFile}); err != nil {
		s.Root.Remove(tmp)
		return err
	}
	if err := s.Root.SyncDir(); err != nil {
		return err
	}
	if cfg.WindowsNames != s.cfg.WindowsNames {
		s.gen++
		s.names = nil
	}
	s.cfg, s.cfgKnown = cfg, true
	return nil
}

// colonAllowed creates and removes the file name in the root; tests
// replace it to play an SMB share.
var colonAllowed = func(root *localfs.Root, name string) bool {
	f, err := root.Create(name)
	if err != nil {
		return false
	}
	f.Close()
	root.Remove(name)
	return true
}

func (s *Sink) rootNames() *localfs.Names {
	if s.names != nil {
		return s.names
	}
	var entries []string
	ents, _ := s.Root.ReadDir()
	for _, e := range ents {
		entries = append(entries, e.Name())
	}
	ci, _ := s.Root.CaseInsensitive(nil, entries)
	s.names = localfs.NewNames(entries, ci)
	return s.names
}

// dirName picks the Maildir++ directory name of folder f ("" for INBOX).
func (s *Sink) dirName(f importers.Folder) (string, error) {
	if len(f) == 0 {
		return "", errors.New("empty folder name")
	}
	if f.IsInbox() {
		return "", nil
	}
	names := s.rootNames()
	win := s.cfg.WindowsNames
	tok := ""
	for i, e := range f {
		if i == 0 && strings.EqualFold(e, "INBOX") {
			e = "INBOX" // INBOX/X is .INBOX.X whatever the case
		}
		parent := tok
		if len(parent)+1+len(maildir.SuffixMarker)+8+4 > maxDirName {
			return "", fmt.Errorf("folder %q is nested too deeply for a Maildir++ directory name", f.String())
		}
		enc := localfs.Encoder{
			Encode: func(x string) string { return parent + "." + maildir.EncodeElement(x, win) },
			Marker: maildir.SuffixMarker,
		}
		name, ok := names.Pick(enc, e, maxDirName)
		if !ok {
			return "", fmt.Errorf("folder %q: no free directory name", f.String())
		}
		tok = name
	}
	return tok, nil
}

// Folders lists the folders already in the tree (read with
// importers/maildir).
func (s *Sink) Folders(ctx context.Context) ([]importers.FolderInfo, error) {
	if !s.Root.Exists() {
		return nil, nil
	}
	src, err := maildir.Open(s.Root.Path(), s.Opts)
	if err != nil {
		if errors.Is(err, importers.ErrUsage) {
			return nil, nil // an empty directory
		}
		return nil, err
	}
	defer src.Close()
	return src.Folders(ctx)
}

// Resolve maps a logical folder to its Maildir; use is ignored (the name
// decides). It creates nothing.
func (s *Sink) Resolve(ctx context.Context, f importers.Folder, use imap.MailboxAttr) (exporters.Target, error) {
	t := &target{s: s, f: append(importers.Folder(nil), f...), gen: s.gen}
	t.dir, t.err = s.dirName(f)
	if t.err == nil {
		t.exists, t.err = s.Root.DirExists(t.rel("cur")...)
	}
	if t.exists {
		// A run killed while creating the folder leaves cur/ without
		// tmp/ or new/: the first write completes the folder.
		for _, sub := range []string{"tmp", "new"} {
			if ok, err := s.Root.DirExists(t.rel(sub)...); err == nil && !ok {
				t.partial = true
			}
		}
	}
	return t, nil
}

type target struct {
	s      *Sink
	f      importers.Folder
	dir    string // Maildir++ directory name, "" for INBOX
	exists bool
	err    error // the folder cannot be written (its name)
	// partial: cur/ exists but tmp/ or new/ does not (Create completes it).
	partial bool
	gen     int
	kw      *maildir.Keywords
	stored  [][]string // Inventory's files, by Stored.Loc (inventory.go)
}

// rel returns the path of sub below the folder's Maildir.
func (t *target) rel(sub ...string) []string {
	if t.dir == "" {
		return sub
	}
	return append([]string{t.dir}, sub...)
}

// Name is the folder's directory (the root for INBOX).
func (t *target) Name() string {
	switch {
	case t.err != nil:
		return t.s.Root.Path() + " (folder " + t.f.String() + ")"
	case t.dir == "":
		return t.s.Root.Path()
	}
	return t.s.Root.Join(t.dir)
}

func (t *target) Exists() bool { return t.exists }

func (t *target) Create(ctx context.Context) error {
	if t.err != nil {
		return t.err
	}
	if err := t.s.setup(ctx); err != nil {
		return err
	}
	if t.gen != t.s.gen {
		// The probe changed the name rules: pick again.
		dir, err := t.s.dirName(t.f)
		if err != nil {
			t.err = err
			return err
		}
		t.dir, t.gen = dir, t.s.gen
	}
	for _, sub := range []string{"cur", "new", "tmp"} {
		if err := t.s.Root.MkdirAll(t.rel(sub)...); err != nil {
			return fmt.Errorf("maildir folder %q: %w", t.f.String(), err)
		}
	}
	if t.dir != "" {
		f, err := t.s.Root.Create(t.rel("maildirfolder")...)
		if err == nil {
			err = f.Close()
		}
		if err != nil && !errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("maildir folder %q: %w", t.f.String(), err)
		}
		if err := t.s.Root.SyncDir(t.dir); err != nil {
			return err
		}
	}
	if err := t.s.Root.SyncDir(); err != nil {
		return err
	}
	t.exists, t.partial = true, false
	return nil
}

// Keys reads every message in cur/ and new/ (the header only, when it has
// a Message-ID). A file that cannot be read is skipped with a warning.
func (t *target) Keys(ctx context.Context, fn func(dedupe.Key) error) error {
	if t.err != nil || !t.exists {
		return nil
	}
	for _, sub := range []string{"cur", "new"} {
		ents, err := t.s.Root.ReadDir(t.rel(sub)...)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return err
		}
		for _, e := range ents {
			if err := ctx.Err(); err != nil {
				return err
			}
			if strings.HasPrefix(e.Name(), ".") || !e.Type().IsRegular() {
				continue
			}
			k, err := t.s.KeyOf(t.rel(sub, e.Name())...)
			if err != nil {
				t.s.Opts.Log().Warn("maildir: cannot read target message, not used for de-duplication", "path", t.s.Root.Join(t.rel(sub, e.Name())...), "err", err)
				continue
			}
			if err := fn(k); err != nil {
				return err
			}
		}
	}
	return nil
}

func (t *target) keywords() *maildir.Keywords {
	if t.kw != nil {
		return t.kw
	}
	t.kw = &maildir.Keywords{}
	if f, err := t.s.Root.Open(t.rel(maildir.KeywordsFile)...); err == nil {
		if kw, err := maildir.ParseKeywords(io.LimitReader(f, 64<<10)); err == nil {
			t.kw = kw
		}
		f.Close()
	}
	return t.kw
}

// saveKeywords replaces dovecot-keywords atomically (tmp/, fsync, rename).
func (t *target) saveKeywords(ctx context.Context) error {
	b := t.kw.Bytes()
	tmp := t.rel("tmp", localfs.Unique()+"."+t.s.host+".keywords")
	if err := t.s.Root.WriteNew(ctx, tmp, int64(len(b)), strings.NewReader(string(b)), time.Time{}); err != nil {
		return err
	}
	if err := t.s.Root.Rename(tmp, t.rel(maildir.KeywordsFile)); err != nil {
		t.s.Root.Remove(tmp...)
		return err
	}
	return t.s.Root.SyncDir(t.rel()...)
}

func (t *target) letters(ctx context.Context, flags []imap.Flag) (string, error) {
	kw := t.keywords()
	_, missing := maildir.FormatFlags(flags, kw)
	changed := false
	for _, f := range missing {
		if _, added, ok := kw.Add(f); !ok {
			t.s.Opts.Log().Warn("maildir: keyword not stored (26 per folder at most)", "folder", t.f.String(), "keyword", string(f))
		} else if added {
			changed = true
		}
	}
	if changed {
		if err := t.saveKeywords(ctx); err != nil {
			return "", fmt.Errorf("maildir folder %q: writing %s: %w", t.f.String(), maildir.KeywordsFile, err)
		}
	}
	letters, _ := maildir.FormatFlags(flags, kw)
	return letters, nil
}

// Append delivers one message: tmp/, fsync, rename into cur/, fsync cur/.
func (t *target) Append(ctx context.Context, m *importers.Message, size int64, r io.Reader) error {
	if t.err != nil {
		return t.err
	}
	if !t.exists || t.partial {
		if err := t.Create(ctx); err != nil {
			return err
		}
	}
	letters, err := t.letters(ctx, m.Flags)
	if err != nil {
		return err
	}
	unique := localfs.Unique() + "." + t.s.host
	tmp := t.rel("tmp", unique)
	cnt := &importers.CRLFCounter{R: r}
	if err := t.s.Root.WriteNew(ctx, tmp, size, cnt, m.InternalDate); err != nil {
		return localfs.ForMessage(m, fmt.Errorf("maildir %s: %w", t.s.Root.Join(tmp...), err))
	}
	final := unique + ",S=" + strconv.FormatInt(size, 10) + ",W=" + strconv.FormatInt(cnt.LFLen(), 10) + t.s.sep() + "2," + letters
	if err := t.s.Root.Rename(tmp, t.rel("cur", final)); err != nil {
		t.s.Root.Remove(tmp...)
		return fmt.Errorf("maildir %s: %w", t.s.Root.Join(tmp...), localfs.DiskFull(err))
	}
	if err := t.s.Root.SyncDir(t.rel("cur")...); err != nil {
		return fmt.Errorf("maildir %s: %w", t.s.Root.Join(t.rel("cur")...), err)
	}
	return nil
}
