// Package eml writes one .eml file per message into a folder tree (scheme
// "eml:PATH").
//
// # Layout
//
// Folder{"A", "B"} is the directory PATH/A/B (0700; INBOX is "INBOX").
// Elements are escaped by exporters/localfs (percent escapes for unsafe
// bytes, Windows device names and characters, ".eml" suffix escaped so a
// folder never looks like a message, hash suffix for over-long or
// case-colliding names); other Unicode stays UTF-8.
//
// A message is the file
//
//	<YYYYMMDD-HHMMSS>_<subject>_<key>.eml
//
// where the date is the internal date in UTC (else the Date: header, else
// 00000000-000000), the subject is the decoded Subject (RFC 2047, any
// charset go-message knows) with path separators, control and
// Windows-forbidden characters replaced and cut to 80 bytes at a character
// boundary ("no-subject" when empty), and key is the first 8 hex digits of
// the message's dedupe key. Two different messages with the same name get
// "-2", "-3", … before ".eml". The file holds the message bytes unchanged
// (0600) and its mtime is the internal date.
//
// # Atomicity
//
// The message is written to a hidden ".mailferry-*.tmp" file in the folder,
// fsynced, then hard-linked to its name (which never replaces a file; a
// checked rename where hard links do not exist) and the directory is
// fsynced. On any error the temporary file is removed: no partial file
// ever carries a .eml name. A batch (AppendBatch, batch.go) does the same
// for many messages with one round of fsyncs and one directory sync, all
// before it returns.
//
// # Quota
//
// Quota is the free space of the file system holding PATH:
// headroom 0.9 keeps 10 % of the disk free.
package eml

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"mime"
	"net/mail"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-message/charset"
	"github.com/mailferry/mailferry/dedupe"
	"github.com/mailferry/mailferry/exporters"
	"github.com/mailferry/mailferry/exporters/localfs"
	"github.com/mailferry/mailferry/importers"
)

func init() {
	exporters.Register("eml", func(ctx context.Context, spec importers.Spec, opts *importers.Options) (exporters.Sink, error) {
		return New(spec.Path, opts)
	})
}

// Ext is the extension of message files.
const Ext = ".eml"

// maxSubject is the longest subject part of a file name, in bytes.
const maxSubject = 80

var dirEncoder = localfs.EscapeEncoder(Ext)

// Sink writes a tree of .eml files. Like every Sink it is used by one
// goroutine at a time.
type Sink struct {
	localfs.SinkBase // root, options, Quota, FolderNamer, StateStore
	names            map[string]*localfs.Names
}

var (
	_ exporters.Sink   = (*Sink)(nil)
	_ exporters.Target = (*target)(nil)
)

// New returns a Sink writing into the directory path. Nothing is created
// before the first write.
func New(path string, opts *importers.Options) (*Sink, error) {
	b, err := localfs.NewSinkBase("eml", path, opts, "")
	if err != nil {
		return nil, err
	}
	return &Sink{SinkBase: b, names: map[string]*localfs.Names{}}, nil
}

// Caps: the files are the messages; no flags; the internal date is the
// mtime.
func (s *Sink) Caps() exporters.Caps {
	return exporters.Caps{CRLF: false, Flags: false, DatePrecision: time.Second, ByteExact: true}
}

// Close releases the root directory.
func (s *Sink) Close() error { return s.Root.Close() }

func (s *Sink) namesIn(dir []string) *localfs.Names {
	key := strings.Join(dir, "/")
	if n := s.names[key]; n != nil {
		return n
	}
	// Only directories can collide with a folder's name: message files
	// end in ".eml" (escaped in folder names) and temporary files start
	// with a dot (escaped too). Not keeping the files keeps memory small
	// next to big folders.
	var entries []string
	ents, _ := s.Root.ReadDir(dir...)
	for _, e := range ents {
		if e.IsDir() {
			entries = append(entries, e.Name())
		}
	}
	ci, _ := s.Root.CaseInsensitive(dir, entries)
	n := localfs.NewNames(entries, ci)
	s.names[key] = n
	return n
}

func (s *Sink) place(f importers.Folder) ([]string, error) {
	if len(f) == 0 {
		return nil, errors.New("empty folder name")
	}
	var dirs []string
	for i, e := range f {
		if i == 0 && strings.EqualFold(e, "INBOX") {
			e = "INBOX"
		}
		n, ok := s.namesIn(dirs).Pick(dirEncoder, e, localfs.MaxComponent)
		if !ok {
			return nil, fmt.Errorf("folder %q: no free directory name", f.String())
		}
		dirs = append(dirs, n)
	}
	return dirs, nil
}

// Resolve maps a logical folder to its directory; use is ignored. It
// creates nothing.
func (s *Sink) Resolve(ctx context.Context, f importers.Folder, use imap.MailboxAttr) (exporters.Target, error) {
	t := &target{s: s, f: append(importers.Folder(nil), f...)}
	t.dirs, t.err = s.place(f)
	if t.err == nil {
		t.exists, t.err = s.Root.DirExists(t.dirs...)
	}
	return t, nil
}

// Folders lists the directories of the tree with their .eml files.
func (s *Sink) Folders(ctx context.Context) ([]importers.FolderInfo, error) {
	if !s.Root.Exists() {
		return nil, nil
	}
	var out []importers.FolderInfo
	err := s.list(nil, nil, &out, 0)
	return out, err
}

func (s *Sink) list(dir []string, parent importers.Folder, out *[]importers.FolderInfo, depth int) error {
	if depth > 64 {
		return nil
	}
	ents, err := s.Root.ReadDir(dir...)
	if err != nil {
		return err
	}
	for _, e := range ents {
		if !e.IsDir() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		sub := append(append(importers.Folder(nil), parent...), localfs.Unescape(e.Name()))
		d := append(append([]string(nil), dir...), e.Name())
		fi := importers.FolderInfo{Folder: sub}
		files, err := s.Root.ReadDir(d...)
		if err != nil {
			return err
		}
		for _, f := range files {
			if isMessage(f) {
				fi.Messages++
				if info, err := f.Info(); err == nil && fi.Bytes >= 0 {
					fi.Bytes += info.Size()
				} else {
					fi.Bytes = -1
				}
			}
		}
		*out = append(*out, fi)
		if err := s.list(d, sub, out, depth+1); err != nil {
			return err
		}
	}
	return nil
}

func isMessage(e fs.DirEntry) bool {
	return e.Type().IsRegular() && !strings.HasPrefix(e.Name(), ".") && strings.HasSuffix(strings.ToLower(e.Name()), Ext)
}

type target struct {
	s      *Sink
	f      importers.Folder
	dirs   []string
	exists bool
	err    error
	stored []string // Inventory's files, by Stored.Loc (inventory.go)
}

// Name is the folder's directory.
func (t *target) Name() string {
	if t.err != nil {
		return t.s.Root.Path() + " (folder " + t.f.String() + ")"
	}
	return t.s.Root.Join(t.dirs...)
}

func (t *target) Exists() bool { return t.exists }

func (t *target) Create(ctx context.Context) error {
	if t.err != nil {
		return t.err
	}
	if err := t.s.Root.MkdirAll(t.dirs...); err != nil {
		return fmt.Errorf("eml folder %q: %w", t.f.String(), err)
	}
	for i := len(t.dirs) - 1; i >= 0; i-- {
		if err := t.s.Root.SyncDir(t.dirs[:i]...); err != nil {
			return err
		}
	}
	t.exists = true
	return nil
}

func (t *target) rel(name string) []string {
	return append(append([]string(nil), t.dirs...), name)
}

// Keys keys every .eml file of the folder (its header only, when it has a
// Message-ID). A file that cannot be read is skipped with a warning.
func (t *target) Keys(ctx context.Context, fn func(dedupe.Key) error) error {
	if t.err != nil || !t.exists {
		return nil
	}
	ents, err := t.s.Root.ReadDir(t.dirs...)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	for _, e := range ents {
		if err := ctx.Err(); err != nil {
			return err
		}
		if !isMessage(e) {
			continue
		}
		k, err := t.s.KeyOf(t.rel(e.Name())...)
		if err != nil {
			t.s.Opts.Log().Warn("eml: cannot read target message, not used for de-duplication", "path", t.s.Root.Join(t.rel(e.Name())...), "err", err)
			continue
		}
		if err := fn(k); err != nil {
			return err
		}
	}
	return nil
}

// Append writes the message to a hidden temporary file, names it from its
// header and key, and links it into place.
func (t *target) Append(ctx context.Context, m *importers.Message, size int64, r io.Reader) (err error) {
	if t.err != nil {
		return t.err
	}
	if !t.exists {
		if err := t.Create(ctx); err != nil {
			return err
		}
	}
	tmp := t.rel(".mailferry-" + localfs.Unique() + ".tmp")
	if err := t.s.Root.WriteNew(ctx, tmp, size, r, m.InternalDate); err != nil {
		return localfs.ForMessage(m, fmt.Errorf("eml %s: %w", t.Name(), err))
	}
	defer func() {
		if err != nil {
			t.s.Root.Remove(tmp...)
		}
	}()
	info, err := t.inspect(tmp)
	if err != nil {
		return fmt.Errorf("eml %s: %w", t.s.Root.Join(tmp...), err)
	}
	date := m.InternalDate
	if date.IsZero() && !info.date.IsZero() {
		date = info.date
		if err := t.setTimes(tmp, date); err != nil {
			return err
		}
	}
	base := FileName(date, info.subject, info.key)
	if _, err := linkFree(base, func(name string) error { return t.s.Root.LinkNoReplace(tmp, t.rel(name)) },
		func(name string) string { return t.s.Root.Join(t.rel(name)...) }); err != nil {
		return err
	}
	if err := t.s.Root.SyncDir(t.dirs...); err != nil {
		return fmt.Errorf("eml %s: %w", t.Name(), err)
	}
	return nil
}

func (t *target) setTimes(rel []string, date time.Time) error {
	f, err := t.s.Root.OpenRW(rel...)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := localfs.SetTimes(f, date); err != nil {
		return err
	}
	return f.Sync()
}

type headerInfo struct {
	subject string
	date    time.Time
	key     dedupe.Key
}

// inspect reads the written file's header (Subject, Date) and its dedupe
// key.
func (t *target) inspect(rel []string) (headerInfo, error) {
	var hi headerInfo
	f, err := t.s.Root.Open(rel...)
	if err != nil {
		return hi, err
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 64<<10)
	head, _ := br.Peek(64 << 10)
	hi = headerOf(head)
	k, _, err := dedupe.Of(br)
	if err != nil {
		return hi, err
	}
	hi.key = k
	return hi, nil
}

// headerOf reads Subject and Date from the start of a message (its first
// 64 KiB).
func headerOf(head []byte) headerInfo {
	var hi headerInfo
	if end := headerEnd(head); end >= 0 {
		head = head[:end]
	}
	if msg, err := mail.ReadMessage(io.MultiReader(bytes.NewReader(head), strings.NewReader("\n\n"))); err == nil {
		hi.subject = msg.Header.Get("Subject")
		hi.date, _ = msg.Header.Date()
	}
	return hi
}

func headerEnd(b []byte) int {
	end := bytes.Index(b, []byte("\n\n"))
	if e2 := bytes.Index(b, []byte("\r\n\r\n")); e2 >= 0 && (end < 0 || e2 < end) {
		end = e2
	}
	return end
}

var wordDecoder = &mime.WordDecoder{CharsetReader: charset.Reader}

// FileName returns the file name of a message: date (UTC), sanitized
// subject (RFC 2047 decoded), the first 8 hex digits of its key.
func FileName(date time.Time, subject string, key dedupe.Key) string {
	d := "00000000-000000"
	if !date.IsZero() {
		d = date.UTC().Format("20060102-150405")
	}
	return d + "_" + SanitizeSubject(subject) + "_" + key.String()[:8] + Ext
}

// SanitizeSubject decodes an encoded Subject and makes it a safe part of a
// file name: no path separators, control, bidirectional-override or
// Windows-forbidden characters, white space collapsed, at most 80 bytes
// cut at a character boundary, no dot or space at either end.
func SanitizeSubject(s string) string {
	if d, err := wordDecoder.DecodeHeader(s); err == nil {
		s = d
	}
	s = strings.ToValidUTF8(s, "_")
	s = strings.Map(func(r rune) rune {
		switch {
		case unicode.IsControl(r), unicode.IsSpace(r):
			return ' '
		case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069, r == 0xfeff:
			return -1
		case strings.ContainsRune(`<>:"/\|?*%`, r):
			return '_'
		}
		return r
	}, s)
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > maxSubject {
		cut := maxSubject
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut]
	}
	s = strings.Trim(s, " .")
	if s == "" {
		return "no-subject"
	}
	return s
}
