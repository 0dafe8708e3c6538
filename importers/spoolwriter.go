package importers

import (
	"bytes"
	"os"
)

// SpoolWriter is Spool for a body that is written rather than read (a
// message built from an Outlook item): in memory up to memMax bytes
// (DefaultSpoolMem when 0), then in a temporary file in dir that the
// Body's Release removes. Writing straight into it spares the builder a
// goroutine and a pipe per message.
type SpoolWriter struct {
	buf    bytes.Buffer
	memMax int64
	dir    string
	sf     *spoolFile
	err    error
}

// NewSpoolWriter returns an empty SpoolWriter.
func NewSpoolWriter(memMax int64, dir string) *SpoolWriter {
	if memMax <= 0 {
		memMax = DefaultSpoolMem
	}
	return &SpoolWriter{memMax: memMax, dir: dir}
}

// Write appends p. After an error every later Write fails with it.
func (w *SpoolWriter) Write(p []byte) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	if w.sf == nil {
		if int64(w.buf.Len())+int64(len(p)) <= w.memMax {
			return w.buf.Write(p)
		}
		f, err := os.CreateTemp(w.dir, "mailferry-spool-*")
		if err != nil {
			w.err = err
			return 0, err
		}
		w.sf = &spoolFile{f: f}
		if unlinkOpen && os.Remove(f.Name()) == nil {
			w.sf.unlinked = true
		}
		n, err := f.Write(w.buf.Bytes())
		w.sf.size = int64(n)
		w.buf = bytes.Buffer{}
		if err != nil {
			w.err = err
			return 0, err
		}
	}
	n, err := w.sf.f.Write(p)
	w.sf.size += int64(n)
	if err != nil {
		w.err = err
	}
	return n, err
}

// Body returns what was written as a Body; the SpoolWriter must not be
// used afterwards.
func (w *SpoolWriter) Body() (Body, error) {
	if w.err != nil {
		w.Abort()
		return nil, w.err
	}
	if w.sf != nil {
		return w.sf, nil
	}
	return BytesBody(w.buf.Bytes()), nil
}

// Abort drops what was written (removes the temporary file, if any).
func (w *SpoolWriter) Abort() {
	if w.sf != nil {
		w.sf.Release()
		w.sf = nil
	}
	w.buf = bytes.Buffer{}
}
