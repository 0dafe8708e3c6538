package pst

// ltp.go is the lists, tables and properties layer of MS-PST 2.3: the heap
// on node (HN), the B-tree on heap (BTH), property contexts (PC) and table
// contexts (TC). It is the same for ANSI and Unicode files except for the
// sizes that come from the NDB layer.

import (
	"fmt"
	"io"
	"sort"
)

// node is an NDB node (from the NBT or from a subnode tree) with its
// subnodes, which are loaded on first use.
type node struct {
	f       *pstFile
	nid     uint32
	bidData uint64
	bidSub  uint64
	subs    map[uint32]subEntry
}

func (f *pstFile) nodeOf(e nbtEntry) *node {
	return &node{f: f, nid: e.nid, bidData: e.bidData, bidSub: e.bidSub}
}

// sub returns the subnode nid of n.
func (n *node) sub(nid uint32) (*node, error) {
	if n.subs == nil {
		m, err := n.f.subnodes(n.bidSub)
		if err != nil {
			return nil, fmt.Errorf("subnodes of node 0x%x: %w", n.nid, err)
		}
		n.subs = m
	}
	e, ok := n.subs[nid]
	if !ok {
		return nil, corrupt("node 0x%x has no subnode 0x%x", n.nid, nid)
	}
	return &node{f: n.f, nid: nid, bidData: e.bidData, bidSub: e.bidSub}, nil
}

// hasSub reports whether n has subnode nid (loading the subnode tree).
func (n *node) hasSub(nid uint32) (bool, error) {
	if n.subs == nil {
		m, err := n.f.subnodes(n.bidSub)
		if err != nil {
			return false, fmt.Errorf("subnodes of node 0x%x: %w", n.nid, err)
		}
		n.subs = m
	}
	_, ok := n.subs[nid]
	return ok, nil
}

// Heap client signatures (bClientSig).
const (
	sigTC  = 0x7C
	sigBTH = 0xB5
	sigPC  = 0xBC
)

// heap is a heap on node: the node's data blocks, each with a page map of
// allocations addressed by HIDs.
type heap struct {
	n      *node
	blocks [][]byte
	client byte
	root   uint32
}

func (n *node) heap(client byte) (*heap, error) {
	bs, err := n.f.blocks(n.bidData)
	if err != nil {
		return nil, err
	}
	if len(bs) == 0 || len(bs[0]) < 12 {
		return nil, corrupt("node 0x%x: heap too short", n.nid)
	}
	b := bs[0]
	if b[2] != 0xEC {
		return nil, corrupt("node 0x%x: heap signature 0x%02x, want 0xEC", n.nid, b[2])
	}
	h := &heap{n: n, blocks: bs, client: b[3], root: le.Uint32(b[4:])}
	if h.client != client {
		return nil, corrupt("node 0x%x: heap holds client 0x%02x, want 0x%02x", n.nid, h.client, client)
	}
	return h, nil
}

// get returns the allocation hid. HID 0 is the empty value.
func (h *heap) get(hid uint32) ([]byte, error) {
	if hid == 0 {
		return nil, nil
	}
	if hid&0x1f != 0 {
		return nil, corrupt("node 0x%x: 0x%x is not a heap ID", h.n.nid, hid)
	}
	idx, bi := int(hid>>5&0x7ff), int(hid>>16)
	if bi >= len(h.blocks) {
		return nil, corrupt("node 0x%x: heap ID 0x%x in block %d of %d", h.n.nid, hid, bi, len(h.blocks))
	}
	b := h.blocks[bi]
	if len(b) < 2 {
		return nil, corrupt("node 0x%x: heap block %d too short", h.n.nid, bi)
	}
	pm := int(le.Uint16(b))
	if pm+4 > len(b) {
		return nil, corrupt("node 0x%x: heap block %d page map at %d of %d", h.n.nid, bi, pm, len(b))
	}
	cAlloc := int(le.Uint16(b[pm:]))
	if idx == 0 || idx > cAlloc || pm+4+2*(cAlloc+1) > len(b) {
		return nil, corrupt("node 0x%x: heap ID 0x%x: item %d of %d", h.n.nid, hid, idx, cAlloc)
	}
	s := int(le.Uint16(b[pm+4+2*(idx-1):]))
	e := int(le.Uint16(b[pm+4+2*idx:]))
	if s > e || e > pm {
		return nil, corrupt("node 0x%x: heap ID 0x%x spans %d..%d of %d", h.n.nid, hid, s, e, pm)
	}
	return b[s:e:e], nil
}

// hnid resolves an HNID: a heap ID, or a subnode of the heap's node.
func (h *heap) hnid(v uint32) ([]byte, error) {
	if v&0x1f == 0 {
		return h.get(v)
	}
	sn, err := h.n.sub(v)
	if err != nil {
		return nil, err
	}
	return h.n.f.readAll(sn.bidData)
}

// hnidReader is hnid for large values: it streams a subnode's data.
func (h *heap) hnidReader(v uint32) (io.Reader, int64, error) {
	if v&0x1f == 0 {
		b, err := h.get(v)
		if err != nil {
			return nil, 0, err
		}
		return &bytesReader{b: b}, int64(len(b)), nil
	}
	sn, err := h.n.sub(v)
	if err != nil {
		return nil, 0, err
	}
	t, err := h.n.f.tree(sn.bidData)
	if err != nil {
		return nil, 0, err
	}
	return &treeReader{f: h.n.f, t: t}, t.total, nil
}

type bytesReader struct{ b []byte }

func (r *bytesReader) Read(p []byte) (int, error) {
	if len(r.b) == 0 {
		return 0, io.EOF
	}
	n := copy(p, r.b)
	r.b = r.b[n:]
	return n, nil
}

// bthEach calls fn for every record of the BTH whose header is at hid.
func (h *heap) bthEach(hid uint32, wantKey int, fn func(key, val []byte) error) (cbEnt int, err error) {
	hb, err := h.get(hid)
	if err != nil {
		return 0, err
	}
	if len(hb) < 8 || hb[0] != sigBTH {
		return 0, corrupt("node 0x%x: no B-tree-on-heap header at 0x%x", h.n.nid, hid)
	}
	cbKey, cbEnt, levels, root := int(hb[1]), int(hb[2]), int(hb[3]), le.Uint32(hb[4:])
	if wantKey > 0 && cbKey != wantKey || cbKey == 0 || cbKey > 16 || levels > maxTreeDepth {
		return 0, corrupt("node 0x%x: B-tree-on-heap with %d-byte keys, %d levels", h.n.nid, cbKey, levels)
	}
	seen := map[uint32]bool{}
	var walk func(hid uint32, level int) error
	walk = func(hid uint32, level int) error {
		if hid == 0 {
			return nil
		}
		if seen[hid] {
			return corrupt("node 0x%x: B-tree-on-heap item 0x%x referenced twice", h.n.nid, hid)
		}
		seen[hid] = true
		b, err := h.get(hid)
		if err != nil {
			return err
		}
		if level > 0 {
			for len(b) >= cbKey+4 {
				if err := walk(le.Uint32(b[cbKey:]), level-1); err != nil {
					return err
				}
				b = b[cbKey+4:]
			}
			return nil
		}
		rs := cbKey + cbEnt
		for len(b) >= rs {
			if err := fn(b[:cbKey:cbKey], b[cbKey:rs:rs]); err != nil {
				return err
			}
			b = b[rs:]
		}
		return nil
	}
	return cbEnt, walk(root, levels)
}

// Property types (MS-OXCDATA 2.11.1).
const (
	ptShort   = 0x0002
	ptLong    = 0x0003
	ptFloat   = 0x0004
	ptDouble  = 0x0005
	ptCurr    = 0x0006
	ptAppTime = 0x0007
	ptError   = 0x000A
	ptBool    = 0x000B
	ptObject  = 0x000D
	ptI8      = 0x0014
	ptString8 = 0x001E
	ptUnicode = 0x001F
	ptSysTime = 0x0040
	ptGUID    = 0x0048
	ptBinary  = 0x0102
	ptMV      = 0x1000
)

// fixedSize is the size of a fixed-size property type, 0 for variable ones.
func fixedSize(t uint16) int {
	switch t {
	case ptShort:
		return 2
	case ptLong, ptFloat, ptError:
		return 4
	case ptBool:
		return 1
	case ptDouble, ptCurr, ptAppTime, ptI8, ptSysTime:
		return 8
	}
	return 0
}

// value is one property value as stored: its type and bytes. For PT_OBJECT
// the bytes are the 8-byte (NID, size) reference.
type value struct {
	typ  uint16
	data []byte
}

// pc is a property context: a BTH of (property ID → type, value or HNID).
type pc struct {
	h     *heap
	props map[uint16]pcEntry
}

type pcEntry struct {
	typ uint16
	v   uint32 // inline value (up to 4 bytes) or HNID
	raw [4]byte
}

func (n *node) pc() (*pc, error) {
	h, err := n.heap(sigPC)
	if err != nil {
		return nil, err
	}
	p := &pc{h: h, props: map[uint16]pcEntry{}}
	cbEnt, err := h.bthEach(h.root, 2, func(k, v []byte) error {
		if len(v) < 6 {
			return corrupt("node 0x%x: property record of %d bytes", n.nid, len(v))
		}
		e := pcEntry{typ: le.Uint16(v), v: le.Uint32(v[2:])}
		copy(e.raw[:], v[2:6])
		p.props[le.Uint16(k)] = e
		return nil
	})
	if err != nil {
		return nil, err
	}
	if cbEnt != 6 && len(p.props) > 0 {
		return nil, corrupt("node 0x%x: property records of %d bytes, want 6", n.nid, cbEnt)
	}
	return p, nil
}

// get returns the value of property id; ok is false when it is absent.
func (p *pc) get(id uint16) (value, bool, error) {
	e, ok := p.props[id]
	if !ok {
		return value{}, false, nil
	}
	if n := fixedSize(e.typ); n > 0 && n <= 4 {
		return value{typ: e.typ, data: e.raw[:n]}, true, nil
	}
	b, err := p.h.hnid(e.v)
	if err != nil {
		return value{}, true, fmt.Errorf("property 0x%04x%04x: %w", id, e.typ, err)
	}
	if n := fixedSize(e.typ); n > 0 && len(b) < n {
		return value{}, true, corrupt("property 0x%04x%04x: %d bytes, want %d", id, e.typ, len(b), n)
	}
	return value{typ: e.typ, data: b}, true, nil
}

// reader streams a binary property (attachment data) without holding it.
func (p *pc) reader(id uint16) (io.Reader, int64, error) {
	e, ok := p.props[id]
	if !ok {
		return nil, 0, fmt.Errorf("property 0x%04x absent", id)
	}
	if e.typ != ptBinary {
		return nil, 0, corrupt("property 0x%04x has type 0x%04x, want binary", id, e.typ)
	}
	return p.h.hnidReader(e.v)
}

// tc is a table context: columns and a row matrix.
type tc struct {
	h       *heap
	cols    map[uint16]tcCol // by property ID
	rowSize int
	ceb     int // offset of the cell existence bitmap in a row
	rows    [][]byte
	perBlk  int
	order   []int // row indexes in row-index order
	ids     []uint32
}

type tcCol struct {
	typ uint16
	ib  int
	cb  int
	bit int
}

func (n *node) tc() (*tc, error) {
	h, err := n.heap(sigTC)
	if err != nil {
		return nil, err
	}
	info, err := h.get(h.root)
	if err != nil {
		return nil, err
	}
	if len(info) < 22 || info[0] != sigTC {
		return nil, corrupt("node 0x%x: no table header", n.nid)
	}
	nc := int(info[1])
	if 22+8*nc > len(info) {
		return nil, corrupt("node 0x%x: %d columns do not fit", n.nid, nc)
	}
	t := &tc{h: h, cols: map[uint16]tcCol{}}
	t.ceb = int(le.Uint16(info[6:]))
	t.rowSize = int(le.Uint16(info[8:]))
	if t.ceb+(nc+7)/8 > t.rowSize {
		return nil, corrupt("node 0x%x: row of %d bytes cannot hold the %d-column bitmap at %d", n.nid, t.rowSize, nc, t.ceb)
	}
	for i := 0; i < nc; i++ {
		c := info[22+8*i:]
		col := tcCol{typ: le.Uint16(c), ib: int(le.Uint16(c[4:])), cb: int(c[6]), bit: int(c[7])}
		if col.ib+col.cb > t.rowSize || t.ceb+col.bit/8 >= t.rowSize {
			return nil, corrupt("node 0x%x: column 0x%04x out of the row", n.nid, le.Uint16(c[2:]))
		}
		t.cols[le.Uint16(c[2:])] = col
	}
	hidRowIndex, hnidRows := le.Uint32(info[10:]), le.Uint32(info[14:])
	var idx []rowRef
	if _, err := h.bthEach(hidRowIndex, 4, func(k, v []byte) error {
		r := 0
		switch len(v) {
		case 2:
			r = int(le.Uint16(v))
		case 4:
			r = int(le.Uint32(v))
		default:
			return corrupt("node 0x%x: row index entries of %d bytes", n.nid, len(v))
		}
		idx = append(idx, rowRef{le.Uint32(k), r})
		return nil
	}); err != nil {
		return nil, fmt.Errorf("row index: %w", err)
	}
	switch {
	case hnidRows == 0:
	case hnidRows&0x1f == 0:
		b, err := h.get(hnidRows)
		if err != nil {
			return nil, fmt.Errorf("rows: %w", err)
		}
		t.rows = [][]byte{b}
		t.perBlk = 1 << 30
	default:
		sn, err := n.sub(hnidRows)
		if err != nil {
			return nil, fmt.Errorf("rows: %w", err)
		}
		t.rows, err = n.f.blocks(sn.bidData)
		if err != nil {
			return nil, fmt.Errorf("rows: %w", err)
		}
		t.perBlk = (maxBlockSize - n.f.trailerSize()) / max(t.rowSize, 1)
		if t.perBlk < 1 {
			return nil, corrupt("node 0x%x: rows of %d bytes do not fit in a block", n.nid, t.rowSize)
		}
	}
	// Rows are read in row-index order (the order Outlook shows).
	sort.Slice(idx, func(a, b int) bool { return idx[a].row < idx[b].row })
	for _, e := range idx {
		if t.rowSize == 0 {
			return nil, corrupt("node 0x%x: rows of 0 bytes", n.nid)
		}
		t.ids = append(t.ids, e.id)
		t.order = append(t.order, e.row)
	}
	return t, nil
}

type rowRef struct {
	id  uint32
	row int
}

// len is the number of rows.
func (t *tc) len() int { return len(t.ids) }

// row returns row i (in row-index order).
func (t *tc) row(i int) ([]byte, error) {
	r := t.order[i]
	bi, off := r/t.perBlk, (r%t.perBlk)*t.rowSize
	if bi >= len(t.rows) || off+t.rowSize > len(t.rows[bi]) {
		return nil, corrupt("node 0x%x: row %d is outside the row data", t.h.n.nid, r)
	}
	return t.rows[bi][off : off+t.rowSize], nil
}

// cell returns the value of column id in row.
func (t *tc) cell(row []byte, id uint16) (value, bool, error) {
	c, ok := t.cols[id]
	if !ok {
		return value{}, false, nil
	}
	if t.ceb+c.bit/8 >= len(row) || row[t.ceb+c.bit/8]&(0x80>>(c.bit%8)) == 0 {
		return value{}, false, nil
	}
	d := row[c.ib : c.ib+c.cb]
	if n := fixedSize(c.typ); n > 0 {
		if len(d) < n {
			return value{}, true, corrupt("node 0x%x: column 0x%04x has %d bytes", t.h.n.nid, id, len(d))
		}
		return value{typ: c.typ, data: d[:n]}, true, nil
	}
	if len(d) < 4 {
		return value{}, true, corrupt("node 0x%x: column 0x%04x has %d bytes", t.h.n.nid, id, len(d))
	}
	b, err := t.h.hnid(le.Uint32(d))
	if err != nil {
		return value{}, true, fmt.Errorf("column 0x%04x: %w", id, err)
	}
	return value{typ: c.typ, data: b}, true, nil
}
