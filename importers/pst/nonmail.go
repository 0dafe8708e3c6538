package pst

// nonmail.go: items that are not mail (contacts, appointments, tasks,
// notes, distribution lists, journal entries) are reported to the WalkFunc
// as *importers.SkipError and, with outlook.Settings.NonMailDir, written there as
// .vcf/.ics/.txt files by outlook.NonMailDir.

import (
	"fmt"
	"runtime/debug"
	"time"

	"github.com/mailferry/mailferry/importers"
	"github.com/mailferry/mailferry/importers/outlook"
)

// nidNameToIDMap is the node of the named property map (MS-PST 2.4.7).
const nidNameToIDMap = 0x61

// loadNameMap reads the numeric entries of the name-to-ID map. A store
// without one gets nil: then, as libpst does, property IDs 0x8000 and up
// are taken for the LIDs themselves.
func (s *store) loadNameMap() {
	e, err := s.f.node(nidNameToIDMap)
	if err != nil {
		return
	}
	p, err := s.f.nodeOf(e).pc()
	if err != nil {
		s.warnings = append(s.warnings, fmt.Sprintf("named property map unreadable (contact and calendar fields may be missing): %v", err))
		return
	}
	gv, _, _ := p.get(0x0002)
	ev, ok, err := p.get(0x0003)
	if err != nil || !ok {
		return
	}
	s.named = outlook.ParseNameMap(gv.data, ev.data)
}

// itemProps is outlook.Props over one item's property context.
type itemProps struct {
	p  *pc
	cp int
	st *store
}

func (ip itemProps) get(id uint16) (value, bool) {
	if id == 0 {
		return value{}, false
	}
	v, ok, err := ip.p.get(id)
	return v, ok && err == nil
}

func (ip itemProps) String(id uint16) string {
	v, ok := ip.get(id)
	if !ok || (v.typ != ptUnicode && v.typ != ptString8) {
		return ""
	}
	s := trimNul(v.str(ip.cp))
	if id == pidSubject {
		s = cleanSubject(s)
	}
	return s
}

func (ip itemProps) Time(id uint16) time.Time {
	v, ok := ip.get(id)
	if !ok {
		return time.Time{}
	}
	return v.time()
}

func (ip itemProps) Int32(id uint16) (int32, bool) {
	v, ok := ip.get(id)
	if !ok || v.typ != ptLong && v.typ != ptShort {
		return 0, false
	}
	return v.int32(), true
}

func (ip itemProps) Bool(id uint16) bool {
	v, ok := ip.get(id)
	return ok && v.typ == ptBool && v.bool()
}

func (ip itemProps) Float(id uint16) (float64, bool) {
	v, ok := ip.get(id)
	if !ok || v.typ != ptDouble || len(v.data) < 8 {
		return 0, false
	}
	return float64frombits(le.Uint64(v.data)), true
}

func (ip itemProps) MVBinary(id uint16) [][]byte {
	v, ok := ip.get(id)
	if !ok || v.typ != ptMV|ptBinary {
		return nil
	}
	return mvBinary(v.data)
}

func (ip itemProps) Named(guid [16]byte, lid uint32) uint16 {
	if ip.st.named == nil {
		if lid >= 0x8000 && lid <= 0xFFFE {
			return uint16(lid)
		}
		return 0
	}
	return ip.st.named[outlook.NamedKey{GUID: guid, LID: lid}]
}

// nonMail reads item e of class (not mail), saves it to the --nonmail
// directory when there is one, and returns the SkipError that reports it.
// An error is returned when the item cannot be read or saved.
func (s *Source) nonMail(e nbtEntry, class, ref string, f importers.Folder) (se *importers.SkipError, err error) {
	defer func() {
		if p := recover(); p != nil {
			se, err = nil, fmt.Errorf("internal error reading the item: %v\n%s", p, debug.Stack())
		}
	}()
	n := s.f.nodeOf(e)
	p, err := n.pc()
	if err != nil {
		return nil, err
	}
	nm := outlook.ReadNonMail(class, itemProps{p: p, cp: codepageOf(p, s.st.cp), st: s.st})
	// The identity is the node: stable across runs of the same file.
	return outlook.SkipNonMail(nm, s.nonmail, fmt.Sprintf("pst nid 0x%x", e.nid), ref, f)
}
