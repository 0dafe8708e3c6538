package main

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// version is set by release builds (-ldflags "-X main.version=v1.2.3");
// otherwise the module version from the build info is used ("(devel)" for
// a build from a checkout, the tag for `go install …@vX.Y.Z`).
var version = ""

// versionString is "mailferry VERSION (commit REV[+dirty], DATE) GOVERSION OS/ARCH".
func versionString() string {
	v, rev, date, dirty := version, "", "", false
	if bi, ok := debug.ReadBuildInfo(); ok {
		if v == "" {
			v = bi.Main.Version
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.time":
				date = s.Value
			case "vcs.modified":
				dirty = s.Value == "true"
			}
		}
	}
	if v == "" {
		v = "(devel)"
	}
	out := "mailferry " + v
	if rev != "" {
		if len(rev) > 12 {
			rev = rev[:12]
		}
		if dirty {
			rev += "+dirty"
		}
		out += " (commit " + rev
		if date != "" {
			out += ", " + date
		}
		out += ")"
	}
	return fmt.Sprintf("%s %s %s/%s", out, runtime.Version(), runtime.GOOS, runtime.GOARCH)
}

func newVersionCommand(g *globalOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print mailferry's version, commit and Go version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if g.json {
				g.emit(map[string]any{"type": "version", "version": versionString()})
				return nil
			}
			fmt.Fprintln(g.stdout, versionString())
			return nil
		},
	}
}
