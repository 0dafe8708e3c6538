// Package maildir reads Maildir stores (scheme "maildir:PATH") and holds
// the Maildir naming rules that exporters/maildir writes by, so that both
// directions agree.
//
// # Layouts
//
// PATH may be
//   - a single Maildir (cur/, new/, tmp/): the folder INBOX;
//   - a Maildir++ tree (Dovecot's and Courier's default): the root Maildir is
//     INBOX and ".A.B" directories are Folder{"A", "B"}; a root without cur/
//     that only holds ".X" directories is accepted too (no INBOX then);
//   - a LAYOUT=fs tree (Dovecot "maildir:~/Maildir:LAYOUT=fs"): directories
//     that are Maildirs, at any depth below the root, are nested folders
//     ("Archive/2019/cur" → Folder{"Archive", "2019"}).
//
// Layouts may be mixed; the same folder found twice (".A" and "A/", the root
// and ".INBOX") is read from both. Parents that hold no mail of their own are
// listed with NoSelect. Directories that are not Maildirs and files
// (dovecot-uidlist, dovecot.index*, subscriptions, maildirfolder) are
// ignored; tmp/ is never read; symbolic links are not followed.
//
// # Folder names
//
// Each element of a directory name is decoded by DecodeElement: modified
// UTF-7 (".&ZeVnLIqe-" is "日本語"), then Dovecot's listescape "\NN" escapes
// (".a\2eb" is "a.b"). Names with 8-bit bytes are taken as UTF-8, and names
// that are not valid modified UTF-7 are taken literally.
//
// # Messages
//
// new/ and cur/ are read without changing anything (no rename to cur/, no
// access that depends on atime). Messages are sorted by the number their
// name starts with (the delivery time), then by name. The flags come from
// the info part after ":2," (also "!2," and ";2,", which tools use on
// file systems that forbid ':'): D \Draft, F \Flagged, P $Forwarded,
// R \Answered, S \Seen, T \Deleted (the engine skips T unless
// --keep-deleted); a–z are keywords from the folder's dovecot-keywords file
// and are ignored without one; other letters are ignored. A name without an
// info part has no flags. The internal date is the file's mtime (Dovecot
// keeps INTERNALDATE there). ",S=" and ",W=" in names are not trusted for
// messages: the body is the file, with the size lstat reports. Only the
// folder sizes Folders reports for listings (ls) take ",S=" where a name
// has it, so that a copy lstats each file once.
package maildir
