package backuptest

import (
	"context"

	"github.com/mailferry/mailferry/importers"
	imapimp "github.com/mailferry/mailferry/importers/imap"
)

func openIMAP(ctx context.Context, url string, opts *importers.Options) (*imapimp.Source, error) {
	return imapimp.Open(ctx, url, opts)
}
