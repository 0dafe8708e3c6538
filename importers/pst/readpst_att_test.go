package pst

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/mailferry/mailferry/importers/outlook/outlooktest"
)

// attachmentSet lists the attachments by value of a message as
// "sha256 name" lines, sorted: parts that are attachments, not embedded
// messages and not the RTF body.
func attachmentSet(raw []byte) (string, error) {
	_, parts, err := outlooktest.Parts(raw)
	if err != nil {
		return "", err
	}
	var out []string
	for _, p := range parts {
		if !p.Attachment || p.Type == "message/rfc822" || p.Filename == "body.rtf" || p.Filename == "body.rtf.lzfu" {
			continue
		}
		s := sha256.Sum256(p.Body)
		out = append(out, fmt.Sprintf("%s %q", hex.EncodeToString(s[:8]), p.Filename))
	}
	sort.Strings(out)
	return strings.Join(out, ", "), nil
}

// sameAttachments compares attachment sets; a name that readpst's
// message does not give (see TestReadpstAttachments) matches any.
func sameAttachments(ours, theirs string) bool {
	o, r := strings.Split(ours, ", "), strings.Split(theirs, ", ")
	if len(o) != len(r) {
		return false
	}
	for i := range o {
		oh, _, _ := strings.Cut(o[i], " ")
		rh, rn, _ := strings.Cut(r[i], " ")
		if o[i] != r[i] && !(rn == `""` && oh == rh) {
			return false
		}
	}
	return true
}

// TestReadpstAttachments compares the attachments of every message of
// enron.pst and support.pst with those readpst writes (same Message-ID,
// messages whose Message-ID is unique in both outputs): the same bytes
// under the same file names.
//
// QUIRK: readpst (libpst 0.6.76) writes both an RFC 2231 "filename*"
// parameter (charset utf-8, the name not percent-encoded although RFC
// 2231 section 7 allows no '@', '(' or space there) and "filename"; Go's
// mime.ParseMediaType rejects the pair, so go-message gives no name for
// those attachments (in 19 messages of enron.pst and 1 of support.pst).
// There only the bytes are compared.
func TestReadpstAttachments(t *testing.T) {
	for _, name := range []string{"enron.pst", "support.pst"} {
		t.Run(name, func(t *testing.T) {
			path := samplePath(t, name)
			rp := runReadpst(t, path, "e")
			theirs := map[string][]string{}
			for _, files := range rp.files {
				for _, f := range files {
					if !strings.HasSuffix(f, ".eml") {
						continue
					}
					raw, err := os.ReadFile(f)
					if err != nil {
						t.Fatal(err)
					}
					set, err := attachmentSet(raw)
					if err != nil {
						t.Logf("readpst's %s does not parse: %v", f, err)
						set = "unparsable"
					}
					mid := headerField(raw, "Message-Id")
					theirs[mid] = append(theirs[mid], set)
				}
			}
			s, _ := openTest(t, path)
			ours := map[string][]string{}
			for _, g := range walkAll(t, s) {
				if g.err != nil {
					continue
				}
				set, err := attachmentSet(g.raw)
				if err != nil {
					t.Errorf("%s: %v", g.ref, err)
				}
				mid := headerField(g.raw, "Message-Id")
				ours[mid] = append(ours[mid], set)
			}
			compared, withAtt, bad := 0, 0, 0
			for mid, o := range ours {
				r := theirs[mid]
				if mid == "" || len(o) != 1 || len(r) != 1 {
					continue
				}
				compared++
				if o[0] != "" {
					withAtt++
				}
				if !sameAttachments(o[0], r[0]) {
					if bad++; bad <= 10 {
						t.Errorf("%s: attachments\n ours    %s\n readpst %s", mid, o[0], r[0])
					}
				}
			}
			if bad > 0 {
				t.Errorf("%d of %d messages differ", bad, compared)
			}
			t.Logf("%s: %d messages compared with readpst, %d with attachments", name, compared, withAtt)
		})
	}
}
