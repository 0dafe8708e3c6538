package batch

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// column describes a column of a batch file: the copy flag it becomes and
// how its value is checked.
type column struct {
	flag string // copy's flag; "" for source, target, name and secret references
	kind string // "string", "list", "int", "bool", "float", "regexp", "date", "dedupe", "auth", "map", "env", "file", "command"
}

// columns are the columns a batch file may have (lower case, '-' read as
// '_'). Every per-job option of copy that makes sense per account is here.
var columns = map[string]column{
	"source": {kind: "string"},
	"target": {kind: "string"},
	"name":   {kind: "string"},

	"into":                   {flag: "--into", kind: "string"},
	"folder_map":             {flag: "--folder-map", kind: "map"},
	"include":                {flag: "--include", kind: "regexp"},
	"exclude":                {flag: "--exclude", kind: "regexp"},
	"dedupe":                 {flag: "--dedupe", kind: "dedupe"},
	"j":                      {flag: "-j", kind: "int"},
	"since":                  {flag: "--since", kind: "date"},
	"before":                 {flag: "--before", kind: "date"},
	"verify":                 {flag: "--verify", kind: "bool"},
	"max_size":               {flag: "--max-size", kind: "int"},
	"keep_deleted":           {flag: "--keep-deleted", kind: "bool"},
	"ignore_quota":           {flag: "--ignore-quota", kind: "bool"},
	"quota_headroom":         {flag: "--quota-headroom", kind: "float"},
	"source_auth":            {flag: "--source-auth", kind: "auth"},
	"target_auth":            {flag: "--target-auth", kind: "auth"},
	"source_tls_ca":          {flag: "--source-tls-ca", kind: "file"},
	"target_tls_ca":          {flag: "--target-tls-ca", kind: "file"},
	"source_tls_server_name": {flag: "--source-tls-server-name", kind: "string"},
	"target_tls_server_name": {flag: "--target-tls-server-name", kind: "string"},

	"source_password_env":         {kind: "env"},
	"source_password_file":        {kind: "file"},
	"target_password_env":         {kind: "env"},
	"target_password_file":        {kind: "file"},
	"source_oauth2_token_command": {kind: "command"},
	"target_oauth2_token_command": {kind: "command"},
}

// aliases are other names of columns.
var aliases = map[string]string{"connections": "j", "src": "source", "dst": "target"}

// ColumnNames lists the columns a batch file may have.
func ColumnNames() []string {
	var s []string
	for k := range columns {
		s = append(s, k)
	}
	sort.Strings(s)
	return s
}

// LineError is a problem of one line of a batch file.
type LineError struct {
	File string
	Line int
	Msg  string
}

func (e *LineError) Error() string { return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg) }

// FileError is every problem of a batch file; nothing starts while there
// is one.
type FileError struct{ Errs []*LineError }

func (e *FileError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "batch file: %d problem(s), no job started:", len(e.Errs))
	for _, le := range e.Errs {
		b.WriteString("\n  ")
		b.WriteString(le.Error())
	}
	return b.String()
}

// Env is what validation consults: environment variables and a store spec
// check (importers.ParseSpec in the command). Nil fields: os.LookupEnv and
// a syntactic check.
type Env struct {
	LookupEnv func(string) (string, bool)
	CheckSpec func(string) error
}

// ParseFile reads and validates a batch file: CSV with a header row, or
// (by the extension .yaml/.yml) the YAML subset of ParseYAML. Every problem
// of the file is returned in a *FileError, each with its line.
func ParseFile(path string, env Env) ([]*Job, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	ext := strings.ToLower(filepath.Ext(path))
	var rows []row
	var perr error
	if ext == ".yaml" || ext == ".yml" {
		rows, perr = parseYAML(b)
	} else {
		rows, perr = parseCSV(b)
	}
	if perr != nil {
		var le *LineError
		if errors.As(perr, &le) {
			le.File = path
			return nil, &FileError{Errs: []*LineError{le}}
		}
		return nil, fmt.Errorf("%s: %w", path, perr)
	}
	jobs, errs := validate(rows, env)
	for _, e := range errs {
		e.File = path
	}
	if len(errs) > 0 {
		return nil, &FileError{Errs: errs}
	}
	if len(jobs) == 0 {
		return nil, &FileError{Errs: []*LineError{{File: path, Line: 1, Msg: "no jobs in the file"}}}
	}
	return jobs, nil
}

// cell is one value of a row with the line it is on.
type cell struct {
	val     string
	line    int
	keyLine int // where the column's name is (the header in CSV)
}

// row is one job as read, by column name as written.
type row struct {
	line  int
	cells map[string]cell
	order []string
}

func parseCSV(b []byte) ([]row, error) {
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf")) // a BOM of spreadsheet exports
	r := csv.NewReader(bytes.NewReader(b))
	r.FieldsPerRecord = -1
	r.Comment = '#'
	r.TrimLeadingSpace = true
	var header []string
	var headerLine int
	var rows []row
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, &LineError{Line: pe.Line, Msg: pe.Err.Error()}
			}
			return nil, err
		}
		line, _ := r.FieldPos(0)
		if header == nil {
			header, headerLine = rec, line
			seen := map[string]bool{}
			for _, h := range header {
				k := strings.ToLower(strings.TrimSpace(h))
				if seen[k] {
					return nil, &LineError{Line: line, Msg: fmt.Sprintf("column %q twice in the header", h)}
				}
				seen[k] = true
			}
			continue
		}
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		if len(rec) != len(header) {
			return nil, &LineError{Line: line, Msg: fmt.Sprintf("%d fields, the header has %d", len(rec), len(header))}
		}
		rw := row{line: line, cells: map[string]cell{}}
		for i, v := range rec {
			rw.cells[header[i]] = cell{val: strings.TrimSpace(v), line: line, keyLine: headerLine}
			rw.order = append(rw.order, header[i])
		}
		rows = append(rows, rw)
	}
	if header == nil {
		return nil, &LineError{Line: 1, Msg: "empty file: want a header row (source,target,...)"}
	}
	return rows, nil
}

var secretish = regexp.MustCompile(`(?i)pass|secret|token|credential`)

// validate checks every row and returns the jobs or every problem.
func validate(rows []row, env Env) ([]*Job, []*LineError) {
	lookup := env.LookupEnv
	if lookup == nil {
		lookup = os.LookupEnv
	}
	var errs []*LineError
	bad := func(line int, format string, a ...any) {
		errs = append(errs, &LineError{Line: line, Msg: fmt.Sprintf(format, a...)})
	}
	// Unknown and forbidden columns are reported once, at the first row
	// that has them (the header line in CSV).
	reported := map[string]bool{}
	var jobs []*Job
	seen := map[string]int{}
	for _, rw := range rows {
		j := &Job{Line: rw.line, Opts: map[string]string{}}
		for _, name := range rw.order {
			c := rw.cells[name]
			k := strings.ReplaceAll(strings.ToLower(strings.TrimSpace(name)), "-", "_")
			if a, ok := aliases[k]; ok {
				k = a
			}
			col, ok := columns[k]
			if !ok {
				if !reported[k] {
					reported[k] = true
					if secretish.MatchString(k) {
						bad(c.keyLine, "column %q: passwords and tokens are never written in a batch file; name where they are: source_password_env / source_password_file, target_password_env / target_password_file, source_oauth2_token_command / target_oauth2_token_command", name)
					} else {
						bad(c.keyLine, "unknown column %q (columns: %s)", name, strings.Join(ColumnNames(), ", "))
					}
				}
				continue
			}
			if c.val == "" {
				continue
			}
			if msg := checkValue(k, col, c.val, lookup); msg != "" {
				bad(c.line, "%s", msg)
				continue
			}
			switch k {
			case "source":
				j.Source = c.val
			case "target":
				j.Target = c.val
			case "name":
				j.Name = c.val
			default:
				j.Opts[k] = c.val
			}
		}
		line := rw.line
		if j.Source == "" || j.Target == "" {
			bad(line, "a job needs a source and a target")
			continue
		}
		for _, s := range []struct{ role, spec string }{{"source", j.Source}, {"target", j.Target}} {
			if msg := checkSpec(s.spec, env.CheckSpec); msg != "" {
				bad(line, "%s %s", s.role, msg)
			}
		}
		for _, role := range []string{"source", "target"} {
			n := 0
			for _, k := range []string{role + "_password_env", role + "_password_file", role + "_oauth2_token_command"} {
				if j.Opts[k] != "" {
					n++
				}
			}
			if n > 1 {
				bad(line, "%s: give one of %s_password_env, %s_password_file, %s_oauth2_token_command", role, role, role, role)
			}
		}
		if prev, ok := seen[j.Key()]; ok {
			bad(line, "the same source and target as line %d", prev)
			continue
		}
		seen[j.Key()] = line
		jobs = append(jobs, j)
	}
	return jobs, errs
}

// checkSpec checks a store spec without opening it; a password in a URL is
// refused.
func checkSpec(spec string, check func(string) error) string {
	if i := strings.Index(spec, "://"); i >= 0 {
		rest := spec[i+3:]
		if at := strings.LastIndex(rest, "@"); at >= 0 && strings.Contains(rest[:at], ":") {
			return fmt.Sprintf("%q: a password in the URL; passwords are never written in a batch file (use *_password_env or *_password_file)", redactURL(spec))
		}
	}
	if check != nil {
		if err := check(spec); err != nil {
			return err.Error()
		}
		return ""
	}
	if i := strings.Index(spec, ":"); i < 2 {
		return fmt.Sprintf("%q: want SCHEME:PATH or imap(s)://user@host", spec)
	}
	return ""
}

func redactURL(s string) string {
	if i := strings.Index(s, "://"); i >= 0 {
		rest := s[i+3:]
		if at := strings.LastIndex(rest, "@"); at >= 0 {
			if c := strings.Index(rest[:at], ":"); c >= 0 {
				return s[:i+3] + rest[:c] + ":xxxxx" + rest[at:]
			}
		}
	}
	return s
}

// checkValue returns what is wrong with value v of column k, or "".
func checkValue(k string, col column, v string, lookup func(string) (string, bool)) string {
	switch col.kind {
	case "int":
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return fmt.Sprintf("%s %q: want a whole number", k, v)
		}
		if k == "j" && (n < 1 || n > 16) {
			return fmt.Sprintf("j %d: want 1 to 16", n)
		}
	case "bool":
		if _, err := strconv.ParseBool(v); err != nil {
			return fmt.Sprintf("%s %q: want true or false", k, v)
		}
	case "float":
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f <= 0 || f > 1 {
			return fmt.Sprintf("%s %q: want a number in (0, 1]", k, v)
		}
	case "regexp":
		for _, s := range List(v) {
			if _, err := regexp.Compile(s); err != nil {
				return fmt.Sprintf("%s %q: %v", k, s, err)
			}
		}
	case "map":
		for _, s := range List(v) {
			i := strings.Index(s, "=")
			if i <= 0 || i == len(s)-1 {
				return fmt.Sprintf("folder_map %q: want OLD=NEW (several separated by ';')", s)
			}
		}
	case "date":
		if _, err := time.Parse("2006-01-02", v); err != nil {
			return fmt.Sprintf("%s %q: want YYYY-MM-DD", k, v)
		}
	case "dedupe":
		if v != "folder" && v != "global" && v != "off" {
			return fmt.Sprintf("dedupe %q: want folder, global or off", v)
		}
	case "auth":
		if v != "password" && v != "oauth2" && v != "auto" {
			return fmt.Sprintf("%s %q: want password, oauth2 or auto", k, v)
		}
	case "env":
		if !validEnvName(v) {
			return fmt.Sprintf("%s %q: want the name of an environment variable", k, v)
		}
		if s, ok := lookup(v); !ok || s == "" {
			return fmt.Sprintf("%s: $%s is not set", k, v)
		}
	case "file":
		f, err := os.Open(v)
		if err != nil {
			return fmt.Sprintf("%s: %v", k, err)
		}
		f.Close()
	}
	return ""
}

func validEnvName(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		if r == '_' || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || i > 0 && r >= '0' && r <= '9' {
			continue
		}
		return false
	}
	return true
}
