package msg

// nonmail.go: .msg files of items that are not mail (IPM.Contact,
// IPM.Appointment, ...) reach the WalkFunc as *importers.SkipError and,
// with outlook.Settings.NonMailDir, are written there by outlook.NonMailDir, as the
// pst source does.

import (
	"encoding/binary"
	"fmt"
	"math"
	"path/filepath"
	"time"

	"github.com/mailferry/mailferry/importers"
	"github.com/mailferry/mailferry/importers/outlook"
)

const (
	ptDouble   = 0x0005
	ptMVBinary = 0x1102
)

// nameMap reads the numeric entries of __nameid_version1.0 (MS-OXMSG
// 2.2.3): the same entry and GUID streams as a PST's name-to-ID map.
func (c *cfb) nameMap() outlook.NameMap {
	st := c.root.children["__NAMEID_VERSION1.0"]
	if st == nil {
		return nil
	}
	read := func(name string) []byte {
		f := st.streams[name]
		if f == nil {
			return nil
		}
		b, err := c.readStream(f, maxPropStream)
		if err != nil {
			return nil
		}
		return b
	}
	return outlook.ParseNameMap(read("__SUBSTG1.0_00020102"), read("__SUBSTG1.0_00030102"))
}

// msgProps is outlook.Props over a .msg file's top-level properties.
type msgProps struct {
	p     *props
	named outlook.NameMap
}

func (mp msgProps) String(id uint16) string {
	s := mp.p.str(id)
	if id == prSubject {
		s = outlook.CleanSubject(s)
	}
	return s
}
func (mp msgProps) Time(id uint16) time.Time      { return mp.p.time(id) }
func (mp msgProps) Int32(id uint16) (int32, bool) { return mp.p.i32(id) }
func (mp msgProps) Bool(id uint16) bool           { return mp.p.boolean(id) }

func (mp msgProps) Float(id uint16) (float64, bool) {
	v, ok := mp.p.fixed[uint32(id)<<16|ptDouble]
	if !ok {
		return 0, false
	}
	return math.Float64frombits(binary.LittleEndian.Uint64(v[:])), true
}

// MVBinary reads a multi-valued binary property (MS-OXMSG 2.1.4.2.2): a
// stream of lengths and one stream per value.
func (mp msgProps) MVBinary(id uint16) [][]byte {
	lens, ok := mp.p.value(id, ptMVBinary)
	if !ok {
		return nil
	}
	var out [][]byte
	for i := 0; i+8 <= len(lens) && i/8 < 1024; i += 8 {
		name := fmt.Sprintf("__SUBSTG1.0_%04X%04X-%08X", id, ptMVBinary, i/8)
		f := mp.p.st.streams[name]
		if f == nil {
			break
		}
		b, err := mp.p.c.readStream(f, maxValueStream)
		if err != nil {
			break
		}
		out = append(out, b)
	}
	return out
}

func (mp msgProps) Named(guid [16]byte, lid uint32) uint16 {
	return mp.named[outlook.NamedKey{GUID: guid, LID: lid}]
}

// nonMail reads the item of file p (class, not mail), saves it to the
// --nonmail directory when there is one, and returns its SkipError.
func (s *Source) nonMail(c *cfb, p, class string, m *importers.Message) (*importers.SkipError, error) {
	pr, err := c.props(c.root, propsHeaderTop)
	if err != nil {
		return nil, err
	}
	pr.cp = ansiCodePage(pr, 0)
	nm := outlook.ReadNonMail(class, msgProps{p: pr, named: c.nameMap()})
	if pr.err != nil {
		return nil, pr.err
	}
	// The identity is the file's path below the tree (its name for a
	// single file): stable across runs.
	id, err := filepath.Rel(s.root, p)
	if err != nil || id == "." {
		id = filepath.Base(p)
	}
	return outlook.SkipNonMail(nm, s.nonmail, "msg "+filepath.ToSlash(id), m.Ref, m.Folder)
}
