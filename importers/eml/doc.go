// Package eml reads messages kept one per file (scheme "eml:PATH"): what
// Outlook ("Save As"), Windows Live Mail, Thunderbird's ImportExportTools
// and mailferry's own eml exporter write.
//
// # Layout
//
// PATH is one .eml file or a directory:
//   - a single file is one message in INBOX;
//   - in a directory, the files directly in PATH are INBOX, and every
//     subdirectory is a folder of the same name, nested as on disk
//     ("仕事/重要/x.eml" → Folder{"仕事", "重要"}). A top-level
//     subdirectory called "INBOX" (any case) is INBOX too, so a tree whose
//     inbox is a directory reads back the same. Other names ("Sent",
//     "送信済みアイテム") are kept as they are; the folder mapping of the copy
//     turns the well-known ones into special folders.
//
// Directory names may be any UTF-8 (they are normalized to NFC, so names
// from macOS compare equal; bytes that are not UTF-8 become U+FFFD).
// Hidden directories (".Trash", ".git") and symbolic links are not read.
//
// # Which files
//
// Every regular file is an item of its folder, whatever its name: a tree of
// ".txt", ".raw" or extension-less RFC 5322 files reads like one of ".eml"
// files (issue 12). A file is a message when it starts like one: after an
// optional UTF-8 byte order mark and an optional mbox "From " line, a
// header field ("Name: value"). A file whose name does not end in ".eml"
// must also have nothing but fields and continuation lines up to the
// first blank line. Every other file is reported to the WalkFunc as an
// *importers.SkipError of kind "not-a-message", its reason saying why
// ("does not start with a header field", "empty file"...), so that the
// summary names it; a ".eml" file that is not a message is an
// *importers.MessageError (an error of the run), since its name says it
// should be one.
//
// These files are skipped without a word (they are never mail and systems
// and tools keep them beside it; names compared without case):
// ".DS_Store", ".localized", "Icon\r" (macOS Finder), "._*" (macOS
// AppleDouble resource forks), "Thumbs.db", "ehthumbs.db", "desktop.ini"
// (Windows Explorer), and mailferry's own files: ".mailferry-*" (state,
// lock and temporary files) and ".<name>.mailferry-journal". Directories
// with no file below them other than these are not listed; those with
// only subfolders are listed as NoSelect. Folders counts every item
// (messages and skipped files alike).
//
// # Messages
//
// Messages are read in file name order. The body is the file as it is
// (byte-exact), except for two things some tools put before the header,
// which are skipped: a UTF-8 byte order mark and an mbox "From " line.
// Lines may end in LF, CRLF or a lone CR (classic Mac OS files); the bytes
// are kept as they are (an IMAP target gets CRLF, see
// importers.CRLFReader).
// There are no flags (none of these formats keeps them). The internal date
// is the Date: header, parsed leniently (obsolete forms, comments, named
// zones such as JST), or the file's modification time when there is none.
//
// A file that cannot be read is reported to the WalkFunc as an
// *importers.MessageError naming the file, and the walk goes on.
package eml
