package i18n

import (
	"fmt"

	"golang.org/x/text/language"
	"golang.org/x/text/message/catalog"
)

// The messages of mailferry ui's page (internal/ui): its server-side texts
// (the report) go through a Printer like the command line's, and the page
// gets the table (UITable) to translate in the browser. They are part of
// the one catalogue: registered into it (and into ja, so Keys and the
// verb test cover them) at init; a key the command line already
// translates keeps the command line's translation.
func init() {
	b, ok := cat.(*catalog.Builder)
	if !ok {
		panic("i18n: the catalogue is not a catalog.Builder")
	}
	for k, v := range uiJA {
		if old, ok := ja[k]; ok {
			uiJA[k] = old
			continue
		}
		ja[k] = v
		if err := b.SetString(language.Japanese, k, v); err != nil {
			panic(fmt.Sprintf("i18n: %q: %v", k, err))
		}
	}
}

// UITable returns the page's messages in l: English text → text in l
// (empty for English, whose texts are the keys). The page formats the
// verbs itself (%s, %d, %[n]s).
func UITable(l Lang) map[string]string {
	out := map[string]string{}
	if l != Japanese {
		return out
	}
	for k := range uiJA {
		out[k] = ja[k]
	}
	for _, k := range uiShared {
		if v, ok := ja[k]; ok {
			out[k] = v
		}
	}
	return out
}

// uiShared are command-line messages the page shows too (problem kinds).
var uiShared = []string{"skipped", "error", "too-big", "rejected", "unaccounted", "altered"}
