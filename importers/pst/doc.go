// Package pst reads Outlook personal folders files: "pst:FILE" for .pst
// and for .ost files.
//
// # Formats
//
// The reader is this package's own implementation of MS-PST (the node
// database, the heap/table/property layer and the messaging layer), for
// both the ANSI format (Outlook 97-2002, 32-bit block and node IDs) and the
// Unicode format (Outlook 2003 and later), with no, "compressible"
// (permute) and "high" (cyclic) encoding. The 4 KiB-page OST format of
// Outlook 2013 and later (file version 36) is refused with an error that
// wraps ErrUnsupported. go-pst was not used: it reads no ANSI file, writes
// warnings to stdout, cannot read embedded messages, and its dependencies
// are not part of this module.
//
// # Folders
//
// Folders are the tree under the top of the personal folders (the IPM
// subtree), named as they are ("Inbox", "Posta in arrivo"). The IPM
// subtree is the folder PR_IPM_SUBTREE_ENTRYID of the message store names,
// else the root's child named "IPM_SUBTREE" (Exchange OSTs, whose root is
// "Root - Mailbox"), "Top of Outlook data file" or "Top of Personal
// Folders", else NID 0x2142 (where libpst looks), else the root itself
// (logged). The root
// folder, search folders and Outlook's internal folders outside the IPM
// subtree are not listed, as readpst does. Items outside the IPM subtree
// are counted and logged, never read silently. Items directly in the top
// folder itself are listed under a folder named after it. Sent Items,
// Deleted Items, Drafts and Junk E-mail get their special use from the
// store's entry IDs. Two sibling folders with the same name are read as
// one folder.
//
// # Items
//
// Walk hands mail to its WalkFunc: every item except appointments,
// contacts, distribution lists, tasks, sticky notes, journal entries and
// documents (outlook.IsMail). Meeting requests and responses
// (IPM.Schedule.Meeting.*) are mail: they arrived as e-mail and are kept
// in mail folders; so are task requests, delivery and read reports
// (REPORT.*), posts, S/MIME messages and items of unknown or custom
// classes. The items that are not mail reach the WalkFunc as
// *importers.SkipError (Kind from outlook.NonMailKind: "contact",
// "appointment", "task", "note", "distribution-list", "journal"; Folders
// counts them), so the summary names each; with
// outlook.Settings.NonMailDir (--nonmail) they are first written there as readpst
// writes them (vCard 3.0, iCalendar; see outlook.NonMail). They are also
// counted per folder and class in one log line at Info level.
//
// Each item becomes an outlook.Item (transport headers, subject, sender,
// the recipient table, times, plain/HTML/compressed RTF bodies, flags,
// attachments with lazy readers, embedded messages recursively) and is
// built by outlook.Build into an importers.Spool body (in memory up to
// importers.DefaultSpoolMem, then a temporary file). Flags and the
// internal date come from outlook.Flags and outlook.InternalDate. The
// Source releases each body when the WalkFunc returns.
//
// 8-bit strings (PT_STRING8, all strings of ANSI files) are decoded with
// the item's PR_MESSAGE_CODEPAGE, else the Windows code page of the script
// of its PR_INTERNET_CPID (932 for ISO-2022-JP mail), else the code page
// most items of the store name, else windows-1252 (UTF-8 when the bytes
// are valid UTF-8).
//
// # Errors
//
// Damaged structures are detected (bounds, signatures, block trailers,
// tree levels) and reported with an error wrapping ErrCorrupt. An item that
// cannot be read or built, including one whose reading panics, reaches the
// WalkFunc as an *importers.MessageError whose Ref is
// "pst:FILE#nid=0xNID", with the folder and, when readable, the subject;
// the walk goes on. Block checksums are not enforced (readpst ignores them
// too): mismatches are counted and logged.
package pst
