package msg

import (
	"encoding/binary"
	"sort"
	"strings"
	"unicode/utf16"
)

// A minimal MS-CFB (compound file) writer for test fixtures: version 3,
// 512-byte sectors, streams under 4096 bytes in the mini stream, sibling
// trees balanced and coloured as valid red-black trees, no DIFAT (files up
// to about 6.8 MiB).

const (
	cfbFreeSect   = 0xFFFFFFFF
	cfbEndOfChain = 0xFFFFFFFE
	cfbFATSect    = 0xFFFFFFFD
	cfbNoStream   = 0xFFFFFFFF
	cfbSector     = 512
	cfbMini       = 64
	cfbCutoff     = 4096
)

// cfbNode is a storage (dir) or a stream in the tree to write.
type cfbNode struct {
	name     string
	dir      bool
	data     []byte
	children []*cfbNode
}

func cfbStream(name string, data []byte) *cfbNode { return &cfbNode{name: name, data: data} }
func cfbDir(name string, children ...*cfbNode) *cfbNode {
	return &cfbNode{name: name, dir: true, children: children}
}

// cfbLess is the MS-CFB 2.6.4 order: shorter names first, then by
// upper-cased UTF-16 code units.
func cfbLess(a, b string) bool {
	ua, ub := utf16.Encode([]rune(strings.ToUpper(a))), utf16.Encode([]rune(strings.ToUpper(b)))
	if len(ua) != len(ub) {
		return len(ua) < len(ub)
	}
	for i := range ua {
		if ua[i] != ub[i] {
			return ua[i] < ub[i]
		}
	}
	return false
}

type cfbEntry struct {
	node               *cfbNode
	typ                byte // 1 storage, 2 stream, 5 root
	color              byte // 0 red, 1 black
	left, right, child uint32
	start              uint32
	size               uint64
}

// writeCFB serializes root (a storage: the Root Entry) as a compound file.
func writeCFB(root *cfbNode) []byte {
	entries := []*cfbEntry{{node: root, typ: 5, color: 1, left: cfbNoStream, right: cfbNoStream, child: cfbNoStream}}
	// Breadth first: each storage's children get consecutive IDs.
	for i := 0; i < len(entries); i++ {
		e := entries[i]
		if !e.node.dir || len(e.node.children) == 0 {
			continue
		}
		kids := append([]*cfbNode(nil), e.node.children...)
		sort.SliceStable(kids, func(a, b int) bool { return cfbLess(kids[a].name, kids[b].name) })
		first := uint32(len(entries))
		for _, k := range kids {
			typ := byte(2)
			if k.dir {
				typ = 1
			}
			entries = append(entries, &cfbEntry{node: k, typ: typ, left: cfbNoStream, right: cfbNoStream, child: cfbNoStream})
		}
		e.child = balance(entries, first, first+uint32(len(kids)), 0, treeDepth(len(kids)))
	}

	// Stream data: small streams in the mini stream, others in sectors.
	var mini []byte
	var miniFAT []uint32
	var big []*cfbEntry
	for _, e := range entries {
		if e.typ != 2 {
			continue
		}
		e.size = uint64(len(e.node.data))
		switch {
		case len(e.node.data) == 0:
			e.start = cfbEndOfChain
		case len(e.node.data) < cfbCutoff:
			e.start = uint32(len(mini) / cfbMini)
			n := (len(e.node.data) + cfbMini - 1) / cfbMini
			for k := 0; k < n; k++ {
				next := uint32(len(miniFAT) + 1)
				if k == n-1 {
					next = cfbEndOfChain
				}
				miniFAT = append(miniFAT, next)
			}
			mini = append(mini, e.node.data...)
			mini = append(mini, make([]byte, n*cfbMini-len(e.node.data))...)
		default:
			big = append(big, e)
		}
	}
	sectors := func(n int) int { return (n + cfbSector - 1) / cfbSector }
	nDir := (len(entries) + 3) / 4
	nMiniFAT := sectors(len(miniFAT) * 4)
	nMini := sectors(len(mini))
	nBig := 0
	for _, e := range big {
		nBig += sectors(len(e.node.data))
	}
	nFAT := 1
	for {
		total := nFAT + nDir + nMiniFAT + nMini + nBig
		if need := (total + 127) / 128; need <= nFAT {
			break
		}
		nFAT++
	}
	if nFAT > 109 {
		panic("cfb writer: file too large for a header-only DIFAT")
	}
	fat := make([]uint32, 0, nFAT*128)
	for i := 0; i < nFAT; i++ {
		fat = append(fat, cfbFATSect)
	}
	chain := func(n int) uint32 {
		if n == 0 {
			return cfbEndOfChain
		}
		start := uint32(len(fat))
		for k := 0; k < n; k++ {
			next := uint32(len(fat) + 1)
			if k == n-1 {
				next = cfbEndOfChain
			}
			fat = append(fat, next)
		}
		return start
	}
	dirStart := chain(nDir)
	miniFATStart := chain(nMiniFAT)
	miniStart := chain(nMini)
	for _, e := range big {
		e.start = chain(sectors(len(e.node.data)))
	}
	for len(fat) < nFAT*128 {
		fat = append(fat, cfbFreeSect)
	}
	entries[0].start = miniStart
	entries[0].size = uint64(len(mini))

	out := make([]byte, cfbSector)
	h := out
	copy(h[0:], "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")
	binary.LittleEndian.PutUint16(h[24:], 0x003E)
	binary.LittleEndian.PutUint16(h[26:], 3)
	binary.LittleEndian.PutUint16(h[28:], 0xFFFE)
	binary.LittleEndian.PutUint16(h[30:], 9)
	binary.LittleEndian.PutUint16(h[32:], 6)
	binary.LittleEndian.PutUint32(h[44:], uint32(nFAT))
	binary.LittleEndian.PutUint32(h[48:], dirStart)
	binary.LittleEndian.PutUint32(h[56:], cfbCutoff)
	binary.LittleEndian.PutUint32(h[60:], miniFATStart)
	binary.LittleEndian.PutUint32(h[64:], uint32(nMiniFAT))
	binary.LittleEndian.PutUint32(h[68:], cfbEndOfChain)
	binary.LittleEndian.PutUint32(h[72:], 0)
	for i := 0; i < 109; i++ {
		v := uint32(cfbFreeSect)
		if i < nFAT {
			v = uint32(i)
		}
		binary.LittleEndian.PutUint32(h[76+4*i:], v)
	}
	put32s := func(vs []uint32, fill uint32, n int) {
		buf := make([]byte, n*cfbSector)
		for i := range n * cfbSector / 4 {
			v := fill
			if i < len(vs) {
				v = vs[i]
			}
			binary.LittleEndian.PutUint32(buf[4*i:], v)
		}
		out = append(out, buf...)
	}
	put32s(fat, cfbFreeSect, nFAT)
	dir := make([]byte, nDir*cfbSector)
	for i := range nDir * 4 {
		d := dir[128*i : 128*(i+1)]
		if i >= len(entries) {
			binary.LittleEndian.PutUint32(d[68:], cfbNoStream)
			binary.LittleEndian.PutUint32(d[72:], cfbNoStream)
			binary.LittleEndian.PutUint32(d[76:], cfbNoStream)
			continue
		}
		e := entries[i]
		name := "Root Entry"
		if i > 0 {
			name = e.node.name
		}
		u := utf16.Encode([]rune(name))
		if len(u) > 31 {
			panic("cfb writer: name too long: " + name)
		}
		for k, c := range u {
			binary.LittleEndian.PutUint16(d[2*k:], c)
		}
		binary.LittleEndian.PutUint16(d[64:], uint16(2*(len(u)+1)))
		d[66] = e.typ
		d[67] = e.color
		binary.LittleEndian.PutUint32(d[68:], e.left)
		binary.LittleEndian.PutUint32(d[72:], e.right)
		binary.LittleEndian.PutUint32(d[76:], e.child)
		binary.LittleEndian.PutUint32(d[116:], e.start)
		binary.LittleEndian.PutUint64(d[120:], e.size)
	}
	out = append(out, dir...)
	put32s(miniFAT, cfbFreeSect, nMiniFAT)
	out = append(out, mini...)
	out = append(out, make([]byte, nMini*cfbSector-len(mini))...)
	for _, e := range big {
		out = append(out, e.node.data...)
		out = append(out, make([]byte, sectors(len(e.node.data))*cfbSector-len(e.node.data))...)
	}
	return out
}

// balance makes entries[lo:hi] (sorted siblings) a balanced binary tree
// and returns its root. Nodes on the deepest level of an incomplete tree
// are red, all others black, which satisfies the red-black rules.
func balance(entries []*cfbEntry, lo, hi uint32, depth, maxDepth int) uint32 {
	if lo >= hi {
		return cfbNoStream
	}
	mid := lo + (hi-lo)/2
	e := entries[mid]
	e.color = 1
	if depth == maxDepth && depth > 0 {
		e.color = 0
	}
	e.left = balance(entries, lo, mid, depth+1, maxDepth)
	e.right = balance(entries, mid+1, hi, depth+1, maxDepth)
	return mid
}

// treeDepth is the depth of the deepest node of a balanced tree of n nodes
// (root at 0).
func treeDepth(n int) int {
	d := -1
	for n > 0 {
		d++
		n /= 2
	}
	return d
}
