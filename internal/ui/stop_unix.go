//go:build !windows

package ui

import "os"

// interrupt asks a child to stop as Ctrl-C does: after the message in
// flight, with its summary, exit 130.
func interrupt(p *os.Process) error { return p.Signal(os.Interrupt) }
