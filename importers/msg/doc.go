// Package msg reads Outlook .msg files (scheme "msg:PATH"): the files
// Outlook writes when messages are dragged out of it or saved with
// "Save As → Outlook Message Format".
//
// # Layout
//
// PATH is one .msg file or a directory:
//   - a single file is one message in INBOX;
//   - in a directory, the .msg files directly in PATH are INBOX (the user
//     dragged messages into a folder and points mailferry at it), and
//     every subdirectory is a folder of the same name, nested as on disk
//     ("Archive/2019/*.msg" → Folder{"Archive", "2019"}). A top-level
//     subdirectory called "Inbox" (any case) is INBOX too; other names
//     ("Sent Items", "受信トレイ") are kept, and the folder mapping of the
//     copy turns the well-known ones into special folders.
//
// Directory names are taken as UTF-8 (normalized to NFC; bytes that are
// not UTF-8 become U+FFFD). Files are "*.msg" in any case; other files,
// hidden files and directories (".name") and symbolic links are ignored.
// Directories with no .msg file below them are not listed; those with
// only subfolders are listed as NoSelect. Messages are read in file name
// order.
//
// # Messages
//
// Each file is a compound file (MS-CFB) read with mscfb; its properties
// (MS-OXMSG: __properties_version1.0, __substg1.0_ streams, recipient and
// attachment storages, embedded messages) fill an outlook.Item, and
// outlook.Build writes the RFC 5322 message into a spooled body (memory up
// to 1 MiB, then a temporary file in Options.SpoolDir). 8-bit strings are
// decoded with PR_MESSAGE_CODEPAGE, else the ANSI code page matching
// PR_INTERNET_CPID (932 for ISO-2022-JP mail), else as windows-1252 unless
// they are valid UTF-8. Flags and the internal date come from
// outlook.Flags and outlook.InternalDate.
//
// Items that are not mail (outlook.IsMail: appointments, contacts, tasks,
// notes, journal entries) are counted in Folders and reach the WalkFunc as
// *importers.SkipError (Kind from outlook.NonMailKind: "contact",
// "appointment", ...), so the summary names them; with
// outlook.Settings.NonMailDir (--nonmail) they are first written there as .vcf, .ics
// or .txt files (outlook.NonMailDir). Walk also logs one warning per
// folder with their number by message class.
//
// A file that cannot be read (not a compound file, a corrupt one, a stream
// that points outside the file) is reported to the WalkFunc as an
// *importers.MessageError naming the file, and the walk goes on.
package msg
