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
	// The code says which sentence (importers.SkipFormat), so that the
	// summary can say it in the user's language.
	var args []any
	if t := nm.Title(); t != "" {
		args = append(args, t)
	}
	code := importers.SkipNotMail
	switch {
	case dir != nil && nm.Ext() != "":
		path, err := dir.Save(nm, id)
		if err != nil {
			return nil, fmt.Errorf("--nonmail: %w", err)
		}
		code = importers.SkipNotMailSaved
		args = append(args, path)
	case nm.Ext() != "":
		code = importers.SkipNotMailSavable
		args = append(args, nm.Ext())
	}
	if nm.Title() != "" {
		code = titled[code]
	}
	return importers.NewSkipError(ref, f, nm.Kind, code, args...), nil
}

// titled is the code of a sentence with the item's title first.
var titled = map[string]string{
	importers.SkipNotMail:        importers.SkipNotMailTitled,
	importers.SkipNotMailSaved:   importers.SkipNotMailTitledSaved,
	importers.SkipNotMailSavable: importers.SkipNotMailTitledSavable,
}
