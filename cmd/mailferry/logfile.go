package main

import (
	"encoding/json"
	"io"
	"os"
	"strings"
	"time"

	"github.com/mailferry/mailferry/importers"
	"github.com/spf13/cobra"
)

// openLog opens --log-file for appending (created 0600) and logs the
// command line with every store spec's secrets redacted.
func (g *globalOptions) openLog(cmd *cobra.Command) error {
	if g.logFile == "" || g.log != nil {
		return nil
	}
	f, err := os.OpenFile(g.logFile, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return importers.UsageError("--log-file: %v", err)
	}
	// Every line goes through the same secret redaction as stdout/stderr.
	g.log = struct {
		io.Writer
		io.Closer
	}{importers.RedactingWriter(f), f}
	args := make([]string, 0, len(os.Args))
	for _, a := range os.Args[1:] {
		args = append(args, importers.Redact(a))
	}
	g.logEvent(map[string]any{"type": "run", "command": cmd.CommandPath(), "args": strings.Join(args, " "), "version": versionString()})
	return nil
}

// logEvent appends one NDJSON line with the time to the log file, if any.
// Every string that reaches it has already been through the same
// redaction as the terminal output.
func (g *globalOptions) logEvent(v any) {
	if g.log == nil {
		return
	}
	b, err := json.Marshal(v)
	if err != nil {
		return
	}
	// {"time":…,<the event's own fields>}
	line := make([]byte, 0, len(b)+48)
	line = append(line, `{"time":"`...)
	line = time.Now().UTC().AppendFormat(line, time.RFC3339Nano)
	line = append(line, '"')
	if len(b) > 2 && b[0] == '{' {
		line = append(line, ',')
		line = append(line, b[1:]...)
	} else {
		line = append(line, `,"value":`...)
		line = append(line, b...)
		line = append(line, '}')
	}
	g.outMu.Lock()
	defer g.outMu.Unlock()
	g.log.Write(append(line, '\n'))
}

func (g *globalOptions) closeLog() {
	if g.log != nil {
		g.log.Close()
		g.log = nil
	}
}
