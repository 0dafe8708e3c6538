package outlook

import (
	"fmt"

	"github.com/mailferry/mailferry/importers"
)

// SkipNonMail is how the pst and msg sources report an item that is not
// mail (nm, read with ReadNonMail): it saves nm to dir when there is one
// (--nonmail; id is the item's identity, stable across runs: "pst nid
// 0x..", "msg path/below/root") and returns the SkipError that names the
// item (ref, f), its title and where it was saved, or which --nonmail
// file it would be. A failed save is an error.
func SkipNonMail(nm *NonMail, dir *NonMailDir, id, ref string, f importers.Folder) (*importers.SkipError, error) {
	reason := "not mail, not copied"
	if t := nm.Title(); t != "" {
		reason = fmt.Sprintf("%q: %s", t, reason)
	}
	switch {
	case dir != nil && nm.Ext() != "":
		path, err := dir.Save(nm, id)
		if err != nil {
			return nil, fmt.Errorf("--nonmail: %w", err)
		}
		reason += "; saved as " + path
	case nm.Ext() != "":
		reason += " (--nonmail DIR saves it as " + nm.Ext() + ")"
	}
	return &importers.SkipError{Ref: ref, Folder: f, Kind: nm.Kind, Reason: reason}, nil
}
