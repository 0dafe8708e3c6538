// Package mbox reads mbox files (scheme "mbox:PATH") with its own
// streaming reader, which the thunderbird importer shares.
//
// PATH is one mbox file or a directory of them (see List): file names are
// folder names without a ".mbox" or ".mbx" extension, directories and
// Thunderbird's "Name.sbd" directories are folder levels.
//
// # Where messages start and end
//
// Reader scans a file once, line by line, with a 64 KiB buffer; it keeps
// offsets, never message bytes, so memory does not grow with message
// size. LF and CRLF files are handled alike and their bytes kept as they
// are. A UTF-8 byte order mark at the start of the file is skipped.
//
//   - The file must start with a "From " line; it starts the first message.
//   - Any later message starts at a "From " line preceded by a blank line
//     ("\n" or "\r\n"), the separator, which belongs to neither message.
//     If the first "From " line of the file has a date (see
//     ParseFromLine), the file's writer writes dates, and a later "From "
//     line must have one too to count; one without ("From the desk of...")
//     is message text. A file whose first "From " line has no date gets
//     the loose rule: blank line plus "From " is enough.
//   - A "From " line that is not preceded by a blank line is message text
//     (the classic mboxo corruption of an unquoted body line), except with
//     Thunderbird's rule (ReaderOptions.Thunderbird; on by itself for
//     files whose first line is "From - <date>"): an envelope line with a
//     date followed by two header-like lines also ends the message, as in
//     Thunderbird's own reader, because Thunderbird does not always write
//     the blank line.
//   - Content-Length (mboxcl, mboxcl2): when the header has one and the
//     byte it points to is the end of the file, a "From " line, or a blank
//     line followed by a "From " line or the end of the file, the message
//     ends there whatever "From " lines its body holds. Otherwise the
//     header is ignored and the rules above apply.
//   - A blank line at the very end of the file is the last separator. A
//     last message without a final newline is kept as it is.
//
// # Quoting
//
// Lines matching ^>+From  lose one '>' (the mboxrd rule), on the fly when
// a body is read, so that what mboxrd writers (exporters/mbox, Thunderbird
// since its mboxrd rewrite, mutt with mbox_type=mboxrd) quoted comes back
// byte for byte. QUIRK: mboxo writers (older Thunderbird versions, Postfix,
// procmail) quote "From " as ">From " but leave ">From " as it is, so a
// line that was ">From " in such a file comes back as "From "; no reader
// can tell the two apart, and the one-'>' rule is the one that is
// reversible for mboxrd. A message that holds an unquoted "From " line
// (mboxcl2, or a writer that does not quote at all) is returned as it is:
// its writer did not quote, so its ">From " lines are the sender's text.
//
// # Dates and flags
//
// The internal date is the envelope date of the "From " line, else the
// Date: header, else zero. QUIRK: asctime dates have no zone and are read
// in the local time zone of the machine, as older Thunderbird versions and
// exporters/mbox write them; Thunderbird's newer mbox writer
// (MboxMsgOutputStream) writes UTC, so those dates may be off by the zone
// offset.
//
// Flags come from the first X-Mozilla-Status, X-Mozilla-Status2,
// X-Mozilla-Keys, Status, X-Status and X-Keywords fields of the header
// section (see StatusHeaders.Flags). Thunderbird's "expunged" bit (deleted,
// not yet compacted) gives \Deleted, which the engine skips unless
// --keep-deleted. These header fields stay in the message bytes: they are
// part of what is stored.
//
// # Counts
//
// Folders scans every file to count messages and bytes: sequential
// reading at disk speed, so `mailferry ls` shows real numbers. A message
// with no bytes at all ("From " line, then a separator or the end) goes to
// the WalkFunc as a MessageError naming file, folder and offset, and
// counts as a message. Ref is "mbox:<file>@<offset of the From line>".
package mbox
