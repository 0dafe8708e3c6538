package pst

// store.go is the messaging layer of MS-PST 2.4: the message store, the
// folder hierarchy and the classification of items.

import (
	"fmt"
	"sort"
	"strings"

	"github.com/emersion/go-imap/v2"
	"github.com/mailferry/mailferry/importers"
	"github.com/mailferry/mailferry/importers/outlook"
)

// maxFolderDepth bounds the folder tree (Outlook itself allows ~300, real
// trees are far shallower).
const maxFolderDepth = 128

// store is an opened message store: every folder node, and every message
// node grouped by parent folder, from one scan of the NBT.
type store struct {
	f    *pstFile
	name string // PR_DISPLAY_NAME of the store ("Personal Folders")
	// cp is the code page for 8-bit strings of items that name none; 0
	// means unknown (windows-1252, or UTF-8 when the bytes are valid UTF-8).
	cp int

	ipm     uint32                 // NID of the top of personal folders
	folders map[uint32]*folderNode // every folder node (normal and search)
	msgs    map[uint32][]nbtEntry  // message nodes by parent NID, sorted by NID
	special map[uint32]imap.MailboxAttr

	// list is the IPM subtree in order, parents first.
	list []*folderNode
	// outside counts message nodes whose parent is not in the IPM subtree
	// (search folders hold no nodes of their own, so these are real items
	// that readpst does not show either), by parent NID.
	outside map[uint32]int
	// named maps numeric named properties to their property IDs (nil:
	// the store has no name-to-ID map).
	named outlook.NameMap
	// warnings found while opening, logged by the Source.
	warnings []string
}

type folderNode struct {
	e        nbtEntry
	name     string
	class    string // PR_CONTAINER_CLASS ("IPF.Note", "IPF.Appointment"...)
	children []*folderNode
	path     importers.Folder
	err      error // the folder's own properties could not be read
}

func openStore(f *pstFile) (*store, error) {
	s := &store{
		f:       f,
		folders: map[uint32]*folderNode{},
		msgs:    map[uint32][]nbtEntry{},
		special: map[uint32]imap.MailboxAttr{},
		outside: map[uint32]int{},
	}
	var bad []error
	err := f.btScan(f.nbtRoot, ptypeNBT, func(b []byte) {
		e := f.parseNBT(b)
		switch nidType(e.nid) {
		case nidTypeNormalFolder:
			s.folders[e.nid] = &folderNode{e: e}
		case nidTypeNormalMessage:
			s.msgs[e.parent] = append(s.msgs[e.parent], e)
		}
	}, func(err error) { bad = append(bad, err) })
	if err != nil {
		return nil, fmt.Errorf("reading the node B-tree: %w", err)
	}
	if len(bad) > 0 {
		s.warnings = append(s.warnings, fmt.Sprintf("node B-tree: %d subtrees unreadable, the folders and items they list are missing (first: %v)", len(bad), bad[0]))
	}
	for _, l := range s.msgs {
		sort.Slice(l, func(i, j int) bool { return l[i].nid < l[j].nid })
	}

	// The message store: its name and where the special folders are.
	sp, err := s.storePC()
	if err != nil {
		// Go on without: the name and special uses are lost, the IPM
		// subtree is found by its name below.
		s.warnings = append(s.warnings, fmt.Sprintf("message store properties unreadable: %v", err))
		sp = &pc{props: map[uint16]pcEntry{}}
	}
	s.name = s.pcString(sp, pidDisplayName, 0)
	if v, ok, err := sp.get(pidIPMSubtreeEntryID); err == nil && ok {
		s.ipm = entryIDNID(v.data)
	}
	for id, use := range map[uint16]imap.MailboxAttr{pidIPMWastebasket: imap.MailboxAttrTrash, pidIPMSentMail: imap.MailboxAttrSent} {
		if v, ok, err := sp.get(id); err == nil && ok {
			if nid := entryIDNID(v.data); nid != 0 {
				s.special[nid] = use
			}
		}
	}
	if fe, err := f.node(nidRootFolder); err == nil {
		if rp, err := f.nodeOf(fe).pc(); err == nil {
			if v, ok, err := rp.get(pidIPMDraftsEntryID); err == nil && ok {
				if nid := entryIDNID(v.data); nid != 0 {
					s.special[nid] = imap.MailboxAttrDrafts
				}
			}
			// PR_ADDITIONAL_REN_ENTRYIDS: index 4 is Junk E-mail.
			if v, ok, err := rp.get(pidAdditionalRen); err == nil && ok && v.typ == ptMV|ptBinary {
				if ids := mvBinary(v.data); len(ids) > 4 {
					if nid := entryIDNID(ids[4]); nid != 0 {
						s.special[nid] = imap.MailboxAttrJunk
					}
				}
			}
		}
	}
	if !f.unicode {
		s.cp = s.guessCodepage(sp)
		s.name = s.pcString(sp, pidDisplayName, s.cp)
	}
	s.loadNameMap()
	// Folder names and the tree.
	for _, fo := range s.folders {
		s.readFolder(fo)
	}
	for _, fo := range s.folders {
		if fo.e.parent == fo.e.nid {
			continue
		}
		if p := s.folders[fo.e.parent]; p != nil {
			p.children = append(p.children, fo)
		}
	}
	for _, fo := range s.folders {
		sort.Slice(fo.children, func(i, j int) bool { return fo.children[i].e.nid < fo.children[j].e.nid })
	}
	if s.folders[s.ipm] == nil {
		s.ipm = s.findIPM()
		if s.ipm == 0 {
			return nil, corrupt("cannot find the top of the personal folders (no IPM subtree, and no root folder)")
		}
	}
	// Walk the IPM subtree, parents first.
	in := map[uint32]bool{}
	var walk func(fo *folderNode, path importers.Folder, depth int)
	walk = func(fo *folderNode, path importers.Folder, depth int) {
		for _, c := range fo.children {
			if in[c.e.nid] {
				continue
			}
			if depth >= maxFolderDepth {
				s.warnings = append(s.warnings, fmt.Sprintf("folder %q: deeper than %d levels, subfolders not read", path.String(), maxFolderDepth))
				return
			}
			in[c.e.nid] = true
			c.path = append(append(importers.Folder(nil), path...), c.name)
			s.list = append(s.list, c)
			walk(c, c.path, depth+1)
		}
	}
	in[s.ipm] = true
	top := s.folders[s.ipm]
	walk(top, nil, 0)
	// Items at the top of the IPM subtree itself have no folder of their
	// own; they are listed under the top folder's name.
	if len(s.msgs[s.ipm]) > 0 {
		top.path = importers.Folder{top.name}
		s.list = append([]*folderNode{top}, s.list...)
	}
	for parent, l := range s.msgs {
		if !in[parent] {
			s.outside[parent] += len(l)
		}
	}
	return s, nil
}

// ipmNames are the names of the IPM subtree below the root folder: Exchange
// OSTs ("Root - Mailbox" / "IPM_SUBTREE"), Outlook 2010 and later, and
// older PSTs.
var ipmNames = []string{"ipm_subtree", "top of outlook data file", "top of personal folders", "top of information store"}

// nidOSTTop is where libpst looks for the IPM subtree of a store without
// PR_IPM_SUBTREE_ENTRYID ("this is the OST way").
const nidOSTTop = 0x2142

// findIPM finds the IPM subtree of a store whose PR_IPM_SUBTREE_ENTRYID is
// absent or names no folder (Exchange OSTs store a long-term entry ID some
// tools do not map, and some writers store none): a child of the root
// folder with one of ipmNames (then any child whose name starts "Top of
// "), then the folder libpst assumes (NID 0x2142), then the root folder
// itself. 0 when the store has no root folder.
func (s *store) findIPM() uint32 {
	root := s.folders[nidRootFolder]
	if root != nil {
		for _, n := range ipmNames {
			for _, c := range root.children {
				if strings.EqualFold(strings.TrimSpace(c.name), n) {
					return c.e.nid
				}
			}
		}
		for _, c := range root.children {
			if strings.HasPrefix(strings.ToLower(c.name), "top of ") {
				return c.e.nid
			}
		}
	}
	if s.folders[nidOSTTop] != nil {
		return nidOSTTop
	}
	if root != nil {
		s.warnings = append(s.warnings, fmt.Sprintf("no IPM subtree found; reading every folder under the root folder %q", root.name))
		return nidRootFolder
	}
	return 0
}

// guessCodepage finds the code page of an ANSI store's 8-bit strings that
// carry none of their own (folder names): the store's PR_MESSAGE_CODEPAGE,
// else the one most of the first messages name; 0 when none does.
func (s *store) guessCodepage(sp *pc) int {
	if cp := codepageOf(sp, 0); cp != 0 {
		return cp
	}
	var parents []uint32
	for p := range s.msgs {
		parents = append(parents, p)
	}
	sort.Slice(parents, func(i, j int) bool { return parents[i] < parents[j] })
	votes := map[int]int{}
	n := 0
	for _, p := range parents {
		for _, e := range s.msgs[p] {
			if n++; n > 64 {
				break
			}
			if mp, err := s.f.nodeOf(e).pc(); err == nil {
				if cp := codepageOf(mp, 0); cp != 0 {
					votes[cp]++
				}
			}
		}
	}
	best := 0
	for cp, v := range votes {
		if v > votes[best] || v == votes[best] && cp < best {
			best = cp
		}
	}
	return best
}

func (s *store) storePC() (*pc, error) {
	se, err := s.f.node(nidMessageStore)
	if err != nil {
		return nil, err
	}
	return s.f.nodeOf(se).pc()
}

// readFolder reads a folder's name and class.
func (s *store) readFolder(fo *folderNode) {
	p, err := s.f.nodeOf(fo.e).pc()
	if err != nil {
		fo.err = err
		fo.name = fmt.Sprintf("Unreadable folder 0x%x", fo.e.nid)
		return
	}
	fo.name = strings.TrimSpace(s.pcString(p, pidDisplayName, s.cp))
	fo.class = s.pcString(p, pidContainerClass, s.cp)
	if fo.name == "" {
		fo.name = fmt.Sprintf("Folder 0x%x", fo.e.nid)
	}
}

func (s *store) pcString(p *pc, id uint16, cp int) string {
	v, ok, err := p.get(id)
	if err != nil || !ok {
		return ""
	}
	return v.str(cp)
}

// entryIDNID takes the NID out of a PST entry ID (4 bytes flags, 16 bytes
// provider UID, 4 bytes NID).
func entryIDNID(b []byte) uint32 {
	if len(b) < 24 {
		return 0
	}
	return le.Uint32(b[20:])
}

// mvBinary splits a PT_MV_BINARY value, stored (MS-PST 2.3.3.4.2) as
// ulCount, rgulDataOffsets[ulCount], then the values.
func mvBinary(b []byte) [][]byte {
	if len(b) < 4 {
		return nil
	}
	n := int(le.Uint32(b))
	if n <= 0 || 4+4*n > len(b) {
		return nil
	}
	out := make([][]byte, n)
	for i := 0; i < n; i++ {
		s := int(le.Uint32(b[4+4*i:]))
		e := len(b)
		if i+1 < n {
			e = int(le.Uint32(b[4+4*(i+1):]))
		}
		if s > e || e > len(b) {
			return nil
		}
		out[i] = b[s:e]
	}
	return out
}

// messageClass reads PR_MESSAGE_CLASS of one message node.
func (s *store) messageClass(e nbtEntry) (string, error) {
	p, err := s.f.nodeOf(e).pc()
	if err != nil {
		return "", err
	}
	v, ok, err := p.get(pidMessageClass)
	if err != nil {
		return "", err
	}
	if !ok {
		return "", nil
	}
	return v.str(s.cp), nil
}

// isMail decides which items are mail: outlook.IsMail, everything but the
// known non-mail classes (appointments, contacts, distribution lists,
// tasks, notes, journal entries, documents), so that meeting requests,
// task requests, reports, posts and unknown or custom classes are carried
// over rather than silently left behind.
func isMail(class string) bool { return outlook.IsMail(class) }
