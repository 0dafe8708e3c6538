package i18n

import (
	"regexp"
	"sort"
	"strings"
	"testing"
)

var verb = regexp.MustCompile(`%(\[\d+\])?[-+# 0]*\d*(\.\d+)?[a-zA-Z%]`)

// verbs returns a message's verbs in argument order (explicit indexes
// resolved), so a translation that reorders with %[n]s still matches.
func verbs(s string) []string {
	var out []string
	next := 1
	type v struct {
		i int
		s string
	}
	var vs []v
	for _, m := range verb.FindAllStringSubmatch(s, -1) {
		if m[0] == "%%" {
			continue
		}
		i := next
		if m[1] != "" {
			i = int(m[1][1] - '0')
		}
		vs = append(vs, v{i, m[0][len(m[0])-1:]})
		next = i + 1
	}
	sort.SliceStable(vs, func(a, b int) bool { return vs[a].i < vs[b].i })
	for _, x := range vs {
		out = append(out, x.s)
	}
	return out
}

func TestCatalogueVerbsMatch(t *testing.T) {
	for _, k := range Keys() {
		if a, b := strings.Join(verbs(k), ","), strings.Join(verbs(ja[k]), ","); a != b {
			t.Errorf("%q: verbs %s, Japanese %q has %s", k, a, ja[k], b)
		}
	}
}

func TestDetect(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	for _, c := range []struct {
		flag string
		env  map[string]string
		want Lang
	}{
		{"", map[string]string{"LANG": "ja_JP.UTF-8"}, Japanese},
		{"", map[string]string{"LANG": "ja_JP.UTF-8", "LC_ALL": "C"}, English},
		{"", map[string]string{"LC_MESSAGES": "ja_JP.eucJP", "LANG": "en_US.UTF-8"}, Japanese},
		{"", nil, English},
		{"ja", map[string]string{"LANG": "C"}, Japanese},
		{"en", map[string]string{"LANG": "ja_JP.UTF-8"}, English},
	} {
		got, err := Detect(c.flag, env(c.env))
		if err != nil || got != c.want {
			t.Errorf("Detect(%q, %v) = %v, %v; want %v", c.flag, c.env, got, err, c.want)
		}
	}
	if _, err := Detect("fr", env(nil)); err == nil {
		t.Error("Detect(fr): no error")
	}
}

func TestPrinter(t *testing.T) {
	if got := New(English).Sprintf("Copied %d messages (%s) in %s.\n", 1234, "1.0 MiB", "3s"); got != "Copied 1234 messages (1.0 MiB) in 3s.\n" {
		t.Errorf("English: %q", got)
	}
	if got := New(Japanese).Sprintf("Copied %d messages (%s) in %s.\n", 12, "1.0 MiB", "3s"); got != "12 通のメッセージ (1.0 MiB) を 3s でコピーしました。\n" {
		t.Errorf("Japanese: %q", got)
	}
	if got := New(Japanese).Sprintf("%s needs %s after %s: for example\n  %s", "copy", "移行先(TARGET)", "maildir:/x", "EX"); !strings.Contains(got, "maildir:/x の後に 移行先(TARGET)") {
		t.Errorf("Japanese reordered: %q", got)
	}
	if got := New(Japanese).Sprintf("not in the catalogue %d", 5); got != "not in the catalogue 5" {
		t.Errorf("fallback: %q", got)
	}
}
