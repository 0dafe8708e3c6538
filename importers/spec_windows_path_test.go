package importers

import "testing"

// Windows paths after a scheme are taken as they are: the drive letter's
// colon is not a second scheme, backslashes are not escapes.
func TestParseSpecWindowsPaths(t *testing.T) {
	KnowScheme("pst")
	KnowScheme("thunderbird")
	for _, c := range []struct{ in, scheme, path string }{
		{`pst:C:\Users\山田\Documents\Outlook Files\Outlook.pst`, "pst", `C:\Users\山田\Documents\Outlook Files\Outlook.pst`},
		{`pst:\\nas\share\backup.ost`, "pst", `\\nas\share\backup.ost`},
		{`thunderbird:C:\Users\me\AppData\Roaming\Thunderbird\Profiles\x.default`, "thunderbird", `C:\Users\me\AppData\Roaming\Thunderbird\Profiles\x.default`},
		{`PST:D:/mail/old.pst`, "pst", `D:/mail/old.pst`},
	} {
		s, err := ParseSpec(c.in)
		if err != nil || s.Scheme != c.scheme || s.Path != c.path {
			t.Errorf("ParseSpec(%q) = %+v, %v; want %s %q", c.in, s, err, c.scheme, c.path)
		}
	}
}
