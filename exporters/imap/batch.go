package imap

import (
	"bytes"
	"context"
	"errors"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/mailferry/mailferry/dedupe"
	"github.com/mailferry/mailferry/exporters"
	ic "github.com/mailferry/mailferry/internal/imapclient"
)

var _ exporters.BatchTarget = (*Target)(nil)

// AppendBatch implements exporters.BatchTarget with one MULTIAPPEND
// (RFC 3502) on a second connection driven by internal/imapclient.RawConn:
// go-imap v2 cannot send it. Dovecot stores the messages in one
// transaction, all or none, far faster than one APPEND each. Without
// MULTIAPPEND the messages are appended one by one; a failure after the
// first is a *exporters.PartialBatchError saying how many were stored.
func (t *Target) AppendBatch(ctx context.Context, items []exporters.BatchItem) error {
	if !t.exists {
		if err := t.Create(ctx); err != nil {
			return err
		}
	}
	rc, err := t.s.rawConn(ctx)
	if err != nil {
		return err
	}
	if rc == nil || len(items) == 1 {
		// One by one: the server keeps what it accepted before a failure,
		// so the engine must learn how many arrived (PartialBatchError).
		for i, it := range items {
			if err := t.appendData(ctx, it.M, int64(len(it.Data)), bytes.NewReader(it.Data), it.Data); err != nil {
				if i == 0 {
					return err
				}
				return &exporters.PartialBatchError{Stored: i, Err: err}
			}
		}
		return nil
	}
	msgs := make([]ic.RawMessage, len(items))
	for i, it := range items {
		msgs[i] = ic.RawMessage{Flags: it.M.Flags, Date: it.M.InternalDate, Data: it.Data}
	}
	err = rc.Append(ctx, t.name, msgs)
	if err == nil {
		t.noteBatch(items, rc)
		return nil
	}
	var ie *imap.Error
	if errors.As(err, &ie) {
		return t.appendError(err)
	}
	return err
}

// rawIdle is how long the MULTIAPPEND connection may stay unused before
// it is replaced (servers close idle connections after 30 minutes or
// less; a NAT box may drop them sooner).
const rawIdle = 2 * time.Minute

// rawConn returns the MULTIAPPEND connection, dialing it when needed; nil
// when the server has no MULTIAPPEND.
func (s *Sink) rawConn(ctx context.Context) (*ic.RawConn, error) {
	if s.noMulti {
		return nil, nil
	}
	if s.raw != nil && s.raw.Alive() && time.Since(s.rawUsed) < rawIdle {
		s.rawUsed = time.Now()
		return s.raw, nil
	}
	if s.raw != nil {
		// Idle for long: the server may have closed it without our
		// noticing, and a batch must not be sent into a dead connection.
		s.raw.Close()
		s.raw = nil
	}
	rc, err := s.sess.DialRaw(ctx)
	if err != nil {
		return nil, err
	}
	if !rc.Has("MULTIAPPEND") {
		rc.Close()
		s.noMulti = true
		return nil, nil
	}
	s.raw, s.rawUsed = rc, time.Now()
	return rc, nil
}

// noteBatch keeps the messages of a stored batch whose headers have raw
// 8-bit bytes, with the UIDs of the server's APPENDUID (alter.go).
func (t *Target) noteBatch(items []exporters.BatchItem, rc *ic.RawConn) {
	validity, uids, ok := rc.AppendUIDs()
	if !ok || len(uids) != len(items) {
		return
	}
	var known []invEntry // for the inventory cache (invcache.go)
	inv := t.s.inv()
	for i, it := range items {
		if hdr, eightBit, ok := headerOf(it.Data); ok && eightBit {
			t.noteSent(it.M, it.Data, hdr, int64(len(it.Data)), validity, uids[i])
			continue // the server may alter it: let the next Inventory look
		}
		if inv == nil {
			continue
		}
		if k, kind, err := dedupe.Of(bytes.NewReader(it.Data)); err == nil && kind == dedupe.ByMessageID {
			known = append(known, invEntry{uid: uids[i], size: int64(len(it.Data)), key: k})
		}
	}
	inv.add(t.name, validity, known)
}
