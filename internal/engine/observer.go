package engine

// Event is a progress event of the engine. Type is one of "inventory",
// "scan", "plan", "start", "folder", "copied", "dup", "skip", "error", "warning",
// "folder-created" (an empty target folder made at the end of a copy).
type Event struct {
	Type   string `json:"type"`
	Folder string `json:"folder,omitempty"`
	Target string `json:"target,omitempty"`
	Ref    string `json:"ref,omitempty"`
	Reason string `json:"reason,omitempty"`
	// Code, Args and Detail type Reason (reasons.go) for a "skip",
	// "error" or "warning".
	Code     string `json:"code,omitempty"`
	Args     []any  `json:"args,omitempty"`
	Detail   string `json:"detail,omitempty"`
	Bytes    int64  `json:"bytes,omitempty"`
	Messages int64  `json:"messages,omitempty"`
	Plan     *Plan  `json:"-"`
}

// Observer receives engine events in the engine's goroutine; it must not block long.
type Observer interface{ Event(Event) }

// ObserverFunc adapts a function to Observer.
type ObserverFunc func(Event)

func (f ObserverFunc) Event(ev Event) { f(ev) }

type nopObserver struct{}

func (nopObserver) Event(Event) {}
