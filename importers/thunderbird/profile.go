package thunderbird

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
)

// env is what profile discovery reads from the system, so tests can fake it.
type env struct {
	goos   string
	home   string
	getenv func(string) string
}

func systemEnv() env {
	home, _ := os.UserHomeDir()
	return env{goos: runtime.GOOS, home: home, getenv: os.Getenv}
}

// BaseDirs returns where Thunderbird keeps profiles.ini on this system, in
// the order DefaultProfile tries them.
func BaseDirs() []string { return baseDirs(systemEnv()) }

func baseDirs(e env) []string {
	switch e.goos {
	case "windows":
		if a := e.getenv("APPDATA"); a != "" {
			return []string{filepath.Join(a, "Thunderbird")}
		}
		return nil
	case "darwin":
		return []string{filepath.Join(e.home, "Library", "Thunderbird")}
	}
	if e.home == "" {
		return nil
	}
	return []string{
		filepath.Join(e.home, ".thunderbird"),
		filepath.Join(e.home, "snap", "thunderbird", "common", ".thunderbird"),
		filepath.Join(e.home, ".var", "app", "org.mozilla.Thunderbird", ".thunderbird"),
		filepath.Join(e.home, ".mozilla-thunderbird"),
	}
}

// DefaultProfile returns the directory of the current user's default
// Thunderbird profile: the first base directory (BaseDirs) that has a
// profiles.ini, and in it the profile of the first [Install…] section's
// Default=, else the [Profile…] with Default=1, else the only profile.
// others lists the other base directories that have a profiles.ini.
func DefaultProfile() (profile string, others []string, err error) {
	return defaultProfile(systemEnv())
}

func defaultProfile(e env) (string, []string, error) {
	var found []string
	for _, d := range baseDirs(e) {
		if fi, err := os.Stat(filepath.Join(d, "profiles.ini")); err == nil && fi.Mode().IsRegular() {
			found = append(found, d)
		}
	}
	if len(found) == 0 {
		return "", nil, fmt.Errorf("no profiles.ini in %s", strings.Join(baseDirs(e), ", "))
	}
	p, err := profileFromINI(found[0])
	return p, found[1:], err
}

type iniSection struct {
	name string
	kv   map[string]string
}

// parseINI reads the simple INI files Mozilla writes (profiles.ini).
func parseINI(data []byte) []iniSection {
	data = bytes.TrimPrefix(data, []byte("\xEF\xBB\xBF"))
	var out []iniSection
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		l := strings.TrimSpace(sc.Text())
		switch {
		case l == "" || l[0] == ';' || l[0] == '#':
		case l[0] == '[' && strings.HasSuffix(l, "]"):
			out = append(out, iniSection{name: l[1 : len(l)-1], kv: map[string]string{}})
		case len(out) > 0:
			if k, v, ok := strings.Cut(l, "="); ok {
				out[len(out)-1].kv[strings.TrimSpace(k)] = strings.TrimSpace(v)
			}
		}
	}
	return out
}

// profileFromINI picks the default profile of base/profiles.ini.
func profileFromINI(base string) (string, error) {
	data, err := os.ReadFile(filepath.Join(base, "profiles.ini"))
	if err != nil {
		return "", err
	}
	secs := parseINI(data)
	var profiles []iniSection
	for _, s := range secs {
		if strings.HasPrefix(s.name, "Profile") && s.kv["Path"] != "" {
			profiles = append(profiles, s)
		}
	}
	resolve := func(p string, relative bool) string {
		if relative || !isAbs(p) {
			return filepath.Join(base, filepath.FromSlash(strings.ReplaceAll(p, `\`, "/")))
		}
		return p
	}
	// The Install sections (Thunderbird 68+) name the profile each
	// installation uses; the first one wins.
	for _, s := range secs {
		if !strings.HasPrefix(s.name, "Install") || s.kv["Default"] == "" {
			continue
		}
		def := s.kv["Default"]
		rel := !isAbs(def)
		for _, p := range profiles {
			if p.kv["Path"] == def {
				rel = p.kv["IsRelative"] != "0"
			}
		}
		if dir := resolve(def, rel); isDir(dir) {
			return dir, nil
		}
	}
	for _, p := range profiles {
		if p.kv["Default"] == "1" {
			return resolve(p.kv["Path"], p.kv["IsRelative"] != "0"), nil
		}
	}
	if len(profiles) == 1 {
		return resolve(profiles[0].kv["Path"], profiles[0].kv["IsRelative"] != "0"), nil
	}
	var names []string
	for _, p := range profiles {
		names = append(names, resolve(p.kv["Path"], p.kv["IsRelative"] != "0"))
	}
	if len(names) == 0 {
		return "", fmt.Errorf("%s: no profile", filepath.Join(base, "profiles.ini"))
	}
	return "", fmt.Errorf("%s: no default among %d profiles (%s)", filepath.Join(base, "profiles.ini"), len(names), strings.Join(names, ", "))
}

// isAbs is filepath.IsAbs, plus Windows forms ("C:\…", "\\server\…") that
// a profiles.ini copied from Windows may hold.
func isAbs(p string) bool {
	if filepath.IsAbs(p) || strings.HasPrefix(p, `\\`) {
		return true
	}
	return len(p) >= 3 && p[1] == ':' && (p[2] == '\\' || p[2] == '/')
}

func isDir(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}

// prefs holds the mail.server.* settings of a profile's prefs.js.
type prefs map[string]string

var prefRE = regexp.MustCompile(`^\s*user_pref\(\s*"([^"]+)"\s*,\s*(.*?)\s*\)\s*;`)

// readPrefs reads the user_pref lines of prefs.js (a missing file is no
// error: an empty set).
func readPrefs(profile string) (prefs, error) {
	data, err := os.ReadFile(filepath.Join(profile, "prefs.js"))
	if errors.Is(err, os.ErrNotExist) {
		return prefs{}, nil
	}
	if err != nil {
		return nil, err
	}
	p := prefs{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	for sc.Scan() {
		m := prefRE.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		v := m[2]
		if strings.HasPrefix(v, `"`) {
			if u, err := strconv.Unquote(v); err == nil {
				v = u
			} else {
				v = strings.Trim(v, `"`)
			}
		}
		p[m[1]] = v
	}
	return p, nil
}

// server is one mail.server.serverN of prefs.js.
type server struct {
	key, typ, dir string
	// name is the account name Thunderbird shows, host the server's host
	// name, user the login name.
	name, host, user string
}

// servers returns the servers of p with their local directories, in key
// order: directory-rel ("[ProfD]Mail/Local Folders") resolved against the
// profile, else directory (an absolute path).
func (p prefs) servers(profile string) []server {
	var out []server
	for k, v := range p {
		key, ok := strings.CutPrefix(k, "mail.server.")
		if !ok {
			continue
		}
		key, ok = strings.CutSuffix(key, ".type")
		if !ok || strings.Contains(key, ".") {
			continue
		}
		pre := "mail.server." + key + "."
		s := server{key: key, typ: v, name: p[pre+"name"], host: p[pre+"hostname"], user: p[pre+"userName"]}
		if rel := p["mail.server."+key+".directory-rel"]; strings.HasPrefix(rel, "[ProfD]") {
			rel = strings.ReplaceAll(strings.TrimPrefix(rel, "[ProfD]"), `\`, "/")
			s.dir = filepath.Join(profile, filepath.FromSlash(rel))
		} else if d := p["mail.server."+key+".directory"]; d != "" {
			s.dir = d
		}
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].key < out[j].key })
	return out
}

// localFolders returns the Local Folders directory that prefs.js names
// (mail.accountmanager.localfoldersserver, else the first server of type
// "none"), or "" when it names none that exists.
func (p prefs) localFolders(profile string) string {
	lf := p["mail.accountmanager.localfoldersserver"]
	for _, s := range p.servers(profile) {
		if (lf != "" && s.key == lf || lf == "" && s.typ == "none") && s.dir != "" && isDir(s.dir) {
			return s.dir
		}
	}
	return ""
}

// Profile is one profile listed in a profiles.ini.
type Profile struct {
	Name    string // Name=, else the directory's name
	Path    string // the profile's directory
	Default bool   // the one DefaultProfile would pick from this base
}

// Profiles lists the profiles of base/profiles.ini whose directory
// exists, in the file's order, marking the default as DefaultProfile
// picks it. A missing or unreadable profiles.ini lists none.
func Profiles(base string) []Profile {
	data, err := os.ReadFile(filepath.Join(base, "profiles.ini"))
	if err != nil {
		return nil
	}
	def, _ := profileFromINI(base)
	var out []Profile
	for _, s := range parseINI(data) {
		p := s.kv["Path"]
		if !strings.HasPrefix(s.name, "Profile") || p == "" {
			continue
		}
		dir := p
		if s.kv["IsRelative"] != "0" || !isAbs(p) {
			dir = filepath.Join(base, filepath.FromSlash(strings.ReplaceAll(p, `\`, "/")))
		}
		if !isDir(dir) {
			continue
		}
		name := s.kv["Name"]
		if name == "" {
			name = filepath.Base(dir)
		}
		out = append(out, Profile{Name: name, Path: dir, Default: def != "" && filepath.Clean(def) == filepath.Clean(dir)})
	}
	return out
}
