// Package all registers every exporter.
package all

import (
	_ "github.com/mailferry/mailferry/exporters/eml"
	_ "github.com/mailferry/mailferry/exporters/imap"
	_ "github.com/mailferry/mailferry/exporters/maildir"
	_ "github.com/mailferry/mailferry/exporters/mbox"
)
