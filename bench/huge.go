package main

// -huge MB: one message of that size (a big attachment) pushed from a
// Maildir to the private Dovecot and pulled back into a new Maildir by
// mailferry; peak RSS of each (getrusage of the child, as everywhere in
// bench), and the bytes checked: the pulled file must hash like the
// source (line endings aside: IMAP carries CRLF).
//
//	go run ./bench -huge 200 -rounds 1

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"io/fs"
	"log"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"text/tabwriter"

	"github.com/mailferry/mailferry/internal/labserver"
)

// writeHuge writes a Maildir holding one message of about size bytes: a
// short text part and a base64 attachment of random bytes (LF line
// endings, 76-character lines).
func writeHuge(dir string, size int64) (int64, error) {
	for _, sub := range []string{"cur", "new", "tmp"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o700); err != nil {
			return 0, err
		}
	}
	p := filepath.Join(dir, "cur", "1700000000.M1P1.bench:2,S")
	f, err := os.Create(p)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	w := bufio.NewWriterSize(f, 1<<20)
	fmt.Fprintf(w, "From: Bench <bench@example.org>\nTo: alice@example.org\nSubject: one huge attachment\n"+
		"Date: Tue, 14 Nov 2023 22:13:20 +0000\nMessage-ID: <huge-%d@bench.example.org>\nMIME-Version: 1.0\n"+
		"Content-Type: multipart/mixed; boundary=\"b0\"\n\n--b0\nContent-Type: text/plain\n\nSee the attachment.\n\n"+
		"--b0\nContent-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n"+
		"Content-Disposition: attachment; filename=\"big.bin\"\n\n", size)
	rng := rand.New(rand.NewPCG(1, 2))
	raw := make([]byte, 57)
	line := make([]byte, 77)
	for written := int64(0); written < size*57/78; written += 57 {
		for i := range raw {
			raw[i] = byte(rng.Uint32())
		}
		base64.StdEncoding.Encode(line, raw)
		line[76] = '\n'
		w.Write(line)
	}
	w.WriteString("--b0--\n")
	if err := w.Flush(); err != nil {
		return 0, err
	}
	fi, err := f.Stat()
	if err != nil {
		return 0, err
	}
	return fi.Size(), nil
}

// lfHash hashes a file with CRLF turned into LF.
func lfHash(p string) (string, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	br := bufio.NewReaderSize(f, 1<<20)
	for {
		line, err := br.ReadSlice('\n')
		if bytes.HasSuffix(line, []byte("\r\n")) {
			h.Write(line[:len(line)-2])
			h.Write([]byte("\n"))
		} else {
			h.Write(line)
		}
		if err == io.EOF {
			break
		}
		if err != nil && err != bufio.ErrBufferFull {
			return "", err
		}
	}
	return fmt.Sprintf("%x", h.Sum(nil)), nil
}

// onlyMessage is the path of the one message file of a Maildir++ tree.
func onlyMessage(root string) (string, error) {
	var found []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			if b := filepath.Base(filepath.Dir(p)); b == "cur" || b == "new" {
				found = append(found, p)
			}
		}
		return nil
	})
	if err == nil && len(found) != 1 {
		err = fmt.Errorf("%s holds %d messages, want 1", root, len(found))
	}
	if err != nil {
		return "", err
	}
	return found[0], nil
}

func runHuge(mb, rounds int, extra []string, keep bool) error {
	work, bin, srv, done, err := setup(keep)
	if err != nil {
		return err
	}
	defer done()
	env := append(os.Environ(), "MAILFERRY_PASSWORD="+labserver.Password)
	url := "imap://alice@" + srv.Addr
	corpus := filepath.Join(work, "corpus")
	log.Printf("writing one message of %d MB", mb)
	size, err := writeHuge(corpus, int64(mb)<<20)
	if err != nil {
		return err
	}
	src, err := onlyMessage(corpus)
	if err != nil {
		return err
	}
	want, err := lfHash(src)
	if err != nil {
		return err
	}
	push := &series{op: "push Maildir → IMAP", tool: "mailferry", msgs: 1, bytes: size}
	pull := &series{op: "pull IMAP → Maildir", tool: "mailferry", msgs: 1, bytes: size}
	for r := 0; r < rounds; r++ {
		if err := srv.Reset("alice"); err != nil {
			return err
		}
		penv := append(env, "XDG_CACHE_HOME="+filepath.Join(work, fmt.Sprintf("cache-%d", r)))
		res, err := measure(profiled(penv, fmt.Sprintf("huge-push-%d", r+1)), bin, copyArgs(extra, "maildir:"+corpus, url)...)
		if err != nil {
			return fmt.Errorf("push: %w", err)
		}
		if got, err := serverCount(srv); err != nil || got != 1 {
			return fmt.Errorf("push: the server holds %d messages, want 1 (%v)", got, err)
		}
		push.runs = append(push.runs, res)
		out := filepath.Join(work, "pull")
		os.RemoveAll(out)
		pres, err := measure(profiled(env, fmt.Sprintf("huge-pull-%d", r+1)), bin, copyArgs(extra, url, "maildir:"+out)...)
		if err != nil {
			return fmt.Errorf("pull: %w", err)
		}
		got, err := onlyMessage(out)
		if err != nil {
			return fmt.Errorf("pull: %w", err)
		}
		if h, err := lfHash(got); err != nil || h != want {
			return fmt.Errorf("pull: %s hashes %s, the source %s (%v)", got, h, want, err)
		}
		pull.runs = append(pull.runs, pres)
		log.Printf("round %d: push %.2fs %.0f MB RSS, pull %.2fs %.0f MB RSS", r+1,
			res.wall.Seconds(), float64(res.rss)/1e6, pres.wall.Seconds(), float64(pres.rss)/1e6)
	}
	fmt.Printf("\none message of %.1f MB, %d rounds (median; peak RSS: the highest), %d CPUs, %s\n\n", float64(size)/1e6, rounds, runtime.NumCPU(), connsOf(extra))
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "operation\tseconds\tMB/s\tpeak RSS MB\t")
	for _, s := range []*series{push, pull} {
		m := s.median()
		fmt.Fprintf(tw, "%s\t%.2f\t%.1f\t%.0f\t\n", s.op, m.wall.Seconds(), float64(size)/1e6/m.wall.Seconds(), float64(m.rss)/1e6)
	}
	tw.Flush()
	fmt.Println(strings.TrimSpace("\nthe pulled message hashes like the source (CRLF read as LF)"))
	return nil
}
