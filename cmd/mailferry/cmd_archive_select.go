package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"github.com/mailferry/mailferry/internal/atomicfile"
	"github.com/mailferry/mailferry/internal/engine"
	"io"
	"net/mail"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/mailferry/mailferry/importers"
	imapimp "github.com/mailferry/mailferry/internal/imapclient"
)

// archiveSel is the selection of one run and the state around it.
type archiveSel struct {
	folders   []*archiveFolder
	total     int64
	res       *archiveResult
	state     *archiveState
	statePath string
	selKey    string
}

// archiveState is the archive's incremental state: per server mailbox,
// what STATUS said after the last run and the date at which its oldest
// remaining message becomes old enough. A mailbox whose STATUS is the
// same and whose next date is still in the future is not read at all.
type archiveState struct {
	Selection string                        `json:"selection"`
	Folders   map[string]archiveFolderState `json:"folders"`
}

type archiveFolderState struct {
	UIDValidity   uint32    `json:"uidvalidity"`
	UIDNext       uint32    `json:"uidnext"`
	Messages      uint32    `json:"messages"`
	HighestModSeq uint64    `json:"highestmodseq,omitempty"`
	NextAge       time.Time `json:"next_age"` // zero: nothing left that can age
	Clean         bool      `json:"clean"`    // every selected message was moved or gone
}

func archiveStatePath(o *archiveOptions, srcID, dstSpec string) (string, error) {
	if o.stateFile != "" {
		return o.stateFile, nil
	}
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	h := sha256.Sum256([]byte(srcID + "\x00" + dstSpec))
	return filepath.Join(dir, "mailferry", "archive-"+hex.EncodeToString(h[:8])+".json"), nil
}

func (s *archiveSel) saveState() error {
	if s.statePath == "" || s.res.DryRun {
		return nil
	}
	b, err := json.MarshalIndent(s.state, "", " ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(s.statePath), 0o700); err != nil {
		return err
	}
	return atomicfile.Write(s.statePath, b, 0o600)
}

func statusOptions(c *imapimp.Conn) *imap.StatusOptions {
	return &imap.StatusOptions{UIDValidity: true, UIDNext: true, NumMessages: true, HighestModSeq: c.Caps.Has(imap.CapCondStore)}
}

func stateOf(st *imap.StatusData) archiveFolderState {
	var s archiveFolderState
	if st == nil {
		return s
	}
	s.UIDValidity = st.UIDValidity
	s.UIDNext = uint32(st.UIDNext)
	if st.NumMessages != nil {
		s.Messages = *st.NumMessages
	}
	s.HighestModSeq = st.HighestModSeq
	return s
}

// archiveSelect lists the folders, reads what changed and picks the
// messages that leave.
func archiveSelect(ctx context.Context, g *globalOptions, o *archiveOptions, c *imapimp.Conn, mp *engine.Mapper, cutoff time.Time, target float64, srcSpec, dstSpec string) (*archiveSel, error) {
	s := &archiveSel{res: &archiveResult{}}
	s.selKey = fmt.Sprintf("older=%s by=%s flagged=%v unread=%v", o.olderThan, o.byDate, o.keepFlagged, o.keepUnread)
	if o.untilUsage != "" {
		s.selKey += " until=" + o.untilUsage
	}
	var err error
	if s.statePath, err = archiveStatePath(o, c.Endpoint.String(), dstSpec); err != nil {
		s.statePath = ""
	}
	s.state = &archiveState{Folders: map[string]archiveFolderState{}}
	if b, err := os.ReadFile(s.statePath); err == nil {
		var st archiveState
		if json.Unmarshal(b, &st) == nil && st.Selection == s.selKey && st.Folders != nil {
			s.state = &st
		}
	}
	s.state.Selection = s.selKey
	q, qok := quotaOf(c)
	s.res.QuotaKnown = qok
	s.res.UsedBefore, s.res.UsedAfter, s.res.Limit = q.used, q.used, q.limit
	if o.untilUsage != "" && !qok {
		return nil, &textError{"--until-usage: the server reports no storage quota (QUOTA), so mailferry cannot tell how full the box is; use --older-than"}
	}
	var need int64
	if o.untilUsage != "" {
		need = q.used - int64(target*float64(q.limit))
		if need <= 0 && o.olderThan == "" {
			return s, nil // at or under the target already: one quota query
		}
	}
	list, err := c.List(statusOptions(c))
	if err != nil {
		return nil, c.Err(err)
	}
	var cands []archiveMsg
	for _, mi := range list {
		if mi.NoSelect {
			continue
		}
		if !mp.Selected(mi.Folder) || (archiveSkippedByDefault(mi) && !includedByName(o, mi.Folder)) {
			continue
		}
		f := &archiveFolder{info: mi, Name: mi.Folder.String()}
		fi := len(s.folders)
		s.folders = append(s.folders, f)
		now := stateOf(mi.Status)
		old, ok := s.state.Folders[mi.Name]
		if ok && old.Clean && old.UIDValidity == now.UIDValidity && old.UIDNext == now.UIDNext &&
			old.Messages == now.Messages && old.HighestModSeq == now.HighestModSeq &&
			o.untilUsage == "" && (old.NextAge.IsZero() || old.NextAge.After(cutoff)) {
			f.Unchanged = true
			continue
		}
		ms, err := s.readFolder(ctx, o, c, fi, cutoff)
		if err != nil {
			return nil, err
		}
		cands = append(cands, ms...)
	}
	if o.untilUsage != "" {
		if need <= 0 {
			cands = nil
		} else {
			sort.SliceStable(cands, func(i, j int) bool { return cands[i].date.Before(cands[j].date) })
			var sum int64
			n := 0
			for n < len(cands) && sum < need {
				sum += cands[n].size
				n++
			}
			if sum < need {
				var all int64
				for _, m := range cands {
					all += m.size
				}
				return nil, &archiveQuotaError{format: "--until-usage %s cannot be reached: the box uses %s of %s (%s); archiving every selected message (%s messages, %s) would leave it at %s. Nothing was changed. Select more (a shorter --older-than, more folders, without --keep-flagged/--keep-unread) or choose a higher target.",
					args: []any{o.untilUsage, engine.HumanBytes(q.used), engine.HumanBytes(q.limit), pct(q.used, q.limit), thousands(int64(len(cands))), engine.HumanBytes(all), pct(q.used-all, q.limit)}}
			}
			// The rest stays; its oldest date is not a state (usage mode
			// is decided by the quota each run).
			cands = cands[:n]
		}
	}
	for _, f := range s.folders {
		f.uids = map[uint32]archiveMsg{}
	}
	for _, m := range cands {
		f := s.folders[m.folder]
		f.uids[m.uid] = m
		f.Selected++
		f.SelBytes += m.size
		s.total++
	}
	for _, f := range s.folders {
		st := stateOf(f.info.Status)
		if f.Unchanged {
			continue
		}
		st.NextAge = f.nextAge
		st.Clean = f.Selected == 0
		s.state.Folders[f.info.Name] = st
	}
	s.res.Folders = s.folders
	return s, nil
}

// readFolder fetches the metadata of one folder and returns the messages
// old enough (all of them without --older-than) and not kept by flags.
func (s *archiveSel) readFolder(ctx context.Context, o *archiveOptions, c *imapimp.Conn, fi int, cutoff time.Time) ([]archiveMsg, error) {
	f := s.folders[fi]
	sel, err := c.Select(f.info.Name, true)
	if err != nil {
		return nil, c.Err(fmt.Errorf("SELECT %q: %w", f.Name, err))
	}
	if sel.NumMessages == 0 {
		return nil, nil
	}
	fo := &imap.FetchOptions{UID: true, Flags: true, InternalDate: true, RFC822Size: true}
	if o.byDate == "header" {
		fo.BodySection = []*imap.FetchItemBodySection{{Specifier: imap.PartSpecifierHeader, HeaderFields: []string{"Date"}, Peek: true}}
	}
	stop := c.Watch(ctx)
	defer stop()
	cmd := c.C.Fetch(imap.SeqSet{imap.SeqRange{Start: 1, Stop: 0}}, fo)
	var out []archiveMsg
	for m := cmd.Next(); m != nil; m = cmd.Next() {
		buf, err := m.Collect()
		if err != nil || buf.UID == 0 {
			continue
		}
		am := archiveMsg{folder: fi, uid: uint32(buf.UID), date: buf.InternalDate, idate: buf.InternalDate, size: buf.RFC822Size}
		if o.byDate == "header" {
			for _, b := range buf.BodySection {
				if hdr, err := mail.ReadMessage(strings.NewReader(string(b.Bytes) + "\r\n")); err == nil {
					if d, err := mail.ParseDate(hdr.Header.Get("Date")); err == nil {
						am.date = d
					}
				}
			}
		}
		flagged, seen := false, false
		for _, fl := range buf.Flags {
			switch {
			case strings.EqualFold(string(fl), string(imap.FlagFlagged)):
				flagged = true
			case strings.EqualFold(string(fl), string(imap.FlagSeen)):
				seen = true
			}
		}
		if (o.keepFlagged && flagged) || (o.keepUnread && !seen) {
			f.Kept++
			continue
		}
		if !cutoff.IsZero() && !am.date.Before(cutoff) {
			if f.nextAge.IsZero() || am.date.Before(f.nextAge) {
				f.nextAge = am.date
			}
			continue
		}
		out = append(out, am)
	}
	if err := cmd.Close(); err != nil {
		return nil, c.Err(fmt.Errorf("UID FETCH in %q: %w", f.Name, err))
	}
	return out, nil
}

// proveAndDelete fetches the selected messages of one folder from the
// server, hashes them, and deletes those whose hash the archive holds.
func (s *archiveSel) proveAndDelete(ctx context.Context, c *imapimp.Conn, fi int, have map[[32]byte]bool, expungeAll bool) error {
	f := s.folders[fi]
	if _, err := c.Select(f.info.Name, false); err != nil {
		return c.Err(fmt.Errorf("SELECT %q: %w", f.Name, err))
	}
	uids := make([]uint32, 0, len(f.uids))
	for u := range f.uids {
		uids = append(uids, u)
	}
	sort.Slice(uids, func(i, j int) bool { return uids[i] < uids[j] })
	const batch = 200
	for len(uids) > 0 {
		n := min(batch, len(uids))
		part := uids[:n]
		uids = uids[n:]
		var set imap.UIDSet
		for _, u := range part {
			set.AddNum(imap.UID(u))
		}
		seen := map[uint32]bool{}
		var proven []uint32
		var provenB int64
		stop := c.Watch(ctx)
		cmd := c.C.Fetch(set, &imap.FetchOptions{UID: true, BodySection: []*imap.FetchItemBodySection{{Peek: true}}})
		for m := cmd.Next(); m != nil; m = cmd.Next() {
			var uid uint32
			var sum [32]byte
			got := false
			for it := m.Next(); it != nil; it = m.Next() {
				switch it := it.(type) {
				case imapclient.FetchItemDataUID:
					uid = uint32(it.UID)
				case imapclient.FetchItemDataBodySection:
					if it.Literal != nil {
						h := newArchiveSum()
						if _, err := io.Copy(h, it.Literal); err == nil {
							sum, got = h.Sum(), true
						}
					}
				}
			}
			if uid == 0 || f.uids[uid].uid == 0 || seen[uid] {
				continue
			}
			seen[uid] = true
			if got && have[sum] {
				proven = append(proven, uid)
				provenB += f.uids[uid].size
			} else {
				f.Left++
				reason := "not found in the archive with the same content"
				if !got {
					reason = "the server sent no body"
				}
				s.res.Problems = append(s.res.Problems, archiveProblem{Folder: f.Name, UID: uid, Reason: reason})
			}
		}
		err := cmd.Close()
		stop()
		if err != nil {
			return c.Err(fmt.Errorf("UID FETCH in %q: %w (nothing more deleted)", f.Name, err))
		}
		for _, u := range part {
			if !seen[u] {
				f.Gone++ // expunged by another client meanwhile
			}
		}
		if err := c.ExpungeUIDs(proven, expungeAll); err != nil {
			return fmt.Errorf("deleting %d archived messages in %q: %w (they are in the archive; the next run deletes them)", len(proven), f.Name, err)
		}
		f.Moved += int64(len(proven))
		f.MovedB += provenB
	}
	// The state after our own EXPUNGE, unless mail arrived meanwhile
	// (its date is not in nextAge): then the selection's STATUS stays,
	// so that the next run reads the folder once more.
	if st, err := c.C.Status(f.info.Name, &imap.StatusOptions{UIDValidity: true, UIDNext: true, NumMessages: true, HighestModSeq: c.Caps.Has(imap.CapCondStore)}).Wait(); err == nil {
		fs := stateOf(st)
		if before := stateOf(f.info.Status); fs.UIDNext != before.UIDNext || fs.UIDValidity != before.UIDValidity {
			fs = before
		}
		fs.NextAge = f.nextAge
		fs.Clean = f.Left == 0
		s.state.Folders[f.info.Name] = fs
	}
	return nil
}

// selectedSource is the server as the engine sees it during archive:
// only the selected folders and messages, without the \Deleted flag (a
// run killed between its STORE and its EXPUNGE leaves it on messages
// that are archived already; the archive must not carry it).
type selectedSource struct {
	importers.Source
	sel *archiveSel
}

func (s *selectedSource) folder(f importers.Folder) *archiveFolder {
	for _, af := range s.sel.folders {
		if af.info.Folder.Equal(f) {
			return af
		}
	}
	return nil
}

func (s *selectedSource) Folders(ctx context.Context) ([]importers.FolderInfo, error) {
	fis, err := s.Source.Folders(ctx)
	if err != nil {
		return nil, err
	}
	var out []importers.FolderInfo
	for _, fi := range fis {
		if af := s.folder(fi.Folder); af != nil && len(af.uids) > 0 {
			fi.Messages, fi.Bytes = af.Selected, af.SelBytes
			out = append(out, fi)
		}
	}
	return out, nil
}

func (s *selectedSource) Walk(ctx context.Context, f importers.Folder, opts *importers.WalkOptions, fn importers.WalkFunc) error {
	af := s.folder(f)
	if af == nil || len(af.uids) == 0 {
		return nil
	}
	// Narrow the server's search to the dates of the selection (the
	// source then fetches no body that the filter below drops).
	o := importers.WalkOptions{}
	if opts != nil {
		o = *opts
	}
	var last time.Time
	for _, m := range af.uids {
		if m.idate.After(last) {
			last = m.idate
		}
	}
	if !last.IsZero() && (o.Before.IsZero() || o.Before.After(last.Add(48*time.Hour))) {
		o.Before = last.Add(48 * time.Hour)
	}
	return s.Source.Walk(ctx, f, &o, func(m *importers.Message, err error) error {
		if m != nil && af.uids[m.UID].uid == 0 {
			return nil
		}
		if m != nil {
			fl := m.Flags[:0:0]
			for _, x := range m.Flags {
				if !strings.EqualFold(string(x), string(imap.FlagDeleted)) {
					fl = append(fl, x)
				}
			}
			m.Flags = fl
		}
		return fn(m, err)
	})
}
