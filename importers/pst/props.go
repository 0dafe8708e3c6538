package pst

import (
	"math"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/mailferry/mailferry/importers/outlook"
)

// MAPI property IDs used here (MS-OXPROPS).
const (
	pidMessageClass         = 0x001A
	pidSubject              = 0x0037
	pidClientSubmitTime     = 0x0039
	pidSentRepName          = 0x0042
	pidSentRepAddrType      = 0x0064
	pidSentRepEmail         = 0x0065
	pidTransportHeaders     = 0x007D
	pidRecipientType        = 0x0C15
	pidSenderName           = 0x0C1A
	pidSenderAddrType       = 0x0C1E
	pidSenderEmail          = 0x0C1F
	pidDisplayBcc           = 0x0E02
	pidDisplayCc            = 0x0E03
	pidDisplayTo            = 0x0E04
	pidDeliveryTime         = 0x0E06
	pidMessageFlags         = 0x0E07
	pidAttachSize           = 0x0E20
	pidBody                 = 0x1000
	pidRTFCompressed        = 0x1009
	pidHTML                 = 0x1013
	pidMessageID            = 0x1035
	pidReferences           = 0x1039
	pidInReplyTo            = 0x1042
	pidIconIndex            = 0x1080
	pidLastVerbExecuted     = 0x1081
	pidFlagStatus           = 0x1090
	pidDisplayName          = 0x3001
	pidAddrType             = 0x3002
	pidEmailAddress         = 0x3003
	pidCreationTime         = 0x3007
	pidIPMSubtreeEntryID    = 0x35E0
	pidIPMWastebasket       = 0x35E3
	pidIPMSentMail          = 0x35E4
	pidContentCount         = 0x3602
	pidContainerClass       = 0x3613
	pidIPMDraftsEntryID     = 0x36D7
	pidAdditionalRen        = 0x36D8
	pidAttachDataBin        = 0x3701
	pidAttachFilename       = 0x3704
	pidAttachMethod         = 0x3705
	pidAttachLongFilename   = 0x3707
	pidAttachMimeTag        = 0x370E
	pidAttachContentID      = 0x3712
	pidAttachFlags          = 0x3714
	pidSMTPAddress          = 0x39FE
	pidInternetCPID         = 0x3FDE
	pidMessageCodepage      = 0x3FFD
	pidSenderSMTP           = 0x5D01
	pidSentRepSMTP          = 0x5D02
	pidRecipientDisplayName = 0x5FF6
	pidAttachmentHidden     = 0x7FFE
)

// Well-known NIDs (MS-PST 2.4.1).
const (
	nidMessageStore = 0x21
	nidRootFolder   = 0x122

	nidTypeNormalFolder  = 0x02
	nidTypeNormalMessage = 0x04

	nidRecipientTable  = 0x692
	nidAttachmentTable = 0x671
)

func nidType(nid uint32) uint32 { return nid & 0x1f }

// str decodes a string value. PT_STRING8 uses code page cp.
func (v value) str(cp int) string {
	switch v.typ {
	case ptUnicode:
		return utf16String(v.data)
	case ptString8:
		b := v.data
		for len(b) > 0 && b[len(b)-1] == 0 {
			b = b[:len(b)-1]
		}
		return decodeCP(b, cp)
	case ptBinary:
		// QUIRK: some writers store text properties (PR_HTML) as binary.
		return decodeCP(v.data, cp)
	}
	return ""
}

func (v value) int32() int32 {
	switch len(v.data) {
	case 1:
		return int32(v.data[0])
	case 2:
		return int32(int16(le.Uint16(v.data)))
	case 4, 8:
		return int32(le.Uint32(v.data))
	}
	return 0
}

func (v value) bool() bool {
	for _, b := range v.data {
		if b != 0 {
			return true
		}
	}
	return false
}

// time converts a FILETIME. Zero and out-of-range values give the zero
// time.
func (v value) time() time.Time {
	if v.typ != ptSysTime || len(v.data) < 8 {
		return time.Time{}
	}
	return filetime(le.Uint64(v.data))
}

// filetimeEpochDelta is 1601-01-01 to 1970-01-01 in 100 ns.
const filetimeEpochDelta = 116444736000000000

func filetime(ft uint64) time.Time {
	// 0 means "not set"; 0x7FFF... and 0xFFFF... are "never" in MAPI.
	if ft == 0 || ft >= 0x7fffffff00000000 {
		return time.Time{}
	}
	// Years before 1900 or after 9999 are not real dates.
	if ft < 94354848000000000 || ft > 2650467743990000000 {
		return time.Time{}
	}
	d := int64(ft) - filetimeEpochDelta
	return time.Unix(d/1e7, (d%1e7)*100).UTC()
}

// utf16String decodes UTF-16LE, dropping trailing NULs; an odd last byte
// is ignored and unpaired surrogates become U+FFFD.
func utf16String(b []byte) string {
	n := len(b) / 2
	for n > 0 && b[2*n-2] == 0 && b[2*n-1] == 0 {
		n--
	}
	// Straight to UTF-8, as utf16.Decode would give it (unpaired
	// surrogates become U+FFFD) but without its []rune: string properties
	// were a fifth of what a PST copy allocated.
	var sb strings.Builder
	sb.Grow(n)
	for i := 0; i < n; i++ {
		c := rune(le.Uint16(b[2*i:]))
		switch {
		case c < utf8.RuneSelf:
			sb.WriteByte(byte(c))
		case utf16.IsSurrogate(c):
			if c < 0xdc00 && i+1 < n {
				if c2 := rune(le.Uint16(b[2*i+2:])); c2 >= 0xdc00 && c2 < 0xe000 {
					sb.WriteRune(utf16.DecodeRune(c, c2))
					i++
					continue
				}
			}
			sb.WriteRune(utf8.RuneError)
		default:
			sb.WriteRune(c)
		}
	}
	return sb.String()
}

// cleanSubject removes the subject prefix marker (U+0001 and a length
// character) that PR_SUBJECT may start with.
func cleanSubject(s string) string { return outlook.CleanSubject(s) }

// trimNul removes NULs a writer left at the end of a string.
func trimNul(s string) string { return strings.TrimRight(s, "\x00") }

func float64frombits(b uint64) float64 { return math.Float64frombits(b) }
