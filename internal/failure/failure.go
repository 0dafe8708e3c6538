// Package failure classifies errors once, for every part of mailferry:
// what failed (one message, one folder, a whole store, the quota, the
// user's request, or nothing because the run was cancelled) and whether
// trying again may help. The retry helper, the exit codes and the summary
// all read the class from Classify; nothing else looks at error text.
//
// An error carries its class in one of two ways:
//   - it is (or wraps) a *Error made with Mark, Transient or Permanent, or
//   - a type in its chain has a method FailureClass() Class (a driver's own
//     error types, e.g. a refusal by the target or a usage error).
//
// The outermost class in the chain wins, so a caller may re-mark an error
// it understands better than the code that returned it.
package failure

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
)

// Kind is what a failure stops.
type Kind uint8

const (
	// Unknown is an error nobody classified; it is treated as Store and
	// not retried.
	Unknown Kind = iota
	// Message is the failure of one message: it is named and skipped, the
	// run goes on.
	Message
	// Folder is the failure of one folder: it is named, the other folders
	// go on.
	Folder
	// Store is the failure of a whole source or target (connection,
	// login, certificate, disk): the run stops.
	Store
	// Quota is a target that is full or would be.
	Quota
	// Usage is an error in what the user asked (bad store spec, missing
	// path, unknown flag).
	Usage
	// Cancelled is a run stopped by the user or its context.
	Cancelled
)

var kindNames = [...]string{"unknown", "message", "folder", "store", "quota", "usage", "cancelled"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", k)
}

// Class is the classification of an error.
type Class struct {
	Kind Kind
	// Retryable: the same operation, tried again (on a new connection),
	// may succeed (a connection that broke, a timeout).
	Retryable bool
}

// Classifier is implemented by error types that know their class.
type Classifier interface {
	FailureClass() Class
}

// Error is an error marked with its class.
type Error struct {
	Class
	Err error
}

func (e *Error) Error() string       { return e.Err.Error() }
func (e *Error) Unwrap() error       { return e.Err }
func (e *Error) FailureClass() Class { return e.Class }

// Mark returns err marked with kind and retryable; nil stays nil.
func Mark(kind Kind, retryable bool, err error) error {
	if err == nil {
		return nil
	}
	return &Error{Class: Class{Kind: kind, Retryable: retryable}, Err: err}
}

// Transient marks err as a failure of the connection to a store that a new
// attempt may not have (Store, retryable); nil stays nil.
func Transient(err error) error { return Mark(Store, true, err) }

// Permanent marks err as kind, not retryable; nil stays nil.
func Permanent(kind Kind, err error) error { return Mark(kind, false, err) }

// Classify returns the class of err. nil is the zero Class. Without a
// mark in the chain: a cancelled context is Cancelled; a network error
// (a timeout, a reset or closed connection, an unexpected EOF) is a
// retryable Store failure; anything else is Unknown and not retryable.
func Classify(err error) Class {
	if err == nil {
		return Class{}
	}
	// The outermost classifier in the chain wins.
	if c, ok := first(err); ok {
		return c
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return Class{Kind: Cancelled}
	}
	if IsNetwork(err) {
		return Class{Kind: Store, Retryable: true}
	}
	return Class{Kind: Unknown}
}

// first walks err's chain (including joined errors) and returns the first
// class a Classifier gives.
func first(err error) (Class, bool) {
	for err != nil {
		if c, ok := err.(Classifier); ok {
			return c.FailureClass(), true
		}
		switch u := err.(type) {
		case interface{ Unwrap() error }:
			err = u.Unwrap()
		case interface{ Unwrap() []error }:
			for _, e := range u.Unwrap() {
				if c, ok := first(e); ok {
					return c, true
				}
			}
			return Class{}, false
		default:
			return Class{}, false
		}
	}
	return Class{}, false
}

// IsNetwork reports whether err is a broken or stalled connection: a
// net.Error, an unexpected EOF, a reset, refused or closed connection, a
// broken pipe.
func IsNetwork(err error) bool {
	var ne net.Error
	if errors.As(err, &ne) {
		return true
	}
	return errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) ||
		errors.Is(err, net.ErrClosed) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNABORTED) ||
		errors.Is(err, syscall.EPIPE)
}

// Retryable reports whether err may go away when the operation is tried
// again, and ctx is still live.
func Retryable(ctx context.Context, err error) bool {
	return err != nil && ctx.Err() == nil && Classify(err).Retryable
}
