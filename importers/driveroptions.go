package importers

import (
	"slices"
	"sort"
	"strconv"
)

// DriverOption is a setting that only some stores use. A store declares
// it at Register; the command line offers it as --Name on the commands
// that read sources, and passes what the user gave in Options.Driver;
// the store reads it back into a typed struct of its own (DriverBool, DriverString).
type DriverOption struct {
	// Name is the flag's name without dashes ("account"). Stores that
	// declare the same name share the option (pst and msg: "nonmail"):
	// their declarations must then agree.
	Name string
	// Help is the flag's one-line help; it names the stores ("thunderbird: ...").
	Help string
	// Default is the value when the user gives none ("" or "false").
	Default string
	// Bool makes a switch (--name, no value) of it.
	Bool bool
	// Writes marks an option that makes the source write files of its
	// own (the Outlook items that are not mail): offered by copy only,
	// and not passed on a dry run.
	Writes bool
	// Schemes are the stores that declared the option (set by Register).
	Schemes []string
}

// DriverValues are the values of DriverOptions by name.
type DriverValues map[string]string

var driverOpts = map[string]*DriverOption{}

func registerOptions(scheme string, opts []DriverOption) {
	for _, o := range opts {
		if have, ok := driverOpts[o.Name]; ok {
			if have.Help != o.Help || have.Default != o.Default || have.Bool != o.Bool || have.Writes != o.Writes {
				panic("importers: option " + o.Name + " of " + scheme + " differs from that of " + have.Schemes[0])
			}
			have.Schemes = append(have.Schemes, scheme)
			continue
		}
		o.Schemes = []string{scheme}
		driverOpts[o.Name] = &o
	}
}

// DriverOptions returns the options the registered stores declared, by name.
func DriverOptions() []DriverOption {
	regMu.Lock()
	defer regMu.Unlock()
	out := make([]DriverOption, 0, len(driverOpts))
	for _, o := range driverOpts {
		c := *o
		c.Schemes = slices.Clone(o.Schemes)
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// DriverString returns the value of the option name: the user's, else its Default.
func (o *Options) DriverString(name string) string {
	if o != nil {
		if v, ok := o.Driver[name]; ok {
			return v
		}
	}
	regMu.Lock()
	defer regMu.Unlock()
	if d := driverOpts[name]; d != nil {
		return d.Default
	}
	return ""
}

// DriverBool returns the value of the switch name (false when unset or not a
// boolean).
func (o *Options) DriverBool(name string) bool {
	b, _ := strconv.ParseBool(o.DriverString(name))
	return b
}
