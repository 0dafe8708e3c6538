// Package all registers every importer.
package all

import (
	_ "github.com/mailferry/mailferry/importers/eml"
	_ "github.com/mailferry/mailferry/importers/imap"
	_ "github.com/mailferry/mailferry/importers/maildir"
	_ "github.com/mailferry/mailferry/importers/mbox"
	_ "github.com/mailferry/mailferry/importers/msg"
	_ "github.com/mailferry/mailferry/importers/pop3"
	_ "github.com/mailferry/mailferry/importers/pst"
	_ "github.com/mailferry/mailferry/importers/thunderbird"
)
