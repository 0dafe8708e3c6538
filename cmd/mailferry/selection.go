package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/mailferry/mailferry/importers"
	"github.com/mailferry/mailferry/internal/engine"
)

// checkSelection catches --include/--exclude patterns that select no
// source folder before anything runs: a pattern that matches nothing is
// a warning naming it; a selection that leaves no folder at all is a
// usage error that lists the source's folders.
func (g *globalOptions) checkSelection(ctx context.Context, src importers.Source, m *engine.Mapper) error {
	if len(m.Include) == 0 && len(m.Exclude) == 0 {
		return nil
	}
	fis, err := src.Folders(ctx)
	if err != nil {
		return nil // the engine reports it
	}
	var names []string
	selected := 0
	for _, fi := range fis {
		if fi.NoSelect {
			continue
		}
		names = append(names, fi.Folder.String())
		if m.Selected(fi.Folder) {
			selected++
		}
	}
	for _, re := range m.Include {
		hit := false
		for _, n := range names {
			if re.MatchString(n) {
				hit = true
				break
			}
		}
		if !hit {
			g.warn(g.T().Sprintf("--include %q matches no source folder", re.String()))
		}
	}
	if selected == 0 {
		list := strings.Join(names, ", ")
		if len(names) > 30 {
			list = strings.Join(names[:30], ", ") + fmt.Sprintf(", … (%d more; see mailferry ls)", len(names)-30)
		}
		return importers.UsageError("%s", g.T().Sprintf("--include/--exclude leave no source folder to copy. The source's folders are: %s", list))
	}
	return nil
}

// warn prints a warning on stderr, or a warning event with --json.
func (g *globalOptions) warn(msg string) {
	if g.json {
		g.emit(engine.Event{Type: "warning", Reason: msg})
		return
	}
	g.T().Fprintf(g.stderr, "warning: %s\n", msg)
}
