package outlook

import "testing"

// TestAddRecipientFlags: the resend flags of PidTagRecipientType are
// masked (MAPI_SUBMITTED) or mark a duplicate entry (MAPI_P1); the type
// is the value under them.
func TestAddRecipientFlags(t *testing.T) {
	for _, c := range []struct {
		typ         uint32
		missing     bool
		to, cc, bcc int
	}{
		{typ: 1, to: 1},
		{typ: 2, cc: 1},
		{typ: 3, bcc: 1},
		{missing: true, to: 1},
		{typ: 0, to: 1},
		{typ: 0x80000001, to: 1},
		{typ: 0x80000002, cc: 1},
		{typ: 0x80000003, bcc: 1},
		{typ: 0x10000001},
		{typ: 0x10000002},
		{typ: 0x10000003},
		{typ: 0x90000002},
		// an undefined value under no flag is not Cc (a 0xf mask would say so)
		{typ: 0x12, to: 1},
	} {
		var it Item
		AddRecipient(&it, int32(c.typ), !c.missing, Address{Address: "a@example.org"})
		if len(it.To) != c.to || len(it.Cc) != c.cc || len(it.Bcc) != c.bcc {
			t.Errorf("type %#x (missing %v): To %d Cc %d Bcc %d, want %d %d %d", c.typ, c.missing, len(it.To), len(it.Cc), len(it.Bcc), c.to, c.cc, c.bcc)
		}
	}
}
