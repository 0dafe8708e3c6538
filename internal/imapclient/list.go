package imapclient

import (
	"errors"
	"fmt"
	"sort"

	"github.com/emersion/go-imap/v2"
	"github.com/mailferry/mailferry/importers"
)

// MailboxInfo is one mailbox of the personal namespace.
type MailboxInfo struct {
	// Name is the server's name (UTF-8).
	Name string
	// Folder is the logical folder.
	Folder importers.Folder
	// Use is the special use (\Sent, \Drafts, ...) or "".
	Use imap.MailboxAttr
	// NoSelect is true for a mailbox that cannot hold messages
	// (\Noselect, \NonExistent).
	NoSelect bool
	Attrs    []imap.MailboxAttr
	// Status is set when List was asked for it (nil for NoSelect ones).
	Status *imap.StatusData
}

// statusBatch is how many STATUS commands List pipelines.
const statusBatch = 32

// List lists the personal namespace: LIST "" "*", with RETURN
// (SPECIAL-USE) when the server has SPECIAL-USE and LIST-EXTENDED (else the
// attributes of a plain LIST are used, which is what Dovecot sends anyway).
// With status != nil each selectable mailbox also gets its STATUS, through
// LIST-STATUS when the server has it, else with pipelined STATUS commands.
// The result is sorted parents first, INBOX first.
func (c *Conn) List(status *imap.StatusOptions) ([]MailboxInfo, error) {
	extended := c.Caps.Has(imap.CapListExtended) || c.Caps.Has(imap.CapIMAP4rev2)
	var lo *imap.ListOptions
	if extended && c.Caps.Has(imap.CapSpecialUse) {
		lo = &imap.ListOptions{ReturnSpecialUse: true}
	}
	listStatus := status != nil && (c.Caps.Has(imap.CapListStatus) || c.Caps.Has(imap.CapIMAP4rev2))
	if listStatus {
		if lo == nil {
			lo = &imap.ListOptions{}
		}
		lo.ReturnStatus = status
	}
	cmd := c.C.List("", "*", lo)
	var out []MailboxInfo
	seen := map[string]bool{}
	for d := cmd.Next(); d != nil; d = cmd.Next() {
		f, ok := c.Folder(d.Mailbox)
		if !ok || seen[d.Mailbox] {
			continue
		}
		seen[d.Mailbox] = true
		mi := MailboxInfo{
			Name: d.Mailbox, Folder: f, Attrs: d.Attrs, Use: SpecialUse(d.Attrs),
			NoSelect: hasAttr(d.Attrs, imap.MailboxAttrNoSelect) || hasAttr(d.Attrs, imap.MailboxAttrNonExistent),
			Status:   d.Status,
		}
		out = append(out, mi)
	}
	if err := cmd.Close(); err != nil {
		return nil, fmt.Errorf("LIST: %w", err)
	}
	if status != nil {
		if err := c.statusAll(out, status); err != nil {
			return nil, err
		}
	}
	SortMailboxes(out)
	return out, nil
}

// statusAll fills in Status where LIST-STATUS did not.
func (c *Conn) statusAll(l []MailboxInfo, status *imap.StatusOptions) error {
	var todo []int
	for i := range l {
		if !l[i].NoSelect && l[i].Status == nil {
			todo = append(todo, i)
		}
	}
	for len(todo) > 0 {
		n := min(len(todo), statusBatch)
		cmds := make([]interface {
			Wait() (*imap.StatusData, error)
		}, n)
		for j := 0; j < n; j++ {
			cmds[j] = c.C.Status(l[todo[j]].Name, status)
		}
		for j := 0; j < n; j++ {
			d, err := cmds[j].Wait()
			var ie *imap.Error
			switch {
			case errors.As(err, &ie):
				// This mailbox cannot tell (permissions, gone since
				// LIST): its counts stay unknown.
			case err != nil:
				return fmt.Errorf("STATUS %q: %w", l[todo[j]].Name, err)
			default:
				l[todo[j]].Status = d
			}
		}
		todo = todo[n:]
	}
	return nil
}

// SortMailboxes orders by logical folder: INBOX first, then element by
// element, so a parent comes before its children.
func SortMailboxes(l []MailboxInfo) {
	sort.SliceStable(l, func(i, j int) bool { return FolderLess(l[i].Folder, l[j].Folder) })
}

// FolderLess orders folders INBOX first, then element by element.
func FolderLess(a, b importers.Folder) bool {
	if a.IsInbox() != b.IsInbox() {
		return a.IsInbox()
	}
	for k := 0; k < len(a) && k < len(b); k++ {
		if a[k] != b[k] {
			return a[k] < b[k]
		}
	}
	return len(a) < len(b)
}
