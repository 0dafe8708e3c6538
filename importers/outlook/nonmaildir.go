package outlook

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"

	"github.com/mailferry/mailferry/importers"
	"os"
	"path/filepath"
	"strings"
	"unicode"
	"unicode/utf8"
)

// NonMailDir is the directory of --nonmail DIR: items that are not mail
// are written into it as .vcf, .ics and .txt files. Every file is created
// 0600 through an os.Root (no path leaves DIR, no symbolic link is
// followed), under a temporary name with O_EXCL, then linked to its final
// name, which never replaces a file. Names are stable (the item's title
// and a hash of its identity), so a second run finds the file it wrote
// and writes nothing. Safe for concurrent use, also by several processes.
type NonMailDir struct {
	path string
	root *os.Root
}

// OpenNonMailDir opens (creating it 0700 if needed) the directory path.
func OpenNonMailDir(path string) (*NonMailDir, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(abs, 0o700); err != nil {
		return nil, fmt.Errorf("--nonmail %s: %w", path, err)
	}
	r, err := os.OpenRoot(abs)
	if err != nil {
		return nil, fmt.Errorf("--nonmail %s: %w", path, err)
	}
	return &NonMailDir{path: abs, root: r}, nil
}

// Path is the directory's absolute path.
func (d *NonMailDir) Path() string { return d.path }

// Close releases the directory.
func (d *NonMailDir) Close() error { return d.root.Close() }

// Save writes n; id identifies the item in its source across runs (a
// PST's node ID, a .msg file's path below the tree). It returns the path
// of the file (written now, or found identical from an earlier run), or
// "" for kinds that are not written.
func (d *NonMailDir) Save(n *NonMail, id string) (string, error) {
	ext := n.Ext()
	if ext == "" {
		return "", nil
	}
	sum := sha256.Sum256([]byte(n.Kind + "\x00" + id))
	h := hex.EncodeToString(sum[:])
	data := n.Write("mailferry-" + h[:32])
	base := SafeName(n.Title(), n.Kind) + "-" + h[:8]
	name := base + ext
	for attempt := 0; ; attempt++ {
		err := d.create(name, data)
		if err == nil {
			return filepath.Join(d.path, name), nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return "", fmt.Errorf("writing %s: %w", filepath.Join(d.path, name), err)
		}
		same, serr := d.same(name, data)
		if serr != nil {
			return "", fmt.Errorf("reading %s: %w", filepath.Join(d.path, name), serr)
		}
		if same {
			return filepath.Join(d.path, name), nil
		}
		if attempt > 0 {
			return "", fmt.Errorf("%s exists with other content", filepath.Join(d.path, name))
		}
		// Another item with the same name and identity (two stores, an
		// item changed since the last run): its content names it.
		c := sha256.Sum256(data)
		name = base + "-" + hex.EncodeToString(c[:4]) + ext
	}
}

// create writes data to name, failing with fs.ErrExist when name exists.
func (d *NonMailDir) create(name string, data []byte) error {
	var rnd [8]byte
	rand.Read(rnd[:])
	tmp := ".tmp-" + hex.EncodeToString(rnd[:])
	f, err := d.root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		// Link never replaces an existing name (rename would).
		err = d.root.Link(tmp, name)
	}
	d.root.Remove(tmp)
	return err
}

// same reports whether name is a regular file (not a link) holding data.
func (d *NonMailDir) same(name string, data []byte) (bool, error) {
	fi, err := d.root.Lstat(name)
	if err != nil {
		return false, err
	}
	if !fi.Mode().IsRegular() || fi.Size() != int64(len(data)) {
		return false, nil
	}
	f, err := d.root.OpenFile(name, os.O_RDONLY|syscallNoFollow, 0)
	if err != nil {
		return false, err
	}
	defer f.Close()
	got, err := io.ReadAll(io.LimitReader(f, int64(len(data))+1))
	if err != nil {
		return false, err
	}
	return bytes.Equal(got, data), nil
}

// SafeName turns a title into a file name component: letters, digits and
// a few punctuation marks kept, everything else (separators, control
// characters, dots at the start) replaced by '_', at most 60 bytes;
// fallback when nothing is left.
func SafeName(title, fallback string) string {
	var b strings.Builder
	for _, r := range strings.TrimSpace(title) {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune(" -_+@()&',", r):
			if b.Len()+utf8.RuneLen(r) > 60 {
				return finishName(b.String(), fallback)
			}
			b.WriteRune(r)
		default:
			if b.Len()+1 > 60 {
				return finishName(b.String(), fallback)
			}
			b.WriteByte('_')
		}
	}
	return finishName(b.String(), fallback)
}

func finishName(s, fallback string) string {
	s = strings.TrimSpace(s)
	if strings.Trim(s, "_ ") == "" {
		return fallback
	}
	return s
}

// NonMailOption is the --nonmail DIR setting of the Outlook sources (pst,
// msg): where they write the items that are not mail (contacts as .vcf,
// appointments, tasks and journal entries as .ics, notes as .txt); ""
// writes none. The items are reported as importers.SkipError either way.
var NonMailOption = importers.DriverOption{Name: "nonmail", Writes: true,
	Help: "pst/msg: write contacts and distribution lists (.vcf), appointments, tasks, journal (.ics) and notes (.txt) into this directory"}

// Settings are the settings the Outlook sources share.
type Settings struct {
	NonMailDir string // NonMailOption
}

// SettingsOf reads the Outlook settings of opts.
func SettingsOf(opts *importers.Options) Settings {
	return Settings{NonMailDir: opts.DriverString(NonMailOption.Name)}
}

// Options returns importers.Options carrying s (for callers of Open).
func (s Settings) Options() *importers.Options {
	return &importers.Options{Driver: importers.DriverValues{NonMailOption.Name: s.NonMailDir}}
}

// OpenNonMail opens the directory of SettingsOf(opts).NonMailDir; nil
// when there is none.
func OpenNonMail(opts *importers.Options) (*NonMailDir, error) {
	if dir := SettingsOf(opts).NonMailDir; dir != "" {
		return OpenNonMailDir(dir)
	}
	return nil, nil
}
