// Package eml reads messages kept one per file (scheme "eml:PATH"): what
// Outlook ("Save As"), Windows Live Mail, Thunderbird's ImportExportTools
// and mailferry's own eml exporter write.
//
// # Layout
//
// PATH is one .eml file or a directory:
//   - a single file is one message in INBOX;
//   - in a directory, the .eml files directly in PATH are INBOX, and every
//     subdirectory is a folder of the same name, nested as on disk
//     ("仕事/重要/x.eml" → Folder{"仕事", "重要"}). A top-level
//     subdirectory called "INBOX" (any case) is INBOX too, so a tree whose
//     inbox is a directory reads back the same. Other names ("Sent",
//     "送信済みアイテム") are kept as they are; the folder mapping of the copy
//     turns the well-known ones into special folders.
//
// Directory names may be any UTF-8 (they are normalized to NFC, so names
// from macOS compare equal; bytes that are not UTF-8 become U+FFFD).
// Message files are "*.eml" in any case; other files, hidden files and
// directories (".name", "._name" from macOS), and symbolic links are
// ignored. Directories with no .eml file below them are not listed; those
// with only subfolders are listed as NoSelect.
//
// # Messages
//
// Messages are read in file name order. The body is the file as it is
// (byte-exact), except for two things some tools put before the header,
// which are skipped: a UTF-8 byte order mark and an mbox "From " line.
// There are no flags (none of these formats keeps them). The internal date
// is the Date: header, parsed leniently (obsolete forms, comments, named
// zones such as JST), or the file's modification time when there is none.
//
// A file that is empty, or does not start with a header field ("Name:
// value"), is reported to the WalkFunc as an *importers.MessageError
// naming the file, and the walk goes on.
package eml
