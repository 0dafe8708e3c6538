package ui

import "os"

// interrupt: Windows has no SIGINT for another process without a console
// of its own; the child is killed. A re-run finishes the job (what is in
// the target is not copied again).
func interrupt(p *os.Process) error { return p.Kill() }
