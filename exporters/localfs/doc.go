// Package localfs is the file-system layer shared by the local exporters
// (exporters/maildir, exporters/mbox, exporters/eml). It exists so that the
// rules that keep a local copy safe are written once:
//
//   - Containment. Every write goes through a Root: an os.Root on the target
//     directory (operations cannot leave it, even through symbolic links or
//     ".."), plus an Lstat of every path component below the root before it
//     is used, so that a planted symbolic link is refused with an error
//     instead of being followed (Go's os.Root would follow a link that stays
//     inside the root). New files are created with O_CREATE|O_EXCL|O_NOFOLLOW.
//   - Names. A folder element from a server can be anything ("..", "/",
//     "a/../../etc", NUL, 10 KB). Escape maps it to a single safe file-name
//     component by escaping, never dropping, so two different folders never
//     share a name; an element that is still too long is shortened and gets
//     a hash suffix. Unescape reverses it.
//   - Collisions. Names that differ only in case (or Unicode normalization)
//     are the same file on case-insensitive file systems (SMB/NTFS, macOS).
//     Dir picks, per directory, the first of a deterministic sequence of
//     names that is free, comparing case-folded names when the file system
//     is, or may be, case-insensitive. The disambiguating suffix is stripped
//     again by Unescape, so the folder name reads back unchanged.
//   - Atomicity and permissions. Messages are written to a temporary file,
//     fsynced, then renamed or linked into place, and the directory is
//     fsynced; on any error the temporary file is removed. Files are 0600,
//     directories 0700.
//   - Disk space. Quota reports the file system of the root as one quota
//     root, Used = total − available (to unprivileged users), Limit = total,
//     so the engine's headroom (0.9 by default) means "keep 10 % of the disk
//     free".
//
// # Escaping (Escape / Unescape)
//
// Bytes are written as "%XX" (upper-case hex) when they are: '%' itself;
// control characters (C0, DEL, and the C1 and bidirectional-override code
// points, byte by byte); bytes that are not valid UTF-8; any of <>:"/\|?*
// (forbidden on Windows and SMB); a '.' at the start (".", "..", hidden
// files, and our own dot-files cannot be produced); a '.' or ' ' at the end
// (Windows drops them). Windows device names (CON, PRN, AUX, NUL, COM0–9,
// LPT0–9, also with an extension) get their first letter escaped. An
// exporter may name reserved suffixes (mbox: ".sbd", ".msf"), whose dot is
// then escaped. The empty element is a lone "%". Other Unicode is kept as
// UTF-8. A component longer than MaxComponent bytes is cut at a character
// boundary and ends in "%~" plus 8 hex digits of a SHA-256 of the whole
// element; the same suffix disambiguates case collisions. Unescape drops a
// trailing "%~xxxxxxxx", so only names cut for length read back different
// (shortened) from what was written.
package localfs
