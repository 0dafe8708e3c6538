package imapclient

import (
	"io"

	"github.com/emersion/go-imap/v2"
	"github.com/mailferry/mailferry/importers"
)

// ReadHeader reads at most limit bytes of a header literal (the rest is
// left for go-imap to discard). A literal the connection cut short is
// io.ErrUnexpectedEOF: then do not touch the FETCH command again
// (Conn.Abandon).
func ReadHeader(lit imap.LiteralReader, limit int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(lit, limit))
	if err == nil && int64(len(b)) < min(lit.Size(), limit) {
		err = io.ErrUnexpectedEOF // the connection broke inside the literal
	}
	return b, err
}

// SpoolLiteral spools a whole message literal (memory, then a temporary
// file in dir). A literal the connection cut short is
// io.ErrUnexpectedEOF.
//
// QUIRK: go-imap reports a literal cut short by the connection as io.EOF,
// not io.ErrUnexpectedEOF: the length is what tells.
func SpoolLiteral(lit imap.LiteralReader, dir string) (importers.Body, error) {
	b, err := importers.SpoolSize(lit, lit.Size(), importers.DefaultSpoolMem, dir)
	if err == nil && b.Len() != lit.Size() {
		b.Release()
		err = io.ErrUnexpectedEOF
	}
	return b, err
}
