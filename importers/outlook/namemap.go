package outlook

import "encoding/binary"

// Property sets a name-to-ID map refers to by index (MS-OXPROPS 1.3.2).
var (
	PSMAPI          = guid(0x00020328)
	PSPublicStrings = guid(0x00020329)
)

// NamedKey is a numeric named property: its property set and LID.
type NamedKey struct {
	GUID [16]byte
	LID  uint32
}

// NameMap maps numeric named properties to the property IDs (0x8000 and
// up) a store or a .msg file gave them.
type NameMap map[NamedKey]uint16

// ParseNameMap reads the numeric entries of a name-to-ID map from its GUID
// stream (0x0002) and its entry stream (0x0003), which a PST (MS-PST
// 2.4.7) and a .msg file (MS-OXMSG 2.2.3) store alike: 8 bytes an entry,
// a LID, then the GUID index (shifted left one bit; bit 0 set for a
// string name, which is left out) and the property index. Entries whose
// GUID index points past the GUID stream are left out.
func ParseNameMap(guids, entries []byte) NameMap {
	m := NameMap{}
	for i := 0; i+8 <= len(entries); i += 8 {
		lid := binary.LittleEndian.Uint32(entries[i:])
		g := binary.LittleEndian.Uint16(entries[i+4:])
		idx := binary.LittleEndian.Uint16(entries[i+6:])
		if g&1 != 0 {
			continue // a string name
		}
		var guid [16]byte
		switch gi := int(g >> 1); gi {
		case 1:
			guid = PSMAPI
		case 2:
			guid = PSPublicStrings
		default:
			o := (gi - 3) * 16
			if gi < 3 || o+16 > len(guids) {
				continue
			}
			copy(guid[:], guids[o:o+16])
		}
		m[NamedKey{guid, lid}] = 0x8000 + idx
	}
	return m
}
