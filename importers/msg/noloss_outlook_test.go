package msg

// noloss_outlook_test.go: .msg files of contacts and appointments are
// reported as skipped (not mail) and written to --nonmail DIR as the pst
// source writes them.

import (
	"context"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/mailferry/mailferry/importers"
	"github.com/mailferry/mailferry/importers/outlook"
)

// withNamed gives m a name-to-ID map of named: property 0x8000+i is
// named[i].
func withNamed(m *tmsg, named ...struct {
	guid [16]byte
	lid  uint32
}) *tmsg {
	index := map[[16]byte]int{}
	for i, n := range named {
		gi, ok := index[n.guid]
		if !ok {
			gi = 3 + len(index)
			index[n.guid] = gi
			m.nameGUIDs = append(m.nameGUIDs, n.guid[:]...)
		}
		m.nameEntries = binary.LittleEndian.AppendUint32(m.nameEntries, n.lid)
		m.nameEntries = binary.LittleEndian.AppendUint16(m.nameEntries, uint16(gi<<1))
		m.nameEntries = binary.LittleEndian.AppendUint16(m.nameEntries, uint16(i))
	}
	return m
}

type named = struct {
	guid [16]byte
	lid  uint32
}

func TestNonMailMsg(t *testing.T) {
	start := time.Date(2022, 3, 4, 9, 30, 0, 0, time.UTC)
	contact := withNamed(&tmsg{props: []tprop{
		u(prMessageClass, "IPM.Contact"), u(prSubject, "Alice Example"), u(prDisplayName, "Alice Example"),
		u(0x3A06, "Alice"), u(0x3A11, "Example"), u(0x3A1C, "+44 7700 900123"),
		u(0x8000, "alice@example.com"), u(0x8001, "Example, Alice"),
	}}, named{outlook.PSETIDAddress, outlook.LidEmail1Address}, named{outlook.PSETIDAddress, outlook.LidFileUnder})
	appt := withNamed(&tmsg{props: []tprop{
		u(prMessageClass, "IPM.Appointment"), u(prSubject, "Dentist"), tm(prCreationTime, start.Add(-48*time.Hour)),
		tm(0x8000, start), tm(0x8001, start.Add(45*time.Minute)), u(0x8002, "Main St 1"),
	}}, named{outlook.PSETIDAppointment, outlook.LidAppointmentStart}, named{outlook.PSETIDAppointment, outlook.LidAppointmentEnd},
		named{outlook.PSETIDAppointment, outlook.LidLocation})
	tree := t.TempDir()
	for name, data := range map[string][]byte{
		"Contacts/alice.msg":   contact.bytes(),
		"Calendar/dentist.msg": appt.bytes(),
		"mail.msg":             fxUnicodeHTML().bytes(),
	} {
		p := filepath.Join(tree, filepath.FromSlash(name))
		os.MkdirAll(filepath.Dir(p), 0o700)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	dir := filepath.Join(t.TempDir(), "out")
	walk := func() (kinds []string, mails int) {
		src, err := Open(tree, outlook.Settings{NonMailDir: dir}.Options())
		if err != nil {
			t.Fatal(err)
		}
		defer src.Close()
		ctx := context.Background()
		fis, err := src.Folders(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, fi := range fis {
			n := int64(0)
			err := src.Walk(ctx, fi.Folder, nil, func(m *importers.Message, rerr error) error {
				n++
				var se *importers.SkipError
				switch {
				case errors.As(rerr, &se):
					if se.Ref != m.Ref || !strings.HasPrefix(se.Ref, "msg:") || !strings.Contains(se.Reason, "saved as "+dir) {
						t.Errorf("SkipError %+v", se)
					}
					kinds = append(kinds, fi.Folder.String()+"="+se.Kind)
				case rerr != nil:
					t.Errorf("%v", rerr)
				default:
					mails++
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if n != fi.Messages {
				t.Errorf("%s: Folders counts %d, Walk handed out %d", fi.Folder, fi.Messages, n)
			}
		}
		sort.Strings(kinds)
		return kinds, mails
	}
	kinds, mails := walk()
	if strings.Join(kinds, " ") != "Calendar=appointment Contacts=contact" || mails != 1 {
		t.Errorf("skipped %v, %d mails", kinds, mails)
	}
	walk() // a second run writes nothing new
	ents, err := os.ReadDir(dir)
	if err != nil || len(ents) != 2 {
		t.Fatalf("files %v, %v", ents, err)
	}
	var vcf, ics string
	for _, e := range ents {
		b, _ := os.ReadFile(filepath.Join(dir, e.Name()))
		switch filepath.Ext(e.Name()) {
		case ".vcf":
			vcf = string(b)
		case ".ics":
			ics = string(b)
		}
	}
	for _, want := range []string{"VERSION:3.0\r\n", "FN:Alice Example\r\n", "N:Example;Alice;;;\r\n", "EMAIL;TYPE=INTERNET:alice@example.com\r\n", "TEL;TYPE=cell,voice:+44 7700 900123\r\n"} {
		if !strings.Contains(vcf, want) {
			t.Errorf("vCard lacks %q:\n%s", want, vcf)
		}
	}
	for _, want := range []string{"BEGIN:VEVENT\r\n", "SUMMARY:Dentist\r\n", "DTSTART:20220304T093000Z\r\n", "DTEND:20220304T101500Z\r\n", "LOCATION:Main St 1\r\n"} {
		if !strings.Contains(ics, want) {
			t.Errorf("iCalendar lacks %q:\n%s", want, ics)
		}
	}
}
