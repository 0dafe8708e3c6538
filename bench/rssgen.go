package main

import (
	"bytes"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/mailferry/mailferry/importers/keycache"
	"github.com/mailferry/mailferry/importers/maildir"
	"github.com/mailferry/mailferry/internal/corpus"
)

// generateFast writes the corpus `mailferry gen` writes (the same
// messages, flags and dates: corpus.GenMessage, in the same 21 Maildir++
// folders) straight into files, without the engine and without an fsync
// per batch: a 1,000,000-message corpus takes minutes instead of an hour
// on a busy VM. The file names follow mailferry's Maildir writer
// (<time>.M…P…Q…R….<host>,S=<size>,W=<CRLF size>:2,<flags>), their time
// part the message's date.
func generateFast(dir string, count, avg int) (int64, error) {
	log.Printf("writing %d messages (mean %d bytes) into %s", count, avg, dir)
	o := corpus.GenOptions{Count: count, AvgSize: avg, Folders: corpus.DefaultGenFolders}
	dirs := make([]string, len(o.Folders))
	for i, f := range o.Folders {
		dirs[i] = filepath.Join(dir, maildir.PlusDirName(f, false))
		for _, sub := range []string{"cur", "new", "tmp"} {
			if err := os.MkdirAll(filepath.Join(dirs[i], sub), 0o755); err != nil {
				return 0, err
			}
		}
		if i > 0 {
			if err := os.WriteFile(filepath.Join(dirs[i], "maildirfolder"), nil, 0o644); err != nil {
				return 0, err
			}
		}
	}
	var total int64
	var buf bytes.Buffer
	for i := range count {
		m := corpus.GenMessage(o, i)
		r, err := m.Body.Open()
		if err != nil {
			return 0, err
		}
		buf.Reset()
		_, err = io.Copy(&buf, r)
		r.Close()
		if err != nil {
			return 0, err
		}
		raw := buf.Bytes()
		crlf := int64(len(raw) + bytes.Count(raw, []byte("\n")) - bytes.Count(raw, []byte("\r\n")))
		letters, _ := maildir.FormatFlags(m.Flags, nil)
		name := fmt.Sprintf("%d.M%dP%dQ%dR%08x.bench,S=%d,W=%d:2,%s", m.InternalDate.Unix(), i%1000000, os.Getpid(), i, uint32(i)*2654435761,
			len(raw), crlf, letters)
		p := filepath.Join(dirs[i%len(o.Folders)], "cur", name)
		if err := os.WriteFile(p, raw, 0o644); err != nil {
			return 0, err
		}
		if err := os.Chtimes(p, m.InternalDate, m.InternalDate); err != nil {
			return 0, err
		}
		total += int64(len(raw))
	}
	n, size, err := countMaildir(dir)
	if err != nil {
		return 0, err
	}
	if n != count || size != total {
		return 0, fmt.Errorf("corpus has %d messages (%d bytes), want %d (%d)", n, size, count, total)
	}
	// The files are old (their dates), but their ctimes are now: the key
	// cache does not record a file changed within its racy window.
	time.Sleep(keycache.RacyWindow)
	return total, nil
}
