//go:build !unix

package localfs

import "errors"

func errNoSpace() error { return errors.New("no space") }
