package mbox

import (
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
// A Sink that finds a journal it can lock (no other process holds it)
// truncates the mbox to that size, removing the torn tail of an interrupted
// append. The journal is locked with flock so that two runs never write
// the same mbox.
//
// Two fixed slots are written alternately, each with a sequence number
// and a CRC, so a write torn by a crash never leaves the journal without a
// valid record.

const (
	journalSuffix = ".mailferry-journal"
	slotSize      = 64
)

func journalName(mboxName string) string { return "." + mboxName + journalSuffix }

type journal struct {
	f   *os.File
	seq uint64
}

func record(seq uint64, size int64) []byte {
	body := fmt.Sprintf("%020d %020d", seq, size)
	return fmt.Appendf(nil, "mfj1 %s %08x\n", body, crc32.ChecksumIEEE([]byte(body)))
}

// parseRecord returns the sequence number and size of one slot.
func parseRecord(b []byte) (seq uint64, size int64, ok bool) {
	s := string(b)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	f := strings.Fields(s)
	if len(f) != 4 || f[0] != "mfj1" {
		return 0, 0, false
	}
	body := f[1] + " " + f[2]
	sum, err := strconv.ParseUint(f[3], 16, 32)
	if err != nil || uint32(sum) != crc32.ChecksumIEEE([]byte(body)) {
		return 0, 0, false
	}
	seq, err1 := strconv.ParseUint(f[1], 10, 64)
	size, err2 := strconv.ParseInt(f[2], 10, 64)
	if err1 != nil || err2 != nil || size < 0 {
		return 0, 0, false
	}
	return seq, size, true
}

// readJournal returns the committed size recorded in a journal: the
// valid slot with the higher sequence number.
func readJournal(r io.ReaderAt) (seq uint64, size int64, ok bool) {
	for slot := 0; slot < 2; slot++ {
		b := make([]byte, slotSize)
		n, _ := r.ReadAt(b, int64(slot*slotSize))
		if s, sz, good := parseRecord(b[:n]); good && (!ok || s > seq) {
			seq, size, ok = s, sz, true
		}
	}
	return seq, size, ok
}

// commit records size as committed and syncs the journal.
func (j *journal) commit(size int64) error {
	j.seq++
	if _, err := j.f.WriteAt(record(j.seq, size), int64(j.seq%2)*slotSize); err != nil {
		return err
	}
	return j.f.Sync()
}
