package main

import (
	"strconv"

	"github.com/mailferry/mailferry/importers"
	"github.com/spf13/pflag"
)

// driverFlags are the flags of the settings only some stores use, made
// from what the drivers declared at registration (importers.DriverOption).
type driverFlags struct {
	opts  []importers.DriverOption
	strs  map[string]*string
	bools map[string]*bool
}

// addDriverFlags adds a flag for every driver option to f; writes: also
// the options that make a source write files (copy only).
func addDriverFlags(f *pflag.FlagSet, writes bool) *driverFlags {
	d := &driverFlags{strs: map[string]*string{}, bools: map[string]*bool{}}
	for _, o := range importers.DriverOptions() {
		if o.Writes && !writes {
			continue
		}
		d.opts = append(d.opts, o)
		if o.Bool {
			def, _ := strconv.ParseBool(o.Default)
			d.bools[o.Name] = f.Bool(o.Name, def, o.Help)
		} else {
			d.strs[o.Name] = f.String(o.Name, o.Default, o.Help)
		}
	}
	return d
}

// values returns the flags' values for importers.Options.Driver; a dry
// run passes none of the options that write files.
func (d *driverFlags) values(dryRun bool) importers.DriverValues {
	v := importers.DriverValues{}
	if d == nil { // a command without store flags (archive)
		return v
	}
	for _, o := range d.opts {
		if o.Writes && dryRun {
			continue
		}
		if b, ok := d.bools[o.Name]; ok {
			v[o.Name] = strconv.FormatBool(*b)
		} else {
			v[o.Name] = *d.strs[o.Name]
		}
	}
	return v
}
