package pst

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/textproto"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/mailferry/mailferry/importers"
)

var (
	sampleOnce sync.Once
	sampleDir  string
	sampleErr  error
)

// The sample PSTs are test data only: go-pst's module is fetched as a
// file archive (not a dependency, so go.mod does not name it), pinned by
// version and checked against its known module hash.
const (
	sampleModule = "github.com/mooijtech/go-pst/v6@v6.0.2"
	sampleSum    = "h1:mXzOgcSZ30UPuCWpz4DAQCTm0ttOmiejOuF/CN32C2Q="
)

// samplePath returns the path of a PST shipped in go-pst's data/ folder,
// found through the module cache.
func samplePath(t testing.TB, name string) string {
	t.Helper()
	sampleOnce.Do(func() {
		// go mod download fetches the module on a fresh machine and prints
		// where it is. It runs outside this module so that go.mod and
		// go.sum are neither needed nor touched.
		cmd := exec.Command("go", "mod", "download", "-json", sampleModule)
		cmd.Dir = os.TempDir()
		cmd.Env = append(os.Environ(), "GOFLAGS=")
		out, err := cmd.Output()
		if err != nil {
			sampleErr = err
			return
		}
		var mod struct{ Dir, Sum, Error string }
		if err := json.Unmarshal(out, &mod); err != nil || mod.Dir == "" {
			sampleErr = fmt.Errorf("go mod download: %v %s", err, mod.Error)
			return
		}
		if mod.Sum != sampleSum {
			sampleErr = fmt.Errorf("%s has hash %s, want %s", sampleModule, mod.Sum, sampleSum)
			return
		}
		sampleDir = filepath.Join(mod.Dir, "data")
	})
	if sampleErr != nil {
		t.Fatalf("locating go-pst's sample files (go mod download %s): %v", sampleModule, sampleErr)
	}
	p := filepath.Join(sampleDir, name)
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("sample %s: %v", name, err)
	}
	return p
}

// logBuffer collects log records for assertions.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func testOptions(t testing.TB) (*importers.Options, *logBuffer) {
	lb := &logBuffer{}
	return &importers.Options{
		Logger:   slog.New(slog.NewTextHandler(lb, &slog.HandlerOptions{Level: slog.LevelDebug})),
		SpoolDir: t.TempDir(),
	}, lb
}

func openTest(t testing.TB, path string) (*Source, *logBuffer) {
	t.Helper()
	opts, lb := testOptions(t)
	s, err := Open(path, opts)
	if err != nil {
		t.Fatalf("Open(%s): %v", path, err)
	}
	t.Cleanup(func() { s.Close() })
	return s, lb
}

// got is one message as walked.
type got struct {
	folder string
	ref    string
	raw    []byte
	err    error
}

// walkAll walks every folder and returns the messages and errors.
func walkAll(t testing.TB, s *Source) []got {
	t.Helper()
	ctx := context.Background()
	fis, err := s.Folders(ctx)
	if err != nil {
		t.Fatalf("Folders: %v", err)
	}
	var out []got
	for _, fi := range fis {
		err := s.Walk(ctx, fi.Folder, nil, func(m *importers.Message, rerr error) error {
			var se *importers.SkipError
			if errors.As(rerr, &se) {
				return nil // items that are not mail: see noloss_outlook_test.go
			}
			g := got{folder: fi.Folder.String(), ref: m.Ref, err: rerr}
			if rerr == nil {
				rc, err := m.Body.Open()
				if err != nil {
					t.Fatalf("%s: Open: %v", m.Ref, err)
				}
				g.raw, err = io.ReadAll(rc)
				rc.Close()
				if err != nil {
					t.Fatalf("%s: read: %v", m.Ref, err)
				}
				if int64(len(g.raw)) != m.Body.Len() {
					t.Errorf("%s: Len %d, read %d", m.Ref, m.Body.Len(), len(g.raw))
				}
			}
			out = append(out, g)
			return nil
		})
		if err != nil {
			t.Fatalf("Walk(%s): %v", fi.Folder, err)
		}
	}
	return out
}

// headerField returns the first field name of a message header (the
// header ends at the first empty line), unfolded, or "".
func headerField(raw []byte, name string) string {
	r := textproto.NewReader(bufio.NewReader(bytes.NewReader(raw)))
	h, _ := r.ReadMIMEHeader()
	return strings.TrimSpace(h.Get(name))
}

func filepathGlob(dir string) ([]string, error) { return filepath.Glob(filepath.Join(dir, "*")) }

func readFile(p string) ([]byte, error) { return os.ReadFile(p) }
