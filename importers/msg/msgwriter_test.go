package msg

import (
	"encoding/binary"
	"fmt"
	"time"
	"unicode/utf16"

	"golang.org/x/text/encoding/japanese"
)

// A minimal .msg (MS-OXMSG) writer on top of writeCFB, for fixtures.

// tprop is one property to write. val is a string (written PT_UNICODE,
// or PT_STRING8 in the message's code page when ansi is set), []byte
// (PT_BINARY), int32 (PT_LONG), bool (PT_BOOLEAN) or time.Time
// (PT_SYSTIME).
type tprop struct {
	id   uint16
	val  any
	ansi bool
}

type tmsg struct {
	props  []tprop
	recips [][]tprop
	atts   []tatt
	// cp932 makes ANSI strings Shift_JIS, else they are Latin-1 bytes.
	cp932 bool
	// nameGUIDs and nameEntries are the GUID and entry streams of
	// __nameid_version1.0 (named properties 0x8000+i); empty by default.
	nameGUIDs, nameEntries []byte
}

type tatt struct {
	props    []tprop
	embedded *tmsg
}

func u(id uint16, s string) tprop     { return tprop{id: id, val: s} }
func a(id uint16, s string) tprop     { return tprop{id: id, val: s, ansi: true} }
func b(id uint16, v []byte) tprop     { return tprop{id: id, val: v} }
func l(id uint16, v int32) tprop      { return tprop{id: id, val: v} }
func tm(id uint16, v time.Time) tprop { return tprop{id: id, val: v} }
func bo(id uint16, v bool) tprop      { return tprop{id: id, val: v} }

func utf16le(s string) []byte {
	us := utf16.Encode([]rune(s))
	out := make([]byte, 2*len(us))
	for i, c := range us {
		binary.LittleEndian.PutUint16(out[2*i:], c)
	}
	return out
}

func toFiletime(t time.Time) uint64 {
	return uint64(t.UnixNano()/100) + 116444736000000000
}

// encodeProps returns the property stream entries (after the header) and
// the __substg1.0_ streams of ps.
func (m *tmsg) encodeProps(ps []tprop) (entries []byte, streams []*cfbNode) {
	for _, p := range ps {
		var typ uint16
		var v [8]byte
		var data []byte
		var variable bool
		switch x := p.val.(type) {
		case string:
			variable = true
			if p.ansi {
				typ = ptString8
				data = []byte(x)
				if m.cp932 {
					enc, err := japanese.ShiftJIS.NewEncoder().Bytes([]byte(x))
					if err != nil {
						panic(err)
					}
					data = enc
				}
				binary.LittleEndian.PutUint32(v[:], uint32(len(data)+1))
			} else {
				typ = ptUnicode
				data = utf16le(x)
				binary.LittleEndian.PutUint32(v[:], uint32(len(data)+2))
			}
		case []byte:
			variable = true
			typ, data = ptBinary, x
			binary.LittleEndian.PutUint32(v[:], uint32(len(data)))
		case int32:
			typ = ptLong
			binary.LittleEndian.PutUint32(v[:], uint32(x))
		case bool:
			typ = ptBoolean
			if x {
				v[0] = 1
			}
		case time.Time:
			typ = ptSystime
			binary.LittleEndian.PutUint64(v[:], toFiletime(x))
		default:
			panic(fmt.Sprintf("tprop %#x: type %T", p.id, p.val))
		}
		e := make([]byte, 16)
		binary.LittleEndian.PutUint32(e[0:], uint32(p.id)<<16|uint32(typ))
		binary.LittleEndian.PutUint32(e[4:], 6) // readable, writable
		copy(e[8:], v[:])
		entries = append(entries, e...)
		if variable {
			streams = append(streams, cfbStream(fmt.Sprintf("__substg1.0_%04X%04X", p.id, typ), data))
		}
	}
	return entries, streams
}

// node returns the storage holding m: the root (top) or the content of
// an embedded message's __substg1.0_3701000D.
func (m *tmsg) node(name string, top bool) *cfbNode {
	entries, streams := m.encodeProps(m.props)
	hdr := make([]byte, propsHeaderEmb)
	if top {
		hdr = make([]byte, propsHeaderTop)
	}
	binary.LittleEndian.PutUint32(hdr[8:], uint32(len(m.recips)))
	binary.LittleEndian.PutUint32(hdr[12:], uint32(len(m.atts)))
	binary.LittleEndian.PutUint32(hdr[16:], uint32(len(m.recips)))
	binary.LittleEndian.PutUint32(hdr[20:], uint32(len(m.atts)))
	kids := append([]*cfbNode{cfbStream("__properties_version1.0", append(hdr, entries...))}, streams...)
	if top {
		kids = append(kids, cfbDir("__nameid_version1.0",
			cfbStream("__substg1.0_00020102", m.nameGUIDs),
			cfbStream("__substg1.0_00030102", m.nameEntries),
			cfbStream("__substg1.0_00040102", nil)))
	}
	for i, r := range m.recips {
		e, s := m.encodeProps(r)
		kids = append(kids, cfbDir(fmt.Sprintf("__recip_version1.0_#%08X", i),
			append([]*cfbNode{cfbStream("__properties_version1.0", append(make([]byte, propsHeaderRest), e...))}, s...)...))
	}
	for i, at := range m.atts {
		e, s := m.encodeProps(at.props)
		kids2 := append([]*cfbNode{nil}, s...)
		if at.embedded != nil {
			obj := make([]byte, 16)
			binary.LittleEndian.PutUint32(obj[0:], uint32(prAttachDataBin)<<16|ptObject)
			binary.LittleEndian.PutUint32(obj[4:], 6)
			binary.LittleEndian.PutUint32(obj[8:], 0xFFFFFFFF)
			e = append(e, obj...)
			at.embedded.cp932 = at.embedded.cp932 || m.cp932
			kids2 = append(kids2, at.embedded.node("__substg1.0_3701000D", false))
		}
		kids2[0] = cfbStream("__properties_version1.0", append(make([]byte, propsHeaderRest), e...))
		kids = append(kids, cfbDir(fmt.Sprintf("__attach_version1.0_#%08X", i), kids2...))
	}
	return cfbDir(name, kids...)
}

// bytes writes m as a .msg file.
func (m *tmsg) bytes() []byte { return writeCFB(m.node("Root Entry", true)) }
