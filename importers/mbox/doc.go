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
// size. A line ends at LF, at CRLF or at a CR not followed by LF (classic
// Mac OS files and some bounce archives use CR alone); LF, CRLF and
// CR-only files are handled alike and their bytes kept as they are. A
// UTF-8 byte order mark at the start of the file is skipped.
//
// Envelope candidate (issue 12; the independent item count of this
// package uses the same notion): a line that begins exactly "From " at the
// start of the file or right after a line end, and whose next line is a
// header field line, that is, a field name of printable ASCII without
// space or colon (at least one byte), then ':'. A "From " line not
// followed by a header field (or at the very end of the file) is body
// text, whatever comes before it. The envelope line's date plays no part
// ("From - " with no date, as Netscape and early Thunderbird wrote, and
// "From nobody" count), and neither does the blank line before it.
//
//   - The file must start with a "From " line; it starts the first message
//     (even when no header field follows it).
//   - Every later message starts at an envelope candidate, and without
//     Content-Length framing (below) every candidate starts a message. The
//     blank line just before a candidate ("\n", "\r\n" or "\r"), when
//     there is one, is the separator and belongs to neither message; a
//     candidate right after a body line ends that body there (Thunderbird,
//     Netscape and scripts that concatenate files do not always write the
//     blank line).
//   - Content-Length (mboxcl, mboxcl2): when the header has one and the
//     byte it points to is the end of the file, an envelope candidate, or
//     a blank line followed by a candidate or the end of the file, the
//     message ends there, and candidates in its body are body text (an
//     embedded mbox in an mboxcl2 file). Otherwise the header is ignored
//     and the rules above apply. So the messages after the first are the
//     candidates minus those inside a body framed by Content-Length.
//   - A blank line at the very end of the file is the last separator. A
//     last message without a final line end is kept as it is.
//   - As a consequence, only the first message of a file can be empty (a
//     "From " line followed by a blank line is not a candidate).
//
// # Quoting
//
// Lines matching ^>+From  lose one '>' (the mboxrd rule; lines end as
// above, so a lone CR too), on the fly when a body is read, so that what mboxrd writers (exporters/mbox, Thunderbird
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
// with no bytes at all (the first "From " line, then a separator or the
// end) goes to the WalkFunc as a MessageError naming file, folder and
// offset, and counts as a message. Ref is "mbox:<file>@<offset of the From line>".
package mbox
