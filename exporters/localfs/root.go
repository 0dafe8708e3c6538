package localfs

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/mailferry/mailferry/exporters"
	"github.com/mailferry/mailferry/importers"
)

// ErrUnsafe marks a path the exporters refuse to write through: a
// symbolic link or another non-directory where a directory should be, or a
// name that is not a single plain component.
var ErrUnsafe = errors.New("unsafe path")

// Root is a target directory. All paths given to its methods are lists of
// single components below the root; each is checked, and every existing
// component is Lstat'ed, before it is used. A Root is safe for use by one
// goroutine at a time (the Sink contract).
type Root struct {
	path string

	mu sync.Mutex
	r  *os.Root
	ci int8 // case-insensitivity: 0 unknown, 1 yes, -1 no
}

// New returns the Root for path without creating anything.
func New(path string) (*Root, error) {
	if path == "" {
		return nil, importers.UsageError("want SCHEME:PATH with a directory")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	return &Root{path: abs}, nil
}

// Path is the root's absolute path.
func (r *Root) Path() string { return r.path }

// Join returns the absolute path of rel, for messages and reports.
func (r *Root) Join(rel ...string) string {
	return filepath.Join(append([]string{r.path}, rel...)...)
}

// Close releases the root's directory handle.
func (r *Root) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.r == nil {
		return nil
	}
	err := r.r.Close()
	r.r = nil
	return err
}

// handle returns the os.Root when the directory exists, nil when it does
// not. The root path itself may be reached through symbolic links: the
// user chose it.
func (r *Root) handle() (*os.Root, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.r != nil {
		return r.r, nil
	}
	fi, err := os.Stat(r.path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("%s: not a directory", r.path)
	}
	rr, err := os.OpenRoot(r.path)
	if err != nil {
		return nil, err
	}
	r.r = rr
	return rr, nil
}

// Exists reports whether the root directory exists.
func (r *Root) Exists() bool {
	rr, err := r.handle()
	return err == nil && rr != nil
}

// Ensure creates the root directory (0700, with missing parents) if it
// does not exist.
func (r *Root) Ensure() (*os.Root, error) {
	rr, err := r.handle()
	if err != nil || rr != nil {
		return rr, err
	}
	if err := os.MkdirAll(r.path, 0o700); err != nil {
		return nil, DiskFull(err)
	}
	return r.handle()
}

// CheckComponent reports whether c can be used as one path component.
func CheckComponent(c string) error {
	switch {
	case c == "", c == ".", c == "..":
		return fmt.Errorf("%w: component %q", ErrUnsafe, c)
	case strings.ContainsAny(c, "/\x00"):
		return fmt.Errorf("%w: component %q contains a separator or NUL", ErrUnsafe, c)
	case runtime.GOOS == "windows" && strings.ContainsAny(c, `\:`):
		return fmt.Errorf("%w: component %q contains a separator", ErrUnsafe, c)
	case len(c) > 255:
		return fmt.Errorf("%w: component of %d bytes is too long", ErrUnsafe, len(c))
	}
	return nil
}

func relPath(rel []string) (string, error) {
	if len(rel) == 0 {
		return ".", nil
	}
	for _, c := range rel {
		if err := CheckComponent(c); err != nil {
			return "", err
		}
	}
	p := strings.Join(rel, "/")
	// Belt and braces: os.Root refuses to leave the root anyway.
	if !filepath.IsLocal(filepath.FromSlash(p)) {
		return "", fmt.Errorf("%w: %q is not inside the target directory", ErrUnsafe, p)
	}
	return p, nil
}

// checkDirs Lstats every component of dir: each must be a directory, not a
// symbolic link. It returns false at the first one that does not exist.
func (r *Root) checkDirs(rr *os.Root, dir []string) (bool, error) {
	for i := range dir {
		p, err := relPath(dir[:i+1])
		if err != nil {
			return false, err
		}
		fi, err := rr.Lstat(p)
		if errors.Is(err, fs.ErrNotExist) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		if err := mustBeDir(r.Join(dir[:i+1]...), fi); err != nil {
			return false, err
		}
	}
	return true, nil
}

func mustBeDir(path string, fi fs.FileInfo) error {
	if fi.Mode()&fs.ModeSymlink != 0 {
		return fmt.Errorf("%w: %s is a symbolic link; refusing to write through it", ErrUnsafe, path)
	}
	if !fi.IsDir() {
		return fmt.Errorf("%w: %s is not a directory", ErrUnsafe, path)
	}
	return nil
}

// DirExists reports whether the directory rel exists (as a real directory,
// with no symbolic link on the way).
func (r *Root) DirExists(rel ...string) (bool, error) {
	rr, err := r.handle()
	if err != nil || rr == nil {
		return false, err
	}
	return r.checkDirs(rr, rel)
}

// MkdirAll creates the root and the directories of rel (0700). An
// existing symbolic link or file on the way is an error.
func (r *Root) MkdirAll(rel ...string) error {
	rr, err := r.Ensure()
	if err != nil {
		return err
	}
	for i := range rel {
		p, err := relPath(rel[:i+1])
		if err != nil {
			return err
		}
		fi, err := rr.Lstat(p)
		if errors.Is(err, fs.ErrNotExist) {
			if err := rr.Mkdir(p, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
				return DiskFull(err)
			}
			fi, err = rr.Lstat(p)
		}
		if err != nil {
			return err
		}
		if err := mustBeDir(r.Join(rel[:i+1]...), fi); err != nil {
			return err
		}
	}
	return nil
}

// Lstat returns the FileInfo of rel without following a final symbolic
// link; the directories on the way are checked.
func (r *Root) Lstat(rel ...string) (fs.FileInfo, error) {
	rr, err := r.handle()
	if err != nil {
		return nil, err
	}
	if rr == nil {
		return nil, &fs.PathError{Op: "lstat", Path: r.Join(rel...), Err: fs.ErrNotExist}
	}
	if len(rel) > 0 {
		ok, err := r.checkDirs(rr, rel[:len(rel)-1])
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, &fs.PathError{Op: "lstat", Path: r.Join(rel...), Err: fs.ErrNotExist}
		}
	}
	p, err := relPath(rel)
	if err != nil {
		return nil, err
	}
	return rr.Lstat(p)
}

// ReadDir lists the directory rel; a missing directory gives fs.ErrNotExist.
func (r *Root) ReadDir(rel ...string) ([]fs.DirEntry, error) {
	rr, err := r.existingDir("readdir", rel)
	if err != nil {
		return nil, err
	}
	p, _ := relPath(rel)
	f, err := rr.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return f.ReadDir(-1)
}

// Create creates the new file rel (0600) with O_EXCL|O_NOFOLLOW: an
// existing file or symbolic link is an error. Its directory must exist.
func (r *Root) Create(rel ...string) (*os.File, error) {
	return r.open(rel, os.O_RDWR|os.O_CREATE|os.O_EXCL)
}

// Open opens the existing regular file rel for reading. A symbolic link is
// not followed.
func (r *Root) Open(rel ...string) (*os.File, error) {
	return r.open(rel, os.O_RDONLY)
}

// OpenRW opens rel for reading and writing, creating it (0600) when it does
// not exist. A symbolic link is not followed.
func (r *Root) OpenRW(rel ...string) (*os.File, error) {
	f, err := r.open(rel, os.O_RDWR|os.O_CREATE|os.O_EXCL)
	if errors.Is(err, fs.ErrExist) {
		return r.open(rel, os.O_RDWR)
	}
	return f, err
}

func (r *Root) open(rel []string, flag int) (*os.File, error) {
	if len(rel) == 0 {
		return nil, fmt.Errorf("%w: no file name", ErrUnsafe)
	}
	rr, err := r.handle()
	if err != nil {
		return nil, err
	}
	if rr == nil {
		return nil, &fs.PathError{Op: "open", Path: r.Join(rel...), Err: fs.ErrNotExist}
	}
	ok, err := r.checkDirs(rr, rel[:len(rel)-1])
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, &fs.PathError{Op: "open", Path: r.Join(rel...), Err: fs.ErrNotExist}
	}
	p, err := relPath(rel)
	if err != nil {
		return nil, err
	}
	var before fs.FileInfo
	excl := flag&(os.O_CREATE|os.O_EXCL) == os.O_CREATE|os.O_EXCL
	if !excl {
		// os.Root follows a final symbolic link unless O_CREATE|O_EXCL:
		// look first, and check after opening that it is the same file.
		before, err = rr.Lstat(p)
		if err != nil {
			return nil, err
		}
		if !before.Mode().IsRegular() {
			return nil, fmt.Errorf("%w: %s is not a regular file", ErrUnsafe, r.Join(rel...))
		}
		if flag&(os.O_WRONLY|os.O_RDWR) != 0 {
			if err := checkLinks(r.Join(rel...), before); err != nil {
				return nil, err
			}
		}
	}
	f, err := rr.OpenFile(p, flag|oNoFollow, 0o600)
	if err != nil {
		return nil, DiskFull(err)
	}
	if before != nil {
		after, err := f.Stat()
		if err != nil || !os.SameFile(before, after) {
			f.Close()
			return nil, fmt.Errorf("%w: %s changed while being opened", ErrUnsafe, r.Join(rel...))
		}
	}
	return f, nil
}

// Remove removes the file rel.
func (r *Root) Remove(rel ...string) error {
	rr, err := r.handle()
	if err != nil || rr == nil {
		return err
	}
	p, err := relPath(rel)
	if err != nil {
		return err
	}
	return rr.Remove(p)
}

// Rename renames the file from to to, replacing to.
func (r *Root) Rename(from, to []string) error {
	rr, err := r.handle()
	if err != nil {
		return err
	}
	if rr == nil {
		return fs.ErrNotExist
	}
	fp, err := relPath(from)
	if err != nil {
		return err
	}
	tp, err := relPath(to)
	if err != nil {
		return err
	}
	if ok, err := r.checkDirs(rr, to[:len(to)-1]); err != nil || !ok {
		if err == nil {
			err = fs.ErrNotExist
		}
		return err
	}
	if fi, err := rr.Lstat(tp); err == nil && fi.Mode().IsRegular() {
		if err := checkLinks(r.Join(to...), fi); err != nil {
			return err
		}
	}
	return rr.Rename(fp, tp)
}

// checkLinks refuses a file with more than one hard link: another name of
// it may be outside the target, and writing to it would change that file
// too. Renaming over it would not, but such a file in a target was put
// there by something else, so it is left alone and reported as well.
func checkLinks(path string, fi fs.FileInfo) error {
	if n := linkCount(fi); n > 1 {
		return fmt.Errorf("%w: %s has %d hard links (another name of it may be outside the target); "+
			"refusing to write to it (if it belongs here, make it a file of its own with a copy)", ErrUnsafe, path, n)
	}
	return nil
}

// LinkNoReplace gives the file from the name to, failing with an error
// that matches fs.ErrExist when to exists, then removes from. It uses a
// hard link (atomic, never replaces); on file systems without hard links
// it checks and renames.
func (r *Root) LinkNoReplace(from, to []string) error {
	rr, err := r.handle()
	if err != nil {
		return err
	}
	if rr == nil {
		return fs.ErrNotExist
	}
	fp, err := relPath(from)
	if err != nil {
		return err
	}
	tp, err := relPath(to)
	if err != nil {
		return err
	}
	if ok, err := r.checkDirs(rr, to[:len(to)-1]); err != nil || !ok {
		if err == nil {
			err = fs.ErrNotExist
		}
		return err
	}
	return linkNoReplace(rr, fp, tp, r.Join(to...))
}

// linkNoReplace moves fp to tp within rr unless tp exists (an error
// matching fs.ErrExist naming shown): a hard link and the removal of fp,
// or where there are no hard links (FAT, some SMB servers) a check, then
// a rename.
func linkNoReplace(rr *os.Root, fp, tp, shown string) error {
	err := rr.Link(fp, tp)
	switch {
	case err == nil:
		return rr.Remove(fp)
	case errors.Is(err, fs.ErrExist):
		return err
	}
	if _, lerr := rr.Lstat(tp); lerr == nil {
		return &fs.PathError{Op: "link", Path: shown, Err: fs.ErrExist}
	}
	return rr.Rename(fp, tp)
}

// SyncDir fsyncs the directory rel so that renames and new names in it
// are durable. File systems that cannot sync a directory are not an error.
func (r *Root) SyncDir(rel ...string) error {
	rr, err := r.handle()
	if err != nil || rr == nil {
		return err
	}
	p, err := relPath(rel)
	if err != nil {
		return err
	}
	f, err := rr.Open(p)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := f.Sync(); err != nil && !syncUnsupported(err) {
		return err
	}
	return nil
}

// CaseInsensitive reports whether names in the target are compared
// without regard to case (and Unicode normalization). It looks, without
// writing anything, whether an existing entry of dir is found under its
// case-swapped name. known is false when that could not be told (no
// directory yet, or no entry with letters); callers then assume it is.
func (r *Root) CaseInsensitive(dir []string, names []string) (ci, known bool) {
	r.mu.Lock()
	c := r.ci
	r.mu.Unlock()
	if c != 0 {
		return c > 0, true
	}
	rr, err := r.handle()
	if err != nil || rr == nil {
		return true, false
	}
	for _, n := range names {
		sw := swapCase(n)
		if sw == n {
			continue
		}
		a, err := r.Lstat(append(append([]string(nil), dir...), n)...)
		if err != nil {
			continue
		}
		b, err := r.Lstat(append(append([]string(nil), dir...), sw)...)
		c = -1
		if err == nil && os.SameFile(a, b) {
			c = 1
		}
		r.mu.Lock()
		r.ci = c
		r.mu.Unlock()
		return c > 0, true
	}
	return true, false
}

func swapCase(s string) string {
	return strings.Map(func(r rune) rune {
		if u := strings.ToUpper(string(r)); u != string(r) && len([]rune(u)) == 1 {
			return []rune(u)[0]
		}
		if l := strings.ToLower(string(r)); l != string(r) && len([]rune(l)) == 1 {
			return []rune(l)[0]
		}
		return r
	}, s)
}

// WriteNew writes the new file rel (O_EXCL|O_NOFOLLOW, 0600) with exactly
// size bytes from body, sets its modification (and access) time to mtime
// unless it is zero, fsyncs and closes it. On any error, including a body
// shorter or longer than size or a canceled ctx, the file is removed and
// nothing is left. A full disk or quota gives an error matching
// exporters.ErrOverQuota.
func (r *Root) WriteNew(ctx context.Context, rel []string, size int64, body io.Reader, mtime time.Time) (err error) {
	f, err := r.Create(rel...)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			r.Remove(rel...)
		}
	}()
	if err := CopyExact(ctx, f, body, size); err != nil {
		return err
	}
	if !mtime.IsZero() {
		if err := SetTimes(f, mtime); err != nil {
			return err
		}
	}
	if err := f.Sync(); err != nil {
		return DiskFull(err)
	}
	return DiskFull(f.Close())
}

// BodyError is a problem of the message body being copied (its reader
// failed, or it had another length than announced), not of the target.
// Exporters report it as an importers.MessageError: the run goes on.
type BodyError struct{ Err error }

func (e *BodyError) Error() string { return "reading the message: " + e.Err.Error() }
func (e *BodyError) Unwrap() error { return e.Err }

// BodyReader wraps a message body: errors it returns are recorded, so
// that they can be told from write errors. Err returns the context's error
// once it is canceled, a *BodyError for a failing or mis-sized body, nil
// otherwise.
type BodyReader struct {
	ctx  context.Context
	r    io.Reader
	size int64
	n    int64
	err  error
}

// NewBodyReader returns a reader of the first size bytes of r that stops
// when ctx is canceled.
func NewBodyReader(ctx context.Context, r io.Reader, size int64) *BodyReader {
	return &BodyReader{ctx: ctx, r: r, size: size}
}

func (b *BodyReader) Read(p []byte) (int, error) {
	if err := b.ctx.Err(); err != nil {
		return 0, err
	}
	if b.n >= b.size {
		return 0, io.EOF
	}
	if int64(len(p)) > b.size-b.n {
		p = p[:b.size-b.n]
	}
	n, err := b.r.Read(p)
	b.n += int64(n)
	if err != nil && err != io.EOF {
		b.err = err
	}
	return n, err
}

// Check is called after the body was read to its end: it reports a
// canceled context, a failed read, a body shorter or longer than size.
func (b *BodyReader) Check() error {
	if err := b.ctx.Err(); err != nil {
		return err
	}
	if b.err != nil {
		return &BodyError{b.err}
	}
	if b.n != b.size {
		return &BodyError{fmt.Errorf("body ended after %d of %d bytes", b.n, b.size)}
	}
	var one [1]byte
	m, err := io.ReadFull(b.r, one[:])
	if m > 0 {
		return &BodyError{fmt.Errorf("body is longer than the %d bytes announced", b.size)}
	}
	if err != nil && err != io.EOF {
		return &BodyError{err}
	}
	return nil
}

// ReadErr reports what went wrong on the reading side only: a canceled
// context or a failed read (a *BodyError); nil when the body was read
// without error so far. A write that failed part way uses it to tell
// whose fault the failure is.
func (b *BodyReader) ReadErr() error {
	if err := b.ctx.Err(); err != nil {
		return err
	}
	if b.err != nil {
		return &BodyError{b.err}
	}
	return nil
}

// CopyExact copies exactly size bytes from r to w, checking ctx between
// chunks. A reader that fails, ends early or has more bytes gives a
// *BodyError; a canceled ctx its error; a write error is returned as it
// is (wrapped by DiskFull).
func CopyExact(ctx context.Context, w io.Writer, r io.Reader, size int64) error {
	br := NewBodyReader(ctx, r, size)
	_, err := io.CopyBuffer(w, br, make([]byte, 64<<10))
	if cerr := ctx.Err(); cerr != nil {
		return cerr
	}
	if br.err != nil {
		return &BodyError{br.err}
	}
	if err != nil {
		return DiskFull(err)
	}
	return br.Check()
}

// ForMessage turns a *BodyError into an importers.MessageError naming m,
// so that the engine counts it against this message and goes on; other
// errors are returned as they are.
func ForMessage(m *importers.Message, err error) error {
	var be *BodyError
	if errors.As(err, &be) {
		return &importers.MessageError{Ref: m.Ref, Folder: m.Folder, Err: err}
	}
	return err
}

// DiskFull wraps a "no space left" or "quota exceeded" error so that it
// matches exporters.ErrOverQuota (the engine then stops the run cleanly);
// other errors are returned as they are.
func DiskFull(err error) error {
	if err != nil && isNoSpace(err) {
		return fmt.Errorf("%w: %w", exporters.ErrOverQuota, err)
	}
	return err
}

// WriteFailed names the file a write error happened on. A full disk or
// quota reads "no space left on device writing FILE" and matches
// exporters.ErrOverQuota (and the errno); other errors get the file name.
func WriteFailed(path string, err error) error {
	if err == nil {
		return nil
	}
	if isNoSpace(err) {
		return &diskFullError{path: path, err: err}
	}
	return fmt.Errorf("writing %s: %w", path, err)
}

type diskFullError struct {
	path string
	err  error
}

func (e *diskFullError) Error() string {
	what := "no space left on device"
	var errno syscall.Errno
	if errors.As(e.err, &errno) {
		what = errno.Error()
	}
	return what + " writing " + e.path
}
func (e *diskFullError) Unwrap() []error { return []error{exporters.ErrOverQuota, e.err} }

var uniqueCounter atomic.Uint64

// Unique returns a name part that is unique across processes, hosts
// sharing a directory, restarts and crashes: seconds, microseconds, pid, a
// per-process counter and 32 random bits ("1700000000.M123456P789Q3R9f3c2a1b").
// The random bits are drawn once per process: with the pid and the
// counter they tell this process's names from those of any other, also
// one with the same pid on another host or in another container.
func Unique() string {
	now := time.Now()
	p := uniquePart()
	b := make([]byte, 0, 64)
	b = strconv.AppendInt(b, now.Unix(), 10)
	b = append(b, ".M"...)
	b = strconv.AppendInt(b, int64(now.Nanosecond()/1000), 10)
	b = append(b, 'P')
	b = strconv.AppendInt(b, int64(p.pid), 10)
	b = append(b, 'Q')
	b = strconv.AppendUint(b, uniqueCounter.Add(1), 10)
	b = append(b, 'R')
	b = append(b, p.rand...)
	return string(b)
}

var uniquePart = sync.OnceValue(func() (p struct {
	pid  int
	rand string
}) {
	var rb [4]byte
	rand.Read(rb[:])
	p.pid, p.rand = os.Getpid(), hex.EncodeToString(rb[:])
	return p
})

// Quota returns the file system of the root (or of its nearest existing
// parent, before it is created) as one quota root covering targets:
// Used = total − available (to unprivileged users), Limit = total; no
// message limit (inodes are not counted: the engine reports a refusal in
// bytes only).
func (r *Root) Quota(targets []string) ([]exporters.QuotaRoot, error) {
	p := r.path
	for {
		if _, err := os.Stat(p); err == nil {
			break
		}
		parent := filepath.Dir(p)
		if parent == p {
			return nil, exporters.ErrQuotaUnknown
		}
		p = parent
	}
	st, err := statDisk(p)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", exporters.ErrQuotaUnknown, err)
	}
	return []exporters.QuotaRoot{{
		Name:          "disk " + st.mount,
		Targets:       targets,
		Used:          st.total - st.avail,
		Limit:         st.total,
		LimitMessages: -1,
	}}, nil
}

type diskStat struct {
	mount        string
	total, avail int64
}

// mountPoint walks up from p while the device stays the same.
func mountPoint(p string, dev func(string) (uint64, bool)) string {
	d, ok := dev(p)
	if !ok {
		return p
	}
	for {
		parent := filepath.Dir(p)
		if parent == p {
			return p
		}
		pd, ok := dev(parent)
		if !ok || pd != d {
			return p
		}
		p = parent
	}
}

// existingDir returns the root's handle when rel is an existing directory
// (no link on the way); otherwise an error, fs.ErrNotExist for op when it
// is missing.
func (r *Root) existingDir(op string, rel []string) (*os.Root, error) {
	rr, err := r.handle()
	if err != nil {
		return nil, err
	}
	if rr == nil {
		return nil, &fs.PathError{Op: op, Path: r.Join(rel...), Err: fs.ErrNotExist}
	}
	ok, err := r.checkDirs(rr, rel)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, &fs.PathError{Op: op, Path: r.Join(rel...), Err: fs.ErrNotExist}
	}
	return rr, nil
}
