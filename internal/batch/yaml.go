package batch

import (
	"fmt"
	"strings"
)

// parseYAML reads the YAML subset of a batch file (no YAML library; the
// subset is strict and anything outside it is an error with its line):
//
//	# a comment
//	jobs:
//	  - source: maildir:/srv/old/alice
//	    target: imaps://alice@mail.example.com
//	    target_password_env: ALICE_PW
//	    include: "^INBOX;^Sent"   # lists: ';' separated, as in CSV
//	  - source: ...
//
// A top-level key jobs holding a list of flat maps whose values are
// scalars: plain, 'single' or "double" quoted (\" \\ \n \t escapes). No
// flow collections ([ ] { }), anchors, aliases, tags, block scalars,
// multi-line values or documents other than one.
func parseYAML(b []byte) ([]row, error) {
	text := strings.TrimPrefix(string(b), "\xef\xbb\xbf")
	lines := strings.Split(text, "\n")
	var rows []row
	var cur *row
	sawJobs := false
	itemIndent, keyIndent := -1, -1
	for i, raw := range lines {
		n := i + 1
		raw = strings.TrimRight(raw, "\r")
		if lead := raw[:len(raw)-len(strings.TrimLeft(raw, " \t"))]; strings.Contains(lead, "\t") {
			return nil, &LineError{Line: n, Msg: "tab in indentation (YAML indents with spaces)"}
		}
		content, err := stripComment(raw)
		if err != nil {
			return nil, &LineError{Line: n, Msg: err.Error()}
		}
		if strings.TrimSpace(content) == "" {
			continue
		}
		indent := len(content) - len(strings.TrimLeft(content, " "))
		body := strings.TrimSpace(content)
		if body == "---" && !sawJobs {
			continue
		}
		if !sawJobs {
			if indent != 0 || (body != "jobs:" && body != "jobs: []") {
				return nil, &LineError{Line: n, Msg: "want the top-level key \"jobs:\" holding a list of jobs (see mailferry batch --help)"}
			}
			sawJobs = true
			if body == "jobs: []" {
				itemIndent = -2 // nothing may follow
			}
			continue
		}
		if itemIndent == -2 {
			return nil, &LineError{Line: n, Msg: "nothing may follow \"jobs: []\""}
		}
		if strings.HasPrefix(body, "- ") || body == "-" {
			if itemIndent < 0 {
				itemIndent = indent
			}
			if indent != itemIndent {
				return nil, &LineError{Line: n, Msg: fmt.Sprintf("a list item indented by %d spaces, the first by %d", indent, itemIndent)}
			}
			rows = append(rows, row{line: n, cells: map[string]cell{}})
			cur = &rows[len(rows)-1]
			rest := strings.TrimPrefix(body, "-")
			if strings.TrimSpace(rest) == "" {
				return nil, &LineError{Line: n, Msg: "an empty list item: write the first key on the same line (- source: ...)"}
			}
			keyIndent = indent + 1 + (len(rest) - len(strings.TrimLeft(rest, " ")))
			if err := addYAMLPair(cur, strings.TrimSpace(rest), n); err != nil {
				return nil, err
			}
			continue
		}
		if cur == nil {
			return nil, &LineError{Line: n, Msg: "want a list item (- source: ...) under jobs:"}
		}
		if indent != keyIndent {
			return nil, &LineError{Line: n, Msg: fmt.Sprintf("indented by %d spaces: the keys of a job are indented by %d (nested maps and multi-line values are not supported)", indent, keyIndent)}
		}
		if err := addYAMLPair(cur, body, n); err != nil {
			return nil, err
		}
	}
	if !sawJobs {
		return nil, &LineError{Line: 1, Msg: "empty file: want \"jobs:\" and a list of jobs"}
	}
	return rows, nil
}

func addYAMLPair(r *row, s string, line int) error {
	k, v, ok := strings.Cut(s, ":")
	if !ok || (v != "" && v[0] != ' ') {
		return &LineError{Line: line, Msg: fmt.Sprintf("want key: value, got %q", s)}
	}
	k = strings.TrimSpace(k)
	if k == "" || strings.ContainsAny(k, "\"'{}[]&*!|>") {
		return &LineError{Line: line, Msg: fmt.Sprintf("key %q: want a plain name such as source or target", k)}
	}
	val, err := yamlScalar(strings.TrimSpace(v))
	if err != nil {
		return &LineError{Line: line, Msg: fmt.Sprintf("%s: %v", k, err)}
	}
	if _, dup := r.cells[k]; dup {
		return &LineError{Line: line, Msg: fmt.Sprintf("key %q twice in one job", k)}
	}
	r.cells[k] = cell{val: val, line: line, keyLine: line}
	r.order = append(r.order, k)
	return nil
}

// yamlScalar decodes a scalar of the subset.
func yamlScalar(v string) (string, error) {
	if v == "" || v == "~" || v == "null" {
		return "", nil
	}
	switch v[0] {
	case '"':
		if len(v) < 2 || v[len(v)-1] != '"' {
			return "", fmt.Errorf("unterminated double-quoted value")
		}
		var b strings.Builder
		in := v[1 : len(v)-1]
		for i := 0; i < len(in); i++ {
			c := in[i]
			if c == '"' {
				return "", fmt.Errorf("a \" inside a double-quoted value: write \\\"")
			}
			if c != '\\' {
				b.WriteByte(c)
				continue
			}
			i++
			if i == len(in) {
				return "", fmt.Errorf("a lone \\ at the end of a double-quoted value")
			}
			switch in[i] {
			case '"', '\\', '/':
				b.WriteByte(in[i])
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			default:
				return "", fmt.Errorf("escape \\%c is not supported (\\\" \\\\ \\n \\t are)", in[i])
			}
		}
		return b.String(), nil
	case '\'':
		if len(v) < 2 || v[len(v)-1] != '\'' {
			return "", fmt.Errorf("unterminated single-quoted value")
		}
		in := v[1 : len(v)-1]
		if strings.Contains(strings.ReplaceAll(in, "''", ""), "'") {
			return "", fmt.Errorf("a ' inside a single-quoted value: write ''")
		}
		return strings.ReplaceAll(in, "''", "'"), nil
	case '[', '{', '&', '*', '!', '|', '>', '%', '@', '`':
		return "", fmt.Errorf("%q is outside the supported YAML subset (plain or quoted scalars only; lists are ';' separated)", v)
	}
	if strings.Contains(v, ": ") {
		return "", fmt.Errorf("%q: a nested map is not supported (quote the value if it is text)", v)
	}
	return v, nil
}

// stripComment removes a comment (# at the start or after a space,
// outside quotes).
func stripComment(s string) (string, error) {
	var q byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case q != 0:
			if c == '\\' && q == '"' {
				i++
			} else if c == q {
				q = 0
			}
		case c == '"' || c == '\'':
			// A quote opens a quoted scalar only at its start.
			pre := strings.TrimRight(s[:i], " ")
			if strings.HasSuffix(pre, ":") || strings.HasSuffix(pre, "-") {
				q = c
			}
		case c == '#' && (i == 0 || s[i-1] == ' '):
			return s[:i], nil
		}
	}
	if q != 0 {
		return "", fmt.Errorf("unterminated quoted value")
	}
	return s, nil
}
