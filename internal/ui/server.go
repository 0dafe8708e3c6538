package ui

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/mailferry/mailferry/importers/thunderbird"
	"github.com/mailferry/mailferry/internal/i18n"
	"golang.org/x/text/language"
)

//go:embed assets
var assets embed.FS

// Config is what Start needs.
type Config struct {
	// Exe is the mailferry binary the steps run (os.Executable()).
	Exe string
	// Lang forces the page's first language ("": the browser's).
	Lang i18n.Lang
	// Roots are the directories the file browser shows (nil: DefaultRoots).
	Roots []string
	// ThunderbirdDirs are where profiles.ini is looked for (nil:
	// thunderbird.BaseDirs()).
	ThunderbirdDirs []string
	// Common are global flags every child gets (--tls-ca, --timeout...;
	// never a secret).
	Common []string
	// Env is the children's base environment (nil: os.Environ()); the
	// password variables are removed from it, each run gets the
	// session's.
	Env []string
	// Addr is the address to listen on (default 127.0.0.1:0, a free port);
	// only loopback addresses are accepted.
	Addr string
}

// Server is a running mailferry ui.
type Server struct {
	cfg   Config
	ln    net.Listener
	port  int
	guard *guard
	files *fileRoots
	srv   *http.Server

	mu     sync.Mutex
	src    Store // with the password, for the session only
	dst    Store
	jobs   map[int]*Job
	nextID int
	last   map[string]*Job // the last job of each action
	cur    *Job
}

// Start listens on 127.0.0.1 (a free port) and serves the page until
// Close.
func Start(cfg Config) (*Server, error) {
	addr := cfg.Addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() || ip.To4() == nil {
		return nil, fmt.Errorf("ui: %s: only a 127.x.x.x address", addr)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, ln: ln, port: ln.Addr().(*net.TCPAddr).Port, jobs: map[int]*Job{}, last: map[string]*Job{}}
	if s.cfg.Exe == "" {
		if s.cfg.Exe, err = os.Executable(); err != nil {
			ln.Close()
			return nil, err
		}
	}
	roots := cfg.Roots
	if roots == nil {
		roots = DefaultRoots()
	}
	s.files = newFileRoots(roots)
	s.guard = newGuard(s.port)
	s.srv = &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go s.srv.Serve(ln)
	return s, nil
}

// URL is the address to open first: it carries the one-time token.
func (s *Server) URL() string {
	return "http://127.0.0.1:" + strconv.Itoa(s.port) + "/?token=" + s.guard.token
}

// Port is the port the server listens on.
func (s *Server) Port() int { return s.port }

// Close stops a running step (as Stop does, waiting up to a minute for
// it to end) and the server.
func (s *Server) Close() error {
	s.mu.Lock()
	cur := s.cur
	s.mu.Unlock()
	if cur != nil {
		cur.stop()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		cur.wait(ctx)
		cancel()
	}
	return s.srv.Close()
}

// Handler is the page and its API behind the guard (security.go).
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	static, _ := fs.Sub(assets, "assets")
	files := http.FileServerFS(static)
	mux.Handle("GET /", files)
	mux.HandleFunc("GET /api/hello", s.hello)
	mux.HandleFunc("GET /api/thunderbird", s.thunderbird)
	mux.HandleFunc("GET /api/files", s.listFiles)
	mux.HandleFunc("POST /api/run", s.run)
	mux.HandleFunc("POST /api/stop", s.stop)
	mux.HandleFunc("GET /api/job", s.job)
	mux.HandleFunc("GET /api/events", s.events)
	mux.HandleFunc("GET /api/report", s.report)
	return s.guard.wrap(mux)
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}

func fail(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, map[string]string{"error": msg})
}

// pageLang is the language the page starts in: Config.Lang, else the
// browser's Accept-Language (Japanese when it prefers Japanese to
// English), else English.
func (s *Server) pageLang(r *http.Request) i18n.Lang {
	if s.cfg.Lang != "" {
		return s.cfg.Lang
	}
	return acceptLang(r.Header.Get("Accept-Language"))
}

func acceptLang(h string) i18n.Lang {
	tags, _, err := language.ParseAcceptLanguage(h)
	if err != nil {
		return i18n.English
	}
	for _, t := range tags {
		b, _ := t.Base()
		switch b.String() {
		case "ja":
			return i18n.Japanese
		case "en":
			return i18n.English
		}
	}
	return i18n.English
}

func (s *Server) hello(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	src, dst := s.src.public(), s.dst.public()
	hasSrcPw, hasDstPw := s.src.Password != "", s.dst.Password != ""
	s.mu.Unlock()
	writeJSON(w, 200, map[string]any{
		"lang":    s.pageLang(r),
		"strings": map[string]map[string]string{"ja": i18n.UITable(i18n.Japanese)},
		"source":  src, "target": dst, "source_password": hasSrcPw, "target_password": hasDstPw,
	})
}

func (s *Server) thunderbird(w http.ResponseWriter, r *http.Request) {
	dirs := s.cfg.ThunderbirdDirs
	if dirs == nil {
		dirs = thunderbird.BaseDirs()
	}
	ps := findProfiles(r.Context(), dirs)
	if ps == nil {
		ps = []TBProfile{}
	}
	writeJSON(w, 200, map[string]any{"profiles": ps, "searched": dirs})
}

func (s *Server) listFiles(w http.ResponseWriter, r *http.Request) {
	l, err := s.files.list(r.URL.Query().Get("path"))
	if err != nil {
		fail(w, http.StatusForbidden, err.Error())
		return
	}
	writeJSON(w, 200, l)
}

// runRequest is the body of POST /api/run.
type runRequest struct {
	// Action: plan, copy, verify, test-source, test-target, archive-plan
	// (archive --dry-run), archive.
	Action string `json:"action"`
	Source *Store `json:"source,omitempty"`
	Target *Store `json:"target,omitempty"`
	// Archive is where archive puts the old mail of the target box (a
	// local folder); OlderThan and UntilUsage are its selection
	// (--older-than 365d, --until-usage 70%).
	Archive    *Store `json:"archive,omitempty"`
	OlderThan  string `json:"older_than,omitempty"`
	UntilUsage string `json:"until_usage,omitempty"`
}

var (
	olderThanRE  = regexp.MustCompile(`^([0-9]{1,4}[dwmy]|[0-9]{4}-[0-9]{2}-[0-9]{2})$`)
	untilUsageRE = regexp.MustCompile(`^[0-9]{1,2}(\.[0-9]+)?%?$`)
)

// archiveArgs are the arguments of archive (the target box into the
// archive folder).
func (s *Server) archiveArgs(req *runRequest, lang string, dstSpec string) ([]string, error) {
	if s.dst.Kind != "imap" {
		return nil, errors.New("archive: the box must be an IMAP account")
	}
	if req.Archive == nil {
		return nil, errors.New("archive: choose a folder for the archive")
	}
	a := *req.Archive
	if a.Kind == "imap" {
		return nil, errors.New("archive: choose a folder on this computer or a drive")
	}
	archSpec, _, err := a.Spec("target", s.files.allowed)
	if err != nil {
		return nil, err
	}
	args := []string{"archive", "--json", lang}
	if req.Action == "archive-plan" {
		args = append(args, "--dry-run")
	}
	switch {
	case req.OlderThan != "" && olderThanRE.MatchString(req.OlderThan):
		args = append(args, "--older-than", req.OlderThan)
	case req.OlderThan != "":
		return nil, fmt.Errorf("archive: %q is not an age", req.OlderThan)
	}
	switch {
	case req.UntilUsage != "" && untilUsageRE.MatchString(req.UntilUsage):
		u := req.UntilUsage
		if !strings.HasSuffix(u, "%") {
			u += "%"
		}
		args = append(args, "--until-usage", u)
	case req.UntilUsage != "":
		return nil, fmt.Errorf("archive: %q is not a percentage", req.UntilUsage)
	}
	if req.OlderThan == "" && req.UntilUsage == "" {
		return nil, errors.New("archive: say which mail leaves (older than, or until the box is this full)")
	}
	args = append(args, s.cfg.Common...)
	return append(args, "--", dstSpec, archSpec), nil
}

// remember takes the page's store, keeping the password of the session
// when the page sends none for the same account.
func remember(old *Store, nu *Store) {
	if nu == nil {
		return
	}
	if nu.Password == "" && old.Kind == nu.Kind && old.Host == nu.Host && old.User == nu.User {
		nu.Password = old.Password
	}
	*old = *nu
}

func (s *Server) run(w http.ResponseWriter, r *http.Request) {
	var req runRequest
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&req); err != nil {
		fail(w, 400, "bad request")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cur != nil {
		if st, _ := s.cur.snapshot(); st.Running {
			fail(w, http.StatusConflict, "another step is running")
			return
		}
	}
	remember(&s.src, req.Source)
	remember(&s.dst, req.Target)
	var args []string
	lang := "--lang=" + string(s.pageLang(r))
	if l := r.URL.Query().Get("lang"); l == "ja" || l == "en" {
		lang = "--lang=" + l
	}
	srcSpec, srcFlags, srcErr := s.src.Spec("source", s.files.allowed)
	dstSpec, _, dstErr := s.dst.Spec("target", s.files.allowed)
	need := func(errs ...error) bool {
		if err := errors.Join(errs...); err != nil {
			fail(w, 400, err.Error())
			return false
		}
		return true
	}
	switch req.Action {
	case "plan", "copy", "verify":
		if !need(srcErr, dstErr) {
			return
		}
		args = append([]string{req.Action, "--json", lang}, s.cfg.Common...)
		args = append(append(args, srcFlags...), "--", srcSpec, dstSpec)
	case "test-target":
		if !need(dstErr) {
			return
		}
		args = append([]string{"quota", "--json", lang}, s.cfg.Common...)
		args = append(args, "--", dstSpec)
	case "test-source":
		if !need(srcErr) {
			return
		}
		args = append([]string{"ls", "--json", lang}, s.cfg.Common...)
		args = append(append(args, srcFlags...), "--", srcSpec)
	case "archive-plan", "archive":
		if !need(dstErr) {
			return
		}
		var err error
		if args, err = s.archiveArgs(&req, lang, dstSpec); err != nil {
			fail(w, 400, err.Error())
			return
		}
	default:
		fail(w, 400, "unknown action")
		return
	}
	env := s.cfg.Env
	if env == nil {
		env = os.Environ()
	}
	srcPw, dstPw := s.src.Password, s.dst.Password
	switch req.Action {
	case "test-target":
		srcPw = ""
	case "test-source":
		dstPw = ""
	case "archive-plan", "archive":
		// The box is archive's source; the archive is local.
		srcPw, dstPw = s.dst.Password, ""
	}
	s.nextID++
	act := req.Action
	if act == "test-source" {
		act = "ls"
	}
	j := newJob(s.nextID, act)
	s.jobs[j.ID] = j
	if err := j.start(s.cfg.Exe, args, childEnv(env, srcPw, dstPw)); err != nil {
		fail(w, 500, err.Error())
		return
	}
	s.cur = j
	s.last[req.Action] = j
	st, _ := j.snapshot()
	writeJSON(w, 200, st)
}

func (s *Server) jobOf(r *http.Request) *Job {
	id, _ := strconv.Atoi(r.URL.Query().Get("id"))
	if id == 0 && r.Method == http.MethodPost {
		var b struct {
			ID int `json:"id"`
		}
		json.NewDecoder(io.LimitReader(r.Body, 4096)).Decode(&b)
		id = b.ID
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.jobs[id]
}

func (s *Server) stop(w http.ResponseWriter, r *http.Request) {
	j := s.jobOf(r)
	if j == nil {
		fail(w, 404, "no such step")
		return
	}
	j.stop()
	st, _ := j.snapshot()
	writeJSON(w, 200, st)
}

func (s *Server) job(w http.ResponseWriter, r *http.Request) {
	j := s.jobOf(r)
	if j == nil {
		fail(w, 404, "no such step")
		return
	}
	st, _ := j.snapshot()
	writeJSON(w, 200, st)
}

// events streams a job's state as server-sent events (at most five a
// second) until it ends; the last event is named "end".
func (s *Server) events(w http.ResponseWriter, r *http.Request) {
	j := s.jobOf(r)
	if j == nil {
		fail(w, 404, "no such step")
		return
	}
	fl, ok := w.(http.Flusher)
	if !ok {
		fail(w, 500, "no streaming")
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.WriteHeader(200)
	for {
		st, ch := j.snapshot()
		b, _ := json.Marshal(st)
		name := "state"
		if !st.Running {
			name = "end"
		}
		fmt.Fprintf(w, "event: %s\ndata: %s\n\n", name, b)
		fl.Flush()
		if !st.Running {
			return
		}
		select {
		case <-ch:
		case <-r.Context().Done():
			return
		case <-time.After(time.Second): // the elapsed time and ETA move
		}
		select {
		case <-time.After(200 * time.Millisecond):
		case <-r.Context().Done():
			return
		}
	}
}

// lastState is the state of the last job of an action (nil: none).
func (s *Server) lastState(action string) *JobState {
	s.mu.Lock()
	j := s.last[action]
	s.mu.Unlock()
	if j == nil {
		return nil
	}
	st, _ := j.snapshot()
	return &st
}

func (s *Server) report(w http.ResponseWriter, r *http.Request) {
	lang := s.pageLang(r)
	if l := r.URL.Query().Get("lang"); l == "ja" || l == "en" {
		lang = i18n.Lang(l)
	}
	s.mu.Lock()
	src, dst := s.src.public(), s.dst.public()
	s.mu.Unlock()
	srcSpec, _, _ := src.Spec("source", s.files.allowed)
	dstSpec, _, _ := dst.Spec("target", s.files.allowed)
	rep := &reportData{Source: srcSpec, Target: dstSpec, Plan: s.lastState("plan"), Copy: s.lastState("copy"), Verify: s.lastState("verify"), When: time.Now()}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="mailferry-report.html"`)
	if err := writeReport(w, i18n.New(lang), rep); err != nil {
		return
	}
}
