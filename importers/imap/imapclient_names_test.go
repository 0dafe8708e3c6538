package imap

import ic "github.com/mailferry/mailferry/internal/imapclient"

// The tests of this package name the client's types as they did when the
// client lived here.
type Namespace = ic.Namespace

var ErrLogin = ic.ErrLogin
