package mbox

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"strconv"
	"strings"
)

// The journal of an mbox file is ".<name>.mailferry-journal" next to it.
// It exists while a Sink has the mbox open (and after a crash) and holds
// the committed size of the mbox: the size before the append in progress.
// The journal is locked with flock so that two runs never write the same
// mbox.
//
// A journal never lets a run cut bytes it cannot prove are its own torn
// write (issue 13): other programs (Thunderbird, a local delivery) append
// to the same mbox between runs. Before the first byte of an append
// reaches the file, the journal records that an append of n messages is
// pending at the committed size, with the first bytes it will write (up
// to 1 KiB, verbatim). A later run judges what follows the committed size
// (the tail) with judge:
//
//   - no append pending, or the file is not longer, or the tail does not
//     start with our bytes (the From line at least): nothing of ours is
//     there; whatever follows was written by someone else and is kept;
//   - an append pending and the tail is the recorded bytes (or starts with
//     all of them) and holds no more "From " lines than the append had
//     messages: the tail is the interrupted append, and is cut;
//   - the tail starts with our From line but then differs from the
//     recorded bytes, or has more "From " lines: another program appended
//     after the interrupted write; nothing is cut, and the file is not
//     written until someone looks at it (an error naming the file).
//
// Two fixed slots are written alternately, each with a sequence number
// and a CRC, so a write torn by a crash never leaves the journal without a
// valid record.

const (
	journalSuffix = ".mailferry-journal"
	slotSize      = 4096
	headLen       = 1024 // bytes of a pending append kept verbatim
)

func journalName(mboxName string) string { return "." + mboxName + journalSuffix }

// isJournal reports whether name is a journal and returns the mbox name.
func isJournal(name string) (string, bool) {
	if !strings.HasPrefix(name, ".") || !strings.HasSuffix(name, journalSuffix) || len(name) <= 1+len(journalSuffix) {
		return "", false
	}
	return name[1 : len(name)-len(journalSuffix)], true
}

type journal struct {
	f   *os.File
	seq uint64
}

// jrec is one journal record: the committed size and, when an append is
// in progress, what it writes first.
type jrec struct {
	seq  uint64
	size int64
	// n is the number of messages of the pending append (0: none).
	n    int
	head []byte // its first bytes, at most headLen
}

func (r *jrec) encode() []byte {
	head := "-"
	if r.n > 0 {
		head = hex.EncodeToString(r.head)
	}
	body := fmt.Sprintf("%020d %020d %d %s", r.seq, r.size, r.n, head)
	return fmt.Appendf(nil, "mfj2 %s %08x\n", body, crc32.ChecksumIEEE([]byte(body)))
}

// parseRecord parses one slot. Records of the first format ("mfj1", the
// committed size only) are read as having no append pending.
func parseRecord(b []byte) (r jrec, ok bool) {
	s := string(b)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	f := strings.Fields(s)
	if len(f) < 2 {
		return r, false
	}
	var body string
	switch {
	case f[0] == "mfj1" && len(f) == 4:
		body = f[1] + " " + f[2]
	case f[0] == "mfj2" && len(f) == 6:
		body = strings.Join(f[1:5], " ")
	default:
		return r, false
	}
	sum, err := strconv.ParseUint(f[len(f)-1], 16, 32)
	if err != nil || uint32(sum) != crc32.ChecksumIEEE([]byte(body)) {
		return r, false
	}
	seq, err1 := strconv.ParseUint(f[1], 10, 64)
	size, err2 := strconv.ParseInt(f[2], 10, 64)
	if err1 != nil || err2 != nil || size < 0 {
		return r, false
	}
	r.seq, r.size = seq, size
	if f[0] == "mfj1" {
		return r, true
	}
	n, err := strconv.Atoi(f[3])
	if err != nil || n < 0 {
		return r, false
	}
	if n > 0 {
		head, err := hex.DecodeString(f[4])
		if err != nil || len(head) == 0 || len(head) > headLen {
			return r, false
		}
		r.n, r.head = n, head
	}
	return r, true
}

// readJournal returns the valid record with the higher sequence number.
func readJournal(r io.ReaderAt) (rec jrec, ok bool) {
	for slot := 0; slot < 2; slot++ {
		b := make([]byte, slotSize)
		n, _ := r.ReadAt(b, int64(slot*slotSize))
		if s, good := parseRecord(b[:n]); good && (!ok || s.seq > rec.seq) {
			rec, ok = s, true
		}
	}
	return rec, ok
}

func (j *journal) write(r jrec) error {
	j.seq++
	r.seq = j.seq
	if _, err := j.f.WriteAt(r.encode(), int64(j.seq%2)*slotSize); err != nil {
		return err
	}
	return j.f.Sync()
}

// commit records size as committed, with no append pending, and syncs
// the journal.
func (j *journal) commit(size int64) error { return j.write(jrec{size: size}) }

// pending records that an append of n messages starting with first is
// about to be written at the committed size, and syncs the journal.
func (j *journal) pending(size int64, n int, first []byte) error {
	r := jrec{size: size, n: max(n, 1)}
	r.head = append([]byte(nil), first[:min(len(first), headLen)]...)
	return j.write(r)
}

// verdict is what judge says about the bytes after the committed size.
type verdict int

const (
	tailNone    verdict = iota // the file ends at the committed size
	tailForeign                // what follows is not ours: keep it
	tailOurs                   // our interrupted append: cut it
	tailMixed                  // our interrupted append, then someone else's: touch nothing
)

// judge compares the mbox f of the given size with the journal record.
func judge(f io.ReaderAt, size int64, r jrec) verdict {
	switch {
	case size == r.size:
		return tailNone
	case size < r.size || r.n == 0:
		return tailForeign
	}
	tail := size - r.size
	buf := make([]byte, min(tail, int64(len(r.head))))
	if n, _ := f.ReadAt(buf, r.size); n < len(buf) {
		return tailForeign
	}
	p := 0
	for p < len(buf) && buf[p] == r.head[p] {
		p++
	}
	switch {
	case p < len(buf) && p > fromLineEnd(r.head):
		// Our From line, then other bytes: torn, then someone appended.
		return tailMixed
	case p < len(buf):
		return tailForeign
	case tail <= int64(len(r.head)):
		return tailOurs // every byte is what we were writing
	}
	// Our messages are mboxrd-quoted: no line of theirs starts with
	// "From " but their own From lines. More of them than the append had
	// messages means another program appended after it.
	if fromLines(io.NewSectionReader(f, r.size, tail), r.n+1) > r.n {
		return tailMixed
	}
	return tailOurs
}

// fromLineEnd returns where the first From line of an append ends.
func fromLineEnd(b []byte) int {
	i := bytes.Index(b, []byte("From "))
	if i < 0 {
		return len(b)
	}
	j := bytes.IndexByte(b[i:], '\n')
	if j < 0 {
		return len(b)
	}
	return i + j + 1
}

// fromLines counts the lines starting with "From " in r, stopping at
// limit.
func fromLines(r io.Reader, limit int) int {
	br := bufio.NewReaderSize(r, 64<<10)
	n, atStart := 0, true
	for n < limit {
		line, err := br.ReadSlice('\n')
		if atStart && bytes.HasPrefix(line, []byte("From ")) {
			n++
		}
		if err == bufio.ErrBufferFull {
			atStart = false
			continue
		}
		if err != nil {
			break
		}
		atStart = true
	}
	return n
}
