package mbox

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net/mail"
	"strings"
	"time"

	"github.com/mailferry/mailferry/importers"
)

// bufSize is the line buffer of the mboxrd writer and reader. A line may
// be longer; only the run of '>' at its start must fit.
const bufSize = 64 << 10

// errQuoteRun is returned for a line that starts with so many '>' that
// whether it is a "From " line cannot be told within the buffer.
var errQuoteRun = errors.New("a line starts with more than 64 KiB of '>'; mbox cannot store it")

// fromPrefix looks at the start of the line under br without consuming
// it: gts is the number of leading '>', from whether "From " follows them.
func fromPrefix(br *bufio.Reader) (gts int, from bool, err error) {
	for {
		b, err := br.Peek(gts + 1)
		if len(b) <= gts {
			if err == io.EOF || err == bufio.ErrBufferFull {
				return gts, false, nil
			}
			return gts, false, err
		}
		if b[gts] != '>' {
			break
		}
		gts++
		if gts >= bufSize-8 {
			return gts, false, errQuoteRun
		}
	}
	b, err := br.Peek(gts + 5)
	if len(b) < gts+5 {
		if err == io.EOF {
			return gts, false, nil
		}
		return gts, false, err
	}
	return gts, string(b[gts:]) == "From ", nil
}

// FromLine returns the envelope line written before a message:
// "From - " and the date in asctime form in the local time zone, as
// Thunderbird writes it (and as the mbox importer reads it back).
func FromLine(date time.Time) string {
	return "From - " + date.In(time.Local).Format(time.ANSIC) + "\n"
}

// headerDate returns the Date: field of the header at the start of br,
// looking at most at what fits in its buffer.
func headerDate(br *bufio.Reader) (time.Time, bool) {
	b, _ := br.Peek(bufSize)
	end := bytes.Index(b, []byte("\n\n"))
	if e2 := bytes.Index(b, []byte("\r\n\r\n")); e2 >= 0 && (end < 0 || e2 < end) {
		end = e2
	}
	if end >= 0 {
		b = b[:end]
	}
	msg, err := mail.ReadMessage(io.MultiReader(bytes.NewReader(b), strings.NewReader("\n\n")))
	if err != nil {
		return time.Time{}, false
	}
	d, err := msg.Header.Date()
	return d, err == nil
}

// writeMessage writes one message to w in mboxrd form: the From line,
// the body (read to its end) with every line matching ^>*From  given one
// more '>', a final newline if the body has none (mbox cannot keep a
// message without one), and the blank separator line.
func writeMessage(w *bufio.Writer, date time.Time, body io.Reader) error {
	br := bufio.NewReaderSize(body, bufSize)
	if date.IsZero() {
		if d, ok := headerDate(br); ok {
			date = d
		} else {
			date = time.Unix(0, 0)
		}
	}
	if _, err := w.WriteString(FromLine(date)); err != nil {
		return err
	}
	atStart, lastNL := true, false
	for {
		if atStart {
			_, from, err := fromPrefix(br)
			if err != nil {
				return err
			}
			if from {
				if err := w.WriteByte('>'); err != nil {
					return err
				}
			}
		}
		// Lines end at LF, CRLF or a lone CR, as for the mbox reader
		// (importers/mbox), so that a "From " line after a lone CR is
		// quoted too.
		line, err := importers.ReadLine(br)
		if len(line) > 0 {
			if _, werr := w.Write(line); werr != nil {
				return werr
			}
			lastNL = line[len(line)-1] == '\n'
		}
		if err == io.EOF {
			break
		}
		if err != nil && err != bufio.ErrBufferFull {
			return err
		}
		atStart = err == nil
	}
	if !lastNL {
		if err := w.WriteByte('\n'); err != nil {
			return err
		}
	}
	return w.WriteByte('\n')
}

// reader is a minimal streaming mboxrd reader (for Keys and tests): every
// line starting with "From " starts a message; ">From " lines lose one
// '>'; the blank line before the next "From " line (or the end of the file)
// is the separator and not part of the message.
type reader struct {
	br       *bufio.Reader
	started  bool
	nextFrom string // From line of the next message, read already
	cur      *msgReader
	err      error
}

func newReader(r io.Reader) *reader {
	return &reader{br: bufio.NewReaderSize(r, bufSize)}
}

// errNotMbox is returned for a file that does not start with "From ".
var errNotMbox = errors.New("not an mbox file (does not start with \"From \")")

// Next returns the next message's From line (without "From " and the line
// end) and a reader of its bytes; io.EOF after the last one. The previous
// message's reader is drained first.
func (r *reader) Next() (string, io.Reader, error) {
	if r.cur != nil {
		if _, err := io.Copy(io.Discard, r.cur); err != nil {
			return "", nil, err
		}
		r.cur = nil
	}
	if r.err != nil {
		return "", nil, r.err
	}
	if !r.started {
		r.started = true
		_, from, err := fromPrefix(r.br)
		if err != nil {
			return "", nil, err
		}
		if !from {
			if _, err := r.br.Peek(1); err == io.EOF {
				return "", nil, io.EOF // empty file
			}
			return "", nil, errNotMbox
		}
		line, err := r.br.ReadString('\n')
		if err != nil && err != io.EOF {
			return "", nil, err
		}
		r.nextFrom = line
	}
	if r.nextFrom == "" {
		return "", nil, io.EOF
	}
	from := strings.TrimRight(strings.TrimPrefix(r.nextFrom, "From "), "\r\n")
	r.nextFrom = ""
	r.cur = &msgReader{r: r, atStart: true}
	return from, r.cur, nil
}

type msgReader struct {
	r       *reader
	buf     []byte // owns the bytes of out
	out     []byte // bytes ready to be read
	blank   []byte // a held-back blank line
	atStart bool
	done    bool
}

func (m *msgReader) Read(p []byte) (int, error) {
	for len(m.out) == 0 {
		if m.done {
			return 0, io.EOF
		}
		if err := m.fill(); err != nil {
			m.r.err = err
			m.done = true
			return 0, err
		}
	}
	n := copy(p, m.out)
	m.out = m.out[n:]
	return n, nil
}

func (m *msgReader) fill() error {
	br := m.r.br
	m.buf = m.buf[:0]
	defer func() { m.out = m.buf }()
	if m.atStart {
		gts, from, err := fromPrefix(br)
		if err != nil {
			return err
		}
		if from && gts == 0 {
			line, err := br.ReadString('\n')
			if err != nil && err != io.EOF {
				return err
			}
			m.r.nextFrom = line
			m.done = true // the held-back blank line was the separator
			return nil
		}
		if from {
			br.Discard(1) // mboxrd: one '>' less
		}
	}
	line, err := br.ReadSlice('\n')
	if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
		return err
	}
	if m.atStart && err == nil && (len(line) == 1 || len(line) == 2 && line[0] == '\r') {
		m.buf = append(m.buf, m.blank...)
		m.blank = append(m.blank[:0], line...)
		return nil
	}
	if len(line) > 0 {
		m.buf = append(m.buf, m.blank...)
		m.blank = m.blank[:0]
		m.buf = append(m.buf, line...)
	}
	m.atStart = err == nil
	if err == io.EOF {
		m.done = true // a blank line still held back was the separator
	}
	return nil
}
