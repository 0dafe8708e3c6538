// Package thunderbird reads Thunderbird's local mail (scheme
// "thunderbird:PATH"): the mbox files of Local Folders and of the
// profile's POP accounts (--account NAME: one account; --all-accounts:
// also feeds and directories of removed accounts), the POP accounts'
// folders marked to merge into the target's tree (FolderInfo.Target);
// IMAP accounts are skipped and named (Source.Notes). It finds the
// default profile through profiles.ini when PATH is empty (see Open and
// DefaultProfile) and reads the files with importers/mbox.
//
// # Folders
//
// Every file of an account directory that is an mbox file (or empty) is a
// folder named as the file, so "Inbox" is Folder{"Inbox"} (the engine maps
// it to INBOX) and "Sent", "Trash", "Drafts" keep their names (the engine
// maps them to the special-use folders). "Name.sbd/" holds Name's
// subfolders; a "Name.sbd/" without a "Name" file gives a folder that only
// holds others (NoSelect). File names are taken as they are on disk
// (UTF-8 on Linux and macOS, normalized to NFC), which is what Thunderbird
// writes for non-ASCII folder names. QUIRK: Thunderbird stores a folder
// whose name has characters the file system forbids, or is too long, under
// a name it hashes (NS_MsgHashIfNecessary: the start of the name and 8 hex
// digits); the real name is only in the folder's .msf summary, which is
// not read, so such folders show their hashed file name.
//
// Skipped: .msf summaries, msgFilterRules.dat, popstate.dat, filterlog.html,
// *.json, *.sqlite and other settings (see mbox.List), dotfiles, "nstmp"
// files left by an interrupted "Compact Folders", Spotlight's ".mozmsgs"
// directories and Maildir-format folders (read those with maildir:).
//
// # Messages
//
// Messages are split with Thunderbird's own rule as well as the mbox one
// (mbox.ReaderOptions.Thunderbird) and unquoted as mboxrd. Flags come from
// X-Mozilla-Status, X-Mozilla-Status2 and X-Mozilla-Keys; messages that
// Thunderbird marked expunged (deleted but not yet compacted away) come
// with \Deleted and the engine skips them unless --keep-deleted. The
// internal date is the "From - " line's date in local time. Thunderbird
// has no draft flag, so the messages of Drafts come without \Draft.
//
// Close Thunderbird while copying: "Compact Folders" rewrites the files,
// and a body whose file changed since it was scanned fails to open with
// importers.ErrChanged (new mail appended meanwhile is fine).
package thunderbird
