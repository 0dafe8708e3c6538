package main

import (
	"slices"

	"github.com/spf13/pflag"
)

// gmailExclude is what --gmail skips in the source: Gmail shows every
// message of the account again in [Gmail]/All Mail, and the starred and
// important ones in Starred and Important (they are views, not folders);
// copying them would copy those messages two or three times. ("[Google
// Mail]" is the prefix of accounts opened in the UK and Germany.)
const gmailExclude = `^\[(Gmail|Google Mail)\]/(All Mail|Important|Starred)$`

func (o *copyOptions) addGmailFlag(f *pflag.FlagSet) {
	f.BoolVar(&o.gmail, "gmail", false, "Gmail/Google Workspace source: skip [Gmail]/All Mail, Important and Starred (views of messages that are in other folders); with --dedupe global a message with several labels is copied once")
}

// applyGmail adds the --gmail exclusion (once).
func (o *copyOptions) applyGmail() {
	if o.gmail && !slices.Contains(o.exclude, gmailExclude) {
		o.exclude = append(o.exclude, gmailExclude)
	}
}
