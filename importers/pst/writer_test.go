package pst

// writer_test.go writes small PST files (ANSI or Unicode, any encoding)
// for tests: a message store, the root folder, the IPM subtree, folders
// with contents tables, and messages with recipient tables, attachments
// (XBLOCK-split when large) and embedded messages. It follows MS-PST as
// the reader does; readpst, an independent reader, checks its output in
// fixture_test.go, so the reader is not only tested against itself.

import (
	"bytes"
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode/utf16"

	"golang.org/x/text/encoding/japanese"
)

type wStore struct {
	name    string
	unicode bool
	crypt   byte
	cp      int // code page of 8-bit strings (ANSI files): 1252 or 932
	folders []*wFolder
	top     []*wMsg // items in the top of the personal folders itself (no contents table)

	// Exchange OST layout: the root folder is named rootName, the IPM
	// subtree ipmName ("" = "Top of Personal Folders") at NID ipmNID
	// (0 = the first user folder NID); noIPMEntryID leaves
	// PR_IPM_SUBTREE_ENTRYID out of the message store; outside are
	// folders beside the IPM subtree, under the root.
	rootName     string
	ipmName      string
	ipmNID       uint32
	noIPMEntryID bool
	outside      []*wFolder
	// named is the name-to-ID map (NID 0x61): property ID 0x8000+i is
	// named[i] (a GUID index and a LID); messages use wMsg.named.
	named []wNamed
}

// wNamed is one numeric named property of the name-to-ID map.
type wNamed struct {
	guid [16]byte
	lid  uint32
}

type wFolder struct {
	name     string
	class    string
	msgs     []*wMsg
	children []*wFolder
}

type wMsg struct {
	class     string
	subject   string
	body      string
	html      []byte
	from      string
	fromAddr  string
	to, cc    []string // "Name <addr>" pairs as name|addr
	mid       string
	headers   string
	submit    time.Time
	delivery  time.Time
	flags     uint32
	cp        int // PR_MESSAGE_CODEPAGE, 0 = absent
	inetCP    int // PR_INTERNET_CPID, 0 = absent
	atts      []*wAtt
	noClass   bool
	subjectRE bool // store the subject with a 0x01 prefix marker
	// PR_LAST_VERB_EXECUTED, PR_FLAG_STATUS, PR_ICON_INDEX; 0 = absent.
	verb, flagStatus, icon int32
	// extra are more properties (contact, appointment fields; named
	// properties as 0x8000+i of wStore.named).
	extra []wprop
}

type wAtt struct {
	name     string
	mime     string
	cid      string
	data     []byte
	embedded *wMsg
}

// wprop is one property to write.
type wprop struct {
	id  uint16
	typ uint16
	val []byte
}

type wblock struct {
	bid  uint64
	data []byte
}

type wnode struct {
	nid     uint32
	bidData uint64
	bidSub  uint64
	parent  uint32
}

type pstWriter struct {
	st      *wStore
	blocks  []wblock
	nodes   []wnode
	nextBID uint64
	nextNID map[uint32]uint32 // per NID type
}

func (w *pstWriter) bid(internal bool) uint64 {
	w.nextBID += 4
	if internal {
		return w.nextBID | 2
	}
	return w.nextBID
}

func (w *pstWriter) nid(typ uint32) uint32 {
	w.nextNID[typ]++
	return w.nextNID[typ]<<5 | typ
}

func (w *pstWriter) idSize() int {
	if w.st.unicode {
		return 8
	}
	return 4
}

func (w *pstWriter) maxData() int {
	if w.st.unicode {
		return maxBlockSize - 16
	}
	return maxBlockSize - 12
}

// dataTree stores data in one block, or in blocks under an XBLOCK.
func (w *pstWriter) dataTree(data []byte) uint64 {
	if len(data) <= w.maxData() {
		b := w.bid(false)
		w.blocks = append(w.blocks, wblock{b, data})
		return b
	}
	var bids []uint64
	for len(data) > 0 {
		n := min(len(data), w.maxData())
		b := w.bid(false)
		w.blocks = append(w.blocks, wblock{b, data[:n]})
		bids = append(bids, b)
		data = data[n:]
	}
	total := 0
	for _, b := range w.blocks[len(w.blocks)-len(bids):] {
		total += len(b.data)
	}
	x := []byte{0x01, 0x01, 0, 0, 0, 0, 0, 0}
	le.PutUint16(x[2:], uint16(len(bids)))
	le.PutUint32(x[4:], uint32(total))
	for _, b := range bids {
		x = w.putID(x, b)
	}
	xb := w.bid(true)
	w.blocks = append(w.blocks, wblock{xb, x})
	return xb
}

func (w *pstWriter) putID(b []byte, v uint64) []byte {
	if w.st.unicode {
		return le.AppendUint64(b, v)
	}
	return le.AppendUint32(b, uint32(v))
}

// subs collects the subnodes of one node.
type subs struct {
	w *pstWriter
	e []subEntry
}

func (s *subs) add(nid uint32, data []byte, sub *subs) {
	e := subEntry{nid: nid, bidData: s.w.dataTree(data)}
	if sub != nil {
		e.bidSub = sub.write()
	}
	s.e = append(s.e, e)
}

// write stores the SLBLOCK and returns its BID (0 when empty).
func (s *subs) write() uint64 {
	if len(s.e) == 0 {
		return 0
	}
	sort.Slice(s.e, func(i, j int) bool { return s.e[i].nid < s.e[j].nid })
	b := []byte{0x02, 0x00, 0, 0}
	le.PutUint16(b[2:], uint16(len(s.e)))
	if s.w.st.unicode {
		b = append(b, 0, 0, 0, 0)
	}
	for _, e := range s.e {
		b = s.w.putID(b, uint64(e.nid))
		b = s.w.putID(b, e.bidData)
		b = s.w.putID(b, e.bidSub)
	}
	bid := s.w.bid(true)
	s.w.blocks = append(s.w.blocks, wblock{bid, b})
	return bid
}

// hn builds a heap on node in one block.
type hn struct {
	items [][]byte
}

func (h *hn) alloc(b []byte) uint32 {
	h.items = append(h.items, b)
	return uint32(len(h.items)) << 5
}

func (h *hn) bytes(client byte, root uint32) []byte {
	b := make([]byte, 12)
	var offs []int
	for _, it := range h.items {
		offs = append(offs, len(b))
		b = append(b, it...)
	}
	offs = append(offs, len(b))
	if len(b)%2 == 1 {
		b = append(b, 0)
	}
	pm := len(b)
	b = le.AppendUint16(b, uint16(len(h.items)))
	b = le.AppendUint16(b, 0)
	for _, o := range offs {
		b = le.AppendUint16(b, uint16(o))
	}
	le.PutUint16(b, uint16(pm))
	b[2], b[3] = 0xEC, client
	le.PutUint32(b[4:], root)
	return b
}

// value places a variable-size value: in the heap, or in a subnode when
// large.
func (w *pstWriter) value(h *hn, sn *subs, v []byte) uint32 {
	if len(v) <= 3000 {
		return h.alloc(v)
	}
	nid := w.nid(0x1F)
	sn.add(nid, v, nil)
	return nid
}

// pc builds a property context.
func (w *pstWriter) pc(props []wprop, sn *subs) []byte {
	sort.Slice(props, func(i, j int) bool { return props[i].id < props[j].id })
	h := &hn{}
	var recs []byte
	for _, p := range props {
		recs = le.AppendUint16(recs, p.id)
		recs = le.AppendUint16(recs, p.typ)
		if n := fixedSize(p.typ); n > 0 && n <= 4 {
			v := make([]byte, 4)
			copy(v, p.val)
			recs = append(recs, v...)
			continue
		}
		recs = le.AppendUint32(recs, w.value(h, sn, p.val))
	}
	root := h.alloc(recs)
	hdr := []byte{sigBTH, 2, 6, 0, 0, 0, 0, 0}
	le.PutUint32(hdr[4:], root)
	top := h.alloc(hdr)
	b := h.bytes(sigPC, top)
	if len(b) > w.maxData() {
		panic(fmt.Sprintf("writer: property context of %d bytes", len(b)))
	}
	return b
}

// tc builds a table context. Each row is a map of property tag to value;
// rowIDs are the rows' dwRowID (PidTagLtpRowId).
func (w *pstWriter) tc(tags []uint32, rows []map[uint32][]byte, rowIDs []uint32, sn *subs) []byte {
	tags = append([]uint32{0x67F20003, 0x67F30003}, tags...)
	type col struct {
		tag      uint32
		ib, size int
		bit      int
	}
	size := func(tag uint32) int {
		if n := fixedSize(uint16(tag)); n > 0 {
			return n
		}
		return 4
	}
	cols := make([]col, len(tags))
	for i, t := range tags {
		cols[i] = col{tag: t, size: size(t), bit: i}
	}
	// Row ID and version first, then by size: 8, 4, 2, 1 bytes.
	order := append([]col(nil), cols...)
	sort.SliceStable(order[2:], func(i, j int) bool { return order[2+i].size > order[2+j].size })
	ib := 0
	var ends [3]int
	for i := range order {
		order[i].ib = ib
		ib += order[i].size
		switch {
		case order[i].size >= 4:
			ends[0] = ib
			ends[1], ends[2] = ib, ib
		case order[i].size == 2:
			ends[1], ends[2] = ib, ib
		default:
			ends[2] = ib
		}
	}
	ceb := ib
	rowSize := ceb + (len(order)+7)/8
	h := &hn{}
	var matrix []byte
	var index []byte
	for r, row := range rows {
		rb := make([]byte, rowSize)
		row[0x67F20003] = le.AppendUint32(nil, rowIDs[r])
		row[0x67F30003] = le.AppendUint32(nil, uint32(r+1))
		for _, c := range order {
			v, ok := row[c.tag]
			if !ok {
				continue
			}
			rb[ceb+c.bit/8] |= 0x80 >> (c.bit % 8)
			if fixedSize(uint16(c.tag)) > 0 {
				copy(rb[c.ib:c.ib+c.size], v)
			} else {
				le.PutUint32(rb[c.ib:], w.value(h, sn, v))
			}
		}
		matrix = append(matrix, rb...)
	}
	ids := make([]int, len(rows))
	for i := range ids {
		ids[i] = i
	}
	sort.Slice(ids, func(i, j int) bool { return rowIDs[ids[i]] < rowIDs[ids[j]] })
	for _, i := range ids {
		index = le.AppendUint32(index, rowIDs[i])
		if w.st.unicode {
			index = le.AppendUint32(index, uint32(i))
		} else {
			index = le.AppendUint16(index, uint16(i))
		}
	}
	var hidIndex uint32
	if len(index) > 0 {
		hidIndex = h.alloc(index)
	}
	ent := byte(4)
	if !w.st.unicode {
		ent = 2
	}
	bth := []byte{sigBTH, 4, ent, 0, 0, 0, 0, 0}
	le.PutUint32(bth[4:], hidIndex)
	hidRowIndex := h.alloc(bth)
	var hnidRows uint32
	if len(matrix) > 0 {
		hnidRows = w.value(h, sn, matrix)
	}
	info := []byte{sigTC, byte(len(order))}
	info = le.AppendUint16(info, uint16(ends[0]))
	info = le.AppendUint16(info, uint16(ends[1]))
	info = le.AppendUint16(info, uint16(ends[2]))
	info = le.AppendUint16(info, uint16(rowSize))
	info = le.AppendUint32(info, hidRowIndex)
	info = le.AppendUint32(info, hnidRows)
	info = le.AppendUint32(info, 0)
	byTag := append([]col(nil), order...)
	sort.Slice(byTag, func(i, j int) bool { return byTag[i].tag < byTag[j].tag })
	for _, c := range byTag {
		info = le.AppendUint32(info, c.tag)
		info = le.AppendUint16(info, uint16(c.ib))
		info = append(info, byte(c.size), byte(c.bit))
	}
	root := h.alloc(info)
	b := h.bytes(sigTC, root)
	if len(b) > w.maxData() {
		panic(fmt.Sprintf("writer: table context of %d bytes", len(b)))
	}
	return b
}

// str encodes a string property: PT_UNICODE in Unicode files, PT_STRING8
// in the store's code page in ANSI files.
func (w *pstWriter) str(id uint16, s string) wprop {
	if w.st.unicode {
		var b []byte
		for _, u := range utf16.Encode([]rune(s)) {
			b = le.AppendUint16(b, u)
		}
		return wprop{id, ptUnicode, append(b, 0, 0)}
	}
	return wprop{id, ptString8, append(w.enc8(s), 0)}
}

func (w *pstWriter) strTag(id uint16) uint32 {
	if w.st.unicode {
		return uint32(id)<<16 | ptUnicode
	}
	return uint32(id)<<16 | ptString8
}

func (w *pstWriter) strVal(s string) []byte {
	p := w.str(0, s)
	return p.val
}

func (w *pstWriter) enc8(s string) []byte {
	switch w.st.cp {
	case 932:
		b, err := japanese.ShiftJIS.NewEncoder().Bytes([]byte(s))
		if err != nil {
			panic(err)
		}
		return b
	default:
		var b []byte
		for _, r := range s {
			if r > 0xff {
				panic("writer: not Latin-1: " + s)
			}
			b = append(b, byte(r))
		}
		return b
	}
}

func i32(id uint16, v int32) wprop { return wprop{id, ptLong, le.AppendUint32(nil, uint32(v))} }

func ftime(id uint16, t time.Time) wprop {
	ft := uint64(t.UnixNano()/100) + filetimeEpochDelta
	return wprop{id, ptSysTime, le.AppendUint64(nil, ft)}
}

func entryID(nid uint32) []byte {
	b := make([]byte, 24)
	copy(b[4:20], "mailferry-test!!")
	le.PutUint32(b[20:], nid)
	return b
}

// message writes a message's property context and subnodes.
func (w *pstWriter) message(m *wMsg) ([]byte, *subs) {
	sn := &subs{w: w}
	var props []wprop
	if !m.noClass {
		props = append(props, w.str(pidMessageClass, m.class))
	}
	subj := m.subject
	if m.subjectRE {
		subj = "\x01\x04" + subj
	}
	props = append(props, w.str(pidSubject, subj), i32(pidMessageFlags, int32(m.flags)))
	if m.body != "" {
		props = append(props, w.str(pidBody, m.body))
	}
	if m.html != nil {
		props = append(props, wprop{pidHTML, ptBinary, m.html})
	}
	if m.from != "" {
		props = append(props, w.str(pidSentRepName, m.from), w.str(pidSentRepEmail, m.fromAddr), w.str(pidSentRepAddrType, "SMTP"),
			w.str(pidSenderName, m.from), w.str(pidSenderEmail, m.fromAddr), w.str(pidSenderAddrType, "SMTP"))
	}
	if m.mid != "" {
		props = append(props, w.str(pidMessageID, m.mid))
	}
	if m.headers != "" {
		props = append(props, w.str(pidTransportHeaders, m.headers))
	}
	if !m.submit.IsZero() {
		props = append(props, ftime(pidClientSubmitTime, m.submit))
	}
	if !m.delivery.IsZero() {
		props = append(props, ftime(pidDeliveryTime, m.delivery), ftime(pidCreationTime, m.delivery))
	}
	if m.cp != 0 {
		props = append(props, i32(pidMessageCodepage, int32(m.cp)))
	}
	if m.inetCP != 0 {
		props = append(props, i32(pidInternetCPID, int32(m.inetCP)))
	}
	for _, p := range []struct {
		id uint16
		v  int32
	}{{pidLastVerbExecuted, m.verb}, {pidFlagStatus, m.flagStatus}, {pidIconIndex, m.icon}} {
		if p.v != 0 {
			props = append(props, i32(p.id, p.v))
		}
	}
	props = append(props, m.extra...)
	var disp []string
	for _, r := range m.to {
		name, _, _ := strings.Cut(r, "|")
		disp = append(disp, name)
	}
	props = append(props, w.str(pidDisplayTo, strings.Join(disp, "; ")))

	// Recipient table.
	var rows []map[uint32][]byte
	var ids []uint32
	add := func(typ int32, list []string) {
		for _, r := range list {
			name, addr, _ := strings.Cut(r, "|")
			rows = append(rows, map[uint32][]byte{
				0x0C150003:                le.AppendUint32(nil, uint32(typ)),
				w.strTag(pidDisplayName):  w.strVal(name),
				w.strTag(pidEmailAddress): w.strVal(addr),
				w.strTag(pidAddrType):     w.strVal("SMTP"),
				0x0FFE0003:                le.AppendUint32(nil, 6),
			})
			ids = append(ids, uint32(len(ids)))
		}
	}
	add(1, m.to)
	add(2, m.cc)
	sn.add(nidRecipientTable, w.tc([]uint32{0x0C150003, w.strTag(pidDisplayName), w.strTag(pidEmailAddress), w.strTag(pidAddrType), 0x0FFE0003}, rows, ids, sn), nil)

	// Attachments.
	if len(m.atts) > 0 {
		var arows []map[uint32][]byte
		var aids []uint32
		for _, a := range m.atts {
			anid := w.nid(0x05)
			asn := &subs{w: w}
			method := int32(attachByValue)
			ap := []wprop{w.str(pidAttachLongFilename, a.name), w.str(pidAttachFilename, a.name), w.str(pidDisplayName, a.name)}
			if a.mime != "" {
				ap = append(ap, w.str(pidAttachMimeTag, a.mime))
			}
			if a.cid != "" {
				ap = append(ap, w.str(pidAttachContentID, a.cid))
			}
			if a.embedded != nil {
				method = attachEmbedded
				enid := w.nid(0x04) // embedded messages use a message-type subnode NID
				data, esn := w.message(a.embedded)
				asn.add(enid, data, esn)
				ref := le.AppendUint32(nil, enid)
				ref = le.AppendUint32(ref, uint32(len(data)))
				ap = append(ap, wprop{pidAttachDataBin, ptObject, ref})
			} else {
				ap = append(ap, wprop{pidAttachDataBin, ptBinary, a.data}, i32(pidAttachSize, int32(len(a.data))))
			}
			ap = append(ap, i32(pidAttachMethod, method), i32(0x370B, -1))
			sn.add(anid, w.pc(ap, asn), asn)
			arows = append(arows, map[uint32][]byte{
				0x0E200003:                  le.AppendUint32(nil, uint32(len(a.data))),
				w.strTag(pidAttachFilename): w.strVal(a.name),
				0x37050003:                  le.AppendUint32(nil, uint32(method)),
			})
			aids = append(aids, anid)
		}
		sn.add(nidAttachmentTable, w.tc([]uint32{0x0E200003, w.strTag(pidAttachFilename), 0x37050003}, arows, aids, sn), nil)
		props = append(props, wprop{0x0E1B, ptBool, []byte{1}}) // PR_HASATTACH
	}
	return w.pc(props, sn), sn
}

func (w *pstWriter) folder(nid, parent uint32, name, class string, nmsgs int, nchildren int) {
	sn := &subs{w: w}
	props := []wprop{w.str(pidDisplayName, name), i32(pidContentCount, int32(nmsgs)), i32(0x3603, 0),
		{0x360A, ptBool, []byte{b2i(nchildren > 0)}}}
	if class != "" {
		props = append(props, w.str(pidContainerClass, class))
	}
	w.nodes = append(w.nodes, wnode{nid: nid, bidData: w.dataTree(w.pc(props, sn)), bidSub: sn.write(), parent: parent})
}

// nameMap writes the name-to-ID map (MS-PST 2.4.7) of w.st.named.
func (w *pstWriter) nameMap() {
	var guids, entries []byte
	index := map[[16]byte]int{}
	for i, n := range w.st.named {
		gi, ok := index[n.guid]
		if !ok {
			gi = 3 + len(index)
			index[n.guid] = gi
			guids = append(guids, n.guid[:]...)
		}
		entries = le.AppendUint32(entries, n.lid)
		entries = le.AppendUint16(entries, uint16(gi<<1))
		entries = le.AppendUint16(entries, uint16(i))
	}
	sn := &subs{w: w}
	props := []wprop{i32(0x0001, 251), {0x0002, ptBinary, guids}, {0x0003, ptBinary, entries}}
	w.nodes = append(w.nodes, wnode{nid: 0x61, bidData: w.dataTree(w.pc(props, sn)), bidSub: sn.write()})
}

func b2i(b bool) byte {
	if b {
		return 1
	}
	return 0
}

// writePST returns the bytes of a PST file holding st.
func writePST(st *wStore) []byte {
	w := &pstWriter{st: st, nextNID: map[uint32]uint32{}}
	w.nextNID[0x02] = 0x400 // user folders start at 0x8022
	w.nextNID[0x04] = 0x10000

	ipm := st.ipmNID
	if ipm == 0 {
		ipm = w.nid(0x02)
	}
	// The message store.
	ssn := &subs{w: w}
	sprops := []wprop{w.str(pidDisplayName, st.name),
		{0x0FF9, ptBinary, []byte("mailferry-test!!")}, i32(0x35DF, 0x89)}
	if !st.noIPMEntryID {
		sprops = append(sprops, wprop{pidIPMSubtreeEntryID, ptBinary, entryID(ipm)})
	}
	// Root folder and the IPM subtree.
	ipmName := st.ipmName
	if ipmName == "" {
		ipmName = "Top of Personal Folders"
	}
	w.folder(nidRootFolder, nidRootFolder, st.rootName, "", 0, 1+len(st.outside))
	w.folder(ipm, nidRootFolder, ipmName, "", 0, len(st.folders))
	if len(st.named) > 0 {
		w.nameMap()
	}
	var walk func(parent uint32, fs []*wFolder)
	walk = func(parent uint32, fs []*wFolder) {
		for _, f := range fs {
			fnid := w.nid(0x02)
			if f.name == "Deleted Items" {
				sprops = append(sprops, wprop{pidIPMWastebasket, ptBinary, entryID(fnid)})
			}
			w.folder(fnid, parent, f.name, f.class, len(f.msgs), len(f.children))
			var rows []map[uint32][]byte
			var ids []uint32
			for _, m := range f.msgs {
				mnid := w.nid(0x04)
				data, sn := w.message(m)
				w.nodes = append(w.nodes, wnode{nid: mnid, bidData: w.dataTree(data), bidSub: sn.write(), parent: fnid})
				row := map[uint32][]byte{w.strTag(pidSubject): w.strVal(m.subject)}
				if !m.noClass {
					row[w.strTag(pidMessageClass)] = w.strVal(m.class)
				}
				rows = append(rows, row)
				ids = append(ids, mnid)
			}
			csn := &subs{w: w}
			ct := w.tc([]uint32{w.strTag(pidMessageClass), w.strTag(pidSubject)}, rows, ids, csn)
			w.nodes = append(w.nodes, wnode{nid: fnid&^0x1f | 0x0E, bidData: w.dataTree(ct), bidSub: csn.write()})
			walk(fnid, f.children)
		}
	}
	walk(ipm, st.folders)
	walk(nidRootFolder, st.outside)
	for _, m := range st.top {
		data, sn := w.message(m)
		w.nodes = append(w.nodes, wnode{nid: w.nid(0x04), bidData: w.dataTree(data), bidSub: sn.write(), parent: ipm})
	}
	w.nodes = append(w.nodes, wnode{nid: nidMessageStore, bidData: w.dataTree(w.pc(sprops, ssn)), bidSub: ssn.write()})
	return w.layout()
}

// layout writes header, blocks and B-tree pages.
func (w *pstWriter) layout() []byte {
	uni := w.st.unicode
	ts := 12
	if uni {
		ts = 16
	}
	out := make([]byte, 1024)
	type bbt struct {
		bid, ib uint64
		cb      int
	}
	var bbts []bbt
	for _, b := range w.blocks {
		data := bytes.Clone(b.data)
		if b.bid&2 == 0 {
			switch w.st.crypt {
			case cryptPermute:
				for i, c := range data {
					data[i] = mpbbR[c]
				}
			case cryptCyclic:
				cyclic(data, uint32(b.bid))
			}
		}
		ib := uint64(len(out))
		total := (len(data) + ts + 63) &^ 63
		blk := make([]byte, total)
		copy(blk, data)
		tr := blk[total-ts:]
		le.PutUint16(tr, uint16(len(data)))
		sig := ib ^ b.bid
		le.PutUint16(tr[2:], uint16(sig>>16^sig))
		if uni {
			le.PutUint32(tr[4:], pstCRC(data))
			le.PutUint64(tr[8:], b.bid)
		} else {
			le.PutUint32(tr[4:], uint32(b.bid))
			le.PutUint32(tr[8:], pstCRC(data))
		}
		out = append(out, blk...)
		bbts = append(bbts, bbt{b.bid, ib, len(data)})
	}
	sort.Slice(bbts, func(i, j int) bool { return bbts[i].bid < bbts[j].bid })
	sort.Slice(w.nodes, func(i, j int) bool { return w.nodes[i].nid < w.nodes[j].nid })

	pageBID := uint64(0x100000)
	// page writes one B-tree page and returns its BREF.
	page := func(ptype byte, level int, entries [][]byte, cbEnt int) (uint64, uint64) {
		for len(out)%pageSize != 0 {
			out = append(out, 0)
		}
		p := make([]byte, pageSize)
		area, meta, tr := 496, 496, 500
		if uni {
			area, meta, tr = 488, 488, 496
		}
		for i, e := range entries {
			copy(p[i*cbEnt:], e)
		}
		p[meta], p[meta+1], p[meta+2], p[meta+3] = byte(len(entries)), byte(area/cbEnt), byte(cbEnt), byte(level)
		pageBID += 4
		ib := uint64(len(out))
		p[tr], p[tr+1] = ptype, ptype
		if uni {
			le.PutUint32(p[tr+4:], pstCRC(p[:496]))
			le.PutUint64(p[tr+8:], pageBID)
		} else {
			le.PutUint32(p[tr+4:], uint32(pageBID))
			le.PutUint32(p[tr+8:], pstCRC(p[:500]))
		}
		out = append(out, p...)
		return pageBID, ib
	}
	// tree writes leaves and, when needed, one intermediate level.
	tree := func(ptype byte, leaf [][]byte, keys []uint64, cbLeaf int) (uint64, uint64) {
		area := 496
		if uni {
			area = 488
		}
		per := area / cbLeaf
		if len(leaf) <= per {
			return page(ptype, 0, leaf, cbLeaf)
		}
		var inter [][]byte
		for i := 0; i < len(leaf); i += per {
			j := min(i+per, len(leaf))
			bid, ib := page(ptype, 0, leaf[i:j], cbLeaf)
			var e []byte
			e = w.putID(e, keys[i])
			e = w.putID(e, bid)
			e = w.putID(e, ib)
			inter = append(inter, e)
		}
		if len(inter) > area/(3*w.idSize()) {
			panic("writer: B-tree needs more than two levels")
		}
		return page(ptype, 1, inter, 3*w.idSize())
	}
	var leaf [][]byte
	var keys []uint64
	for _, b := range bbts {
		var e []byte
		e = w.putID(e, b.bid)
		e = w.putID(e, b.ib)
		e = le.AppendUint16(e, uint16(b.cb))
		e = le.AppendUint16(e, 2)
		if uni {
			e = append(e, 0, 0, 0, 0)
		}
		leaf = append(leaf, e)
		keys = append(keys, b.bid)
	}
	cb := 12
	if uni {
		cb = 24
	}
	bbtBID, bbtIB := tree(ptypeBBT, leaf, keys, cb)
	leaf, keys = nil, nil
	for _, n := range w.nodes {
		var e []byte
		if uni {
			e = le.AppendUint64(e, uint64(n.nid))
		} else {
			e = le.AppendUint32(e, n.nid)
		}
		e = w.putID(e, n.bidData)
		e = w.putID(e, n.bidSub)
		e = le.AppendUint32(e, n.parent)
		if uni {
			e = append(e, 0, 0, 0, 0)
		}
		leaf = append(leaf, e)
		keys = append(keys, uint64(n.nid))
	}
	cb = 16
	if uni {
		cb = 32
	}
	nbtBID, nbtIB := tree(ptypeNBT, leaf, keys, cb)

	h := out[:1024]
	copy(h, "!BDN")
	copy(h[8:], "SM")
	if uni {
		le.PutUint16(h[10:], 23)
		le.PutUint16(h[12:], 19)
		h[14], h[15] = 1, 1
		le.PutUint64(h[184:], uint64(len(out)))
		le.PutUint64(h[216:], nbtBID)
		le.PutUint64(h[224:], nbtIB)
		le.PutUint64(h[232:], bbtBID)
		le.PutUint64(h[240:], bbtIB)
		h[512] = 0x80
		h[513] = w.st.crypt
	} else {
		le.PutUint16(h[10:], 14)
		le.PutUint16(h[12:], 19)
		h[14], h[15] = 1, 1
		le.PutUint32(h[168:], uint32(len(out)))
		le.PutUint32(h[184:], uint32(nbtBID))
		le.PutUint32(h[188:], uint32(nbtIB))
		le.PutUint32(h[192:], uint32(bbtBID))
		le.PutUint32(h[196:], uint32(bbtIB))
		h[460] = 0x80
		h[461] = w.st.crypt
	}
	return out
}
