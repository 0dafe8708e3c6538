package batch

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/mailferry/mailferry/internal/atomicfile"
)

// Status of a job in the state file.
const (
	StatusPending    = "pending"
	StatusInProgress = "in-progress" // a batch killed mid-job leaves it so: the job runs again
	StatusDone       = "done"
	StatusFailed     = "failed"
)

// Entry is one job in the state file, keyed by its source and target.
type Entry struct {
	Source      string    `json:"source"`
	Target      string    `json:"target"`
	Name        string    `json:"name,omitempty"`
	Line        int       `json:"line"`
	Fingerprint string    `json:"fingerprint"`
	Status      string    `json:"status"`
	ExitCode    int       `json:"exit_code"`
	Error       string    `json:"error,omitempty"`
	Runs        int       `json:"runs"`
	Started     time.Time `json:"started,omitzero"`
	Finished    time.Time `json:"finished,omitzero"`
	Seconds     float64   `json:"duration_seconds"`
	LogFile     string    `json:"log_file,omitempty"`
	Outcome     *Outcome  `json:"outcome,omitempty"` // of the last run
	// CopiedTotal and BytesTotal add up the messages and bytes copied by
	// every run of the job (the cut-over and the deltas).
	CopiedTotal int64 `json:"copied_total"`
	BytesTotal  int64 `json:"bytes_total"`
}

// Key is the entry's job key (Job.Key).
func (e *Entry) Key() string { return e.Source + "\x00" + e.Target }

// State is the state file of a batch: what each job did. It is rewritten
// atomically (a temporary file renamed over it) at every change, so a
// killed batch leaves the last complete state.
type State struct {
	Path    string            `json:"-"`
	Version int               `json:"version"`
	File    string            `json:"batch_file"`
	Shard   string            `json:"shard,omitempty"` // "i/n" when sharded
	Updated time.Time         `json:"updated"`
	Jobs    []*Entry          `json:"jobs"`
	byKey   map[string]*Entry // Jobs by key
	mu      sync.Mutex
}

// LoadState reads the state file at path; a missing file is an empty
// state.
func LoadState(path string) (*State, error) {
	s := &State{Path: path, Version: 1, byKey: map[string]*Entry{}}
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return s, nil
	}
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(b, s); err != nil {
		return nil, fmt.Errorf("state file %s: %v", path, err)
	}
	if s.Version != 1 {
		return nil, fmt.Errorf("state file %s: version %d, this mailferry reads version 1", path, s.Version)
	}
	for _, e := range s.Jobs {
		s.byKey[e.Key()] = e
	}
	return s, nil
}

// Entry returns the job's entry, or nil.
func (s *State) Entry(key string) *Entry {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.byKey[key]
}

// Decide says whether a job runs: a job done with the same fingerprint is
// skipped unless delta; anything else (new, failed, in progress when a
// batch was killed, changed) runs.
func (s *State) Decide(j *Job, delta bool) (run bool, why string) {
	e := s.Entry(j.Key())
	switch {
	case e == nil:
		return true, "new"
	case delta:
		return true, "delta"
	case e.Status == StatusDone && e.Fingerprint == j.Fingerprint():
		return false, "done"
	case e.Status == StatusDone:
		return true, "changed"
	case e.Status == StatusInProgress:
		return true, "interrupted"
	}
	return true, e.Status
}

// Update changes the entry of job j with f and saves the state.
func (s *State) Update(j *Job, f func(e *Entry)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.byKey[j.Key()]
	if e == nil {
		e = &Entry{Source: j.Source, Target: j.Target, Status: StatusPending}
		s.byKey[j.Key()] = e
		s.Jobs = append(s.Jobs, e)
	}
	e.Name, e.Line = j.Name, j.Line
	f(e)
	return s.saveLocked()
}

// Save writes the state file.
func (s *State) Save() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.saveLocked()
}

func (s *State) saveLocked() error {
	s.Updated = time.Now().UTC()
	sort.SliceStable(s.Jobs, func(a, b int) bool { return s.Jobs[a].Line < s.Jobs[b].Line })
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.Write(s.Path, append(b, '\n'), 0o600)
}

// DefaultStatePath is the state file next to the batch file (one per
// shard when sharded).
func DefaultStatePath(file string, shard, shards int) string {
	base := strings.TrimSuffix(file, filepath.Ext(file))
	if shards > 1 {
		return fmt.Sprintf("%s.shard-%d-of-%d.state.json", base, shard, shards)
	}
	return base + ".state.json"
}
