#!/usr/bin/env python3
"""Writes the mbox fixtures of this directory and prints, on stdout, the
Go table that importers/mbox/fixtures_test.go checks them against.

Every message is defined below as the bytes a correct reader must return
(the "want" body), together with how a given writer stores it. The offsets
and SHA-256 sums come from these definitions, not from the Go reader.
Run it from this directory: python3 make.py > /tmp/table.go
"""
import hashlib

BOM = b"\xef\xbb\xbf"


def mboxrd_quote(body):
    """mboxrd: every line matching ^>*From  gets one more '>'."""
    out = []
    for line in body.split(b"\n"):
        if line.lstrip(b">").startswith(b"From "):
            line = b">" + line
        out.append(line)
    return b"\n".join(out)


def mboxo_quote(body):
    """mboxo: only lines starting with "From " get a '>'."""
    out = []
    for line in body.split(b"\n"):
        if line.startswith(b"From "):
            line = b">" + line
        out.append(line)
    return b"\n".join(out)


def rd_unquote(stored):
    """What the reader returns: one '>' less on ^>+From  lines."""
    out = []
    for line in stored.split(b"\n"):
        if line.startswith(b">") and line.lstrip(b">").startswith(b"From "):
            line = line[1:]
        out.append(line)
    return b"\n".join(out)


files = {}  # name -> bytearray
table = {}  # name -> list of (offset, want, flags, date)


def add(name, envelope, stored, want, flags, date, sep=b"\n", eol=b"\n"):
    buf = files.setdefault(name, bytearray())
    if not buf and name.startswith("bom"):
        buf += BOM
    off = len(buf)
    buf += envelope.encode() + eol + stored + sep
    table.setdefault(name, []).append((off, want, flags, date))


# --- mboxrd.mbox: an mboxrd writer (mutt mbox_type=mboxrd, exporters/mbox).
m = (b"Return-Path: <alice@example.org>\nMessage-ID: <rd-1@example.org>\n"
     b"Date: Mon, 4 Mar 2019 05:06:07 +0000\nFrom: alice@example.org\nTo: bob@example.com\n"
     b"Subject: quoting\nStatus: RO\n\n"
     b"From the start, a line beginning with From.\n>From already quoted once.\n>>From twice.\n"
     b"> From with a space.\n>Fromage is no From line.\n")
add("mboxrd.mbox", "From alice@example.org Mon Mar  4 05:06:07 2019", mboxrd_quote(m), m,
    [r"\Seen"], ("local", 2019, 3, 4, 5, 6, 7))
m = (b"Message-ID: <rd-2@example.org>\nSubject: bounce\nX-Status: AF\nStatus: R\n\n"
     b"short\n")
add("mboxrd.mbox", "From MAILER-DAEMON Fri Jul  8 12:08:34 2011", mboxrd_quote(m), m,
    [r"\Seen", r"\Answered", r"\Flagged"], ("local", 2011, 7, 8, 12, 8, 34))
m = (b"Message-ID: <rd-3@example.org>\nSubject: ends with a blank line\n\n"
     b"last line, then an empty one\n\n")
add("mboxrd.mbox", "From bob@example.com Sat Jan  3 01:05:34 1996 +0100", mboxrd_quote(m), m,
    [], ("utc", 1996, 1, 3, 0, 5, 34))

# --- mboxo.mbox: Thunderbird before its mboxrd writer ("From - ", mboxo
# quoting, X-Mozilla-Status), including a message not followed by a blank
# line and one stored by a writer that did not quote at all.
m = (b"X-Mozilla-Status: 0001\nX-Mozilla-Status2: 00000000\nX-Mozilla-Keys:                                                                                 \n"
     b"Message-ID: <tb-1@example.org>\nSubject: read\n\n"
     b"From here on the body talks.\n>From the archive: this line had one '>' already.\n")
# QUIRK: mboxo left ">From the archive" alone; the reader takes one '>' off.
add("mboxo.mbox", "From - Mon Jan  1 00:00:00 2001", mboxo_quote(m), rd_unquote(mboxo_quote(m)),
    [r"\Seen"], ("local", 2001, 1, 1, 0, 0, 0))
m = (b"X-Mozilla-Status: 0009\nX-Mozilla-Status2: 00000000\n"
     b"Message-ID: <tb-2@example.org>\nSubject: deleted, not compacted\n\nbye\n")
add("mboxo.mbox", "From - Tue Jan  2 10:20:30 2001", mboxo_quote(m), m,
    [r"\Seen", r"\Deleted"], ("local", 2001, 1, 2, 10, 20, 30))
m = (b"X-Mozilla-Status: 1005\nX-Mozilla-Status2: 00800000\nX-Mozilla-Keys: $label2 nonjunk\n"
     b"Message-ID: <tb-3@example.org>\nSubject: flagged, forwarded, no blank line after\n\nbody\n")
add("mboxo.mbox", "From - Wed Jan  3 23:59:59 2001", mboxo_quote(m), m,
    [r"\Seen", r"\Flagged", "$Forwarded", "$MDNSent", "$label2", "$NotJunk"], ("local", 2001, 1, 3, 23, 59, 59),
    sep=b"")
m = (b"X-Mozilla-Status: 0000\nMessage-ID: <tb-4@example.org>\nSubject: stored without quoting\n\n"
     b"see below\nFrom nowhere in particular\n>From stays as it is\n")
add("mboxo.mbox", "From - Thu Jan  4 00:00:00 2001", m, m, [], ("local", 2001, 1, 4, 0, 0, 0))

# --- mboxcl2.mbox: Solaris mail (Content-Length, no quoting at all).
m1body = (b"An embedded mbox:\n\nFrom bob@example.com Thu Jan  1 00:00:00 1970\n"
          b"Looks-Like: a header\n\nbut is body text.\n>From stays.\n")
m = (b"Message-ID: <cl-1@example.org>\nContent-Length: %d\nSubject: embedded mbox\n\n" % len(m1body)) + m1body
add("mboxcl2.mbox", "From carol@example.net Mon Mar  4 05:06:07 2019", m, m, [], ("local", 2019, 3, 4, 5, 6, 7))
m = (b"Message-ID: <cl-2@example.org>\nContent-Length: 99999\nSubject: wrong length\n\n"
     b"The header lies; the reader falls back to From lines.\n")
add("mboxcl2.mbox", "From carol@example.net Tue Mar  5 05:06:07 2019", m, m, [], ("local", 2019, 3, 5, 5, 6, 7))
m3body = b"From the last one.\n"
m = (b"Message-ID: <cl-3@example.org>\nContent-Length: %d\nSubject: last\n\n" % len(m3body)) + m3body
add("mboxcl2.mbox", "From carol@example.net Wed Mar  6 05:06:07 2019", m, m, [], ("local", 2019, 3, 6, 5, 6, 7))

# --- crlf.mbox: CRLF line endings throughout (Windows tools, Thunderbird's
# mboxrd writer); the bytes stay CRLF.
def crlf(b):
    return b.replace(b"\n", b"\r\n")


m = crlf(b"X-Mozilla-Status: 0001\nMessage-ID: <crlf-1@example.org>\nSubject: CRLF\n\n"
         b"line one\n>From quoted in the original\n")
add("crlf.mbox", "From - Sat Jan 03 01:05:34 1996", mboxrd_quote(m), m,
    [r"\Seen"], ("local", 1996, 1, 3, 1, 5, 34), sep=b"\r\n", eol=b"\r\n")
m = crlf(b"X-Mozilla-Status: 0000\nMessage-ID: <crlf-2@example.org>\nSubject: CRLF 2\n\nbye\n")
add("crlf.mbox", "From - Sun Jan 04 01:05:34 1996", m, m, [], ("local", 1996, 1, 4, 1, 5, 34),
    sep=b"\r\n", eol=b"\r\n")

# --- bom.mbox: a UTF-8 byte order mark first (Windows editors).
m = "Message-ID: <bom-1@example.org>\nSubject: =?UTF-8?B?5pel5pys6Kqe?=\n\n日本語の本文\n".encode()
add("bom.mbox", "From dave@example.jp Mon Apr  1 09:00:00 2024", m, m, [], ("local", 2024, 4, 1, 9, 0, 0))
m = b"Message-ID: <bom-2@example.org>\nSubject: two\n\nx\n"
add("bom.mbox", "From dave@example.jp Mon Apr  1 09:00:01 2024", m, m, [], ("local", 2024, 4, 1, 9, 0, 1))

# --- nofinalnl.mbox: the file ends in the middle of the last line.
m = b"Message-ID: <nl-1@example.org>\nSubject: one\n\nfirst\n"
add("nofinalnl.mbox", "From erin@example.org Mon May  6 07:08:09 2019", m, m, [], ("local", 2019, 5, 6, 7, 8, 9))
m = b"Message-ID: <nl-2@example.org>\nSubject: cut\n\nno newline at the end"
add("nofinalnl.mbox", "From erin@example.org Mon May  6 07:08:10 2019", m, m, [], ("local", 2019, 5, 6, 7, 8, 10),
    sep=b"")

# --- mutt.mbox: mutt/pine/Dovecot status letters and envelope variants.
m = b"Status: RO\nX-Status: AFT\nMessage-ID: <mutt-1@example.org>\nSubject: draft\n\nd\n"
add("mutt.mbox", "From 1589296734521592831@xxx Tue Jan 21 14:42:05 +0000 2020", mboxrd_quote(m), m,
    [r"\Seen", r"\Answered", r"\Flagged", r"\Draft"], ("utc", 2020, 1, 21, 14, 42, 5))
m = b"Status: O\nX-Keywords: $Junk\nMessage-ID: <mutt-2@example.org>\nSubject: old, unread\n\nd\n"
add("mutt.mbox", "From frank@example.org Sat Jan  3 01:05:34 PST 1996", mboxrd_quote(m), m,
    ["$Junk"], ("utc", 1996, 1, 3, 9, 5, 34))
m = b"Status: RO\nX-Status: D\nMessage-ID: <mutt-3@example.org>\nSubject: deleted\n\nd\n"
add("mutt.mbox", "From Mon Jan  1 00:00:00 2001", mboxrd_quote(m), m,
    [r"\Seen", r"\Deleted"], ("local", 2001, 1, 1, 0, 0, 0))
m = b"Message-ID: <mutt-4@example.org>\nDate: Fri, 1 Jan 2016 00:00:00 +0000\nSubject: RFC 5322 date in the envelope\n\nd\n"
add("mutt.mbox", "From grace@example.org Mon, 1 Jan 2001 00:00:00 +0900", mboxrd_quote(m), m,
    [], ("utc", 2000, 12, 31, 15, 0, 0))

# --- cr.mbox: CR-only line endings (classic Mac OS, some bounce archives):
# envelope lines, header lines, separators and body lines end in a lone CR.
# The bytes stay as they are; mboxrd quoting is undone after a CR too.
def cr(b):
    return b.replace(b"\n", b"\r")


m = cr(b"Return-Path: <ann@example.org>\nFrom: ann@example.org\nTo: bob@example.com\n"
       b"Subject: classic Mac one\nDate: Tue, 2 Jan 1996 10:00:00 +0000\n\n"
       b"first body\n>From a quoted line\n")
add("cr.mbox", "From ann@example.org Tue Jan  2 10:00:00 1996", cr(mboxrd_quote(b"\n".join(m.split(b"\r")))), m,
    [], ("local", 1996, 1, 2, 10, 0, 0), sep=b"\r", eol=b"\r")
m = cr(b"Return-Path: <ann@example.org>\nFrom: ann@example.org\nTo: bob@example.com\n"
       b"Subject: classic Mac two, no Message-ID\nStatus: RO\n\nsecond body\n")
add("cr.mbox", "From ann@example.org Wed Jan  3 10:00:00 1996", m, m,
    [r"\Seen"], ("local", 1996, 1, 3, 10, 0, 0), sep=b"\r", eol=b"\r")
m = cr(b"Return-Path: <>\nFrom: MAILER-DAEMON@example.org\nSubject: bounce, no blank line after\n\n"
       b"third body\n")
add("cr.mbox", "From MAILER-DAEMON Thu Jan  4 10:00:00 1996", m, m,
    [], ("local", 1996, 1, 4, 10, 0, 0), sep=b"", eol=b"\r")
m = cr(b"Message-ID: <cr-4@example.org>\nSubject: dateless envelope\nDate: Fri, 5 Jan 1996 10:00:00 +0000\n\nlast\n")
add("cr.mbox", "From -", m, m, [], ("utc", 1996, 1, 5, 10, 0, 0), sep=b"\r", eol=b"\r")

# --- noblank.mbox: "From " lines straight after the previous body, without
# the blank line (writers that do not add one, hand-concatenated files). A
# "From " line followed by a header field starts a message, with or
# without a blank line before and with or without a date; one followed by
# anything else is body text.
m = (b"Message-ID: <nb-1@example.org>\nSubject: one\n\nbody one\n"
     b"From the desk of Ann: a body line, not followed by a header field\nbye\n")
add("noblank.mbox", "From ann@example.org Mon Mar  4 05:06:07 2019", m, m, [], ("local", 2019, 3, 4, 5, 6, 7), sep=b"")
m = b"Message-ID: <nb-2@example.org>\nSubject: two, right after the body\n\nbody two\n"
add("noblank.mbox", "From bob@example.org Mon Mar  4 05:06:08 2019", m, m, [], ("local", 2019, 3, 4, 5, 6, 8), sep=b"")
m = b"Message-ID: <nb-3@example.org>\nDate: Tue, 5 Mar 2019 00:00:00 +0000\nSubject: three, dateless envelope\n\nbody three\n"
add("noblank.mbox", "From nobody", m, m, [], ("utc", 2019, 3, 5, 0, 0, 0), sep=b"\n")
m = (b"Message-ID: <nb-4@example.org>\nSubject: four, CRLF\nDate: Wed, 6 Mar 2019 00:00:00 +0000\n\nbody four\n"
     b"From here on, text\n").replace(b"\n", b"\r\n")
add("noblank.mbox", "From carol@example.org", m, m, [], ("utc", 2019, 3, 6, 0, 0, 0), sep=b"", eol=b"\r\n")
m = b"Message-ID: <nb-5@example.org>\nDate: Thu, 7 Mar 2019 00:00:00 +0000\nSubject: five\n\nlast\n"
add("noblank.mbox", "From dave@example.org Thu Mar  7 00:00:00 2019", m, m, [], ("local", 2019, 3, 7, 0, 0, 0))

# --- fromdash.mbox: dateless "From - " separators (Netscape, early
# Thunderbird), with and without a blank line before them.
m = (b"X-Mozilla-Status: 0001\nMessage-ID: <fd-1@example.org>\nDate: Fri, 1 Feb 2002 00:00:00 +0000\n"
     b"Subject: one\n\nbody one\n")
add("fromdash.mbox", "From - ", m, m, [r"\Seen"], ("utc", 2002, 2, 1, 0, 0, 0), sep=b"")
m = (b"X-Mozilla-Status: 0000\nMessage-ID: <fd-2@example.org>\nDate: Sat, 2 Feb 2002 00:00:00 +0000\n"
     b"Subject: two\n\nbody two\n")
add("fromdash.mbox", "From -", m, m, [], ("utc", 2002, 2, 2, 0, 0, 0), sep=b"\n")
m = (b"X-Mozilla-Status: 0001\nMessage-ID: <fd-3@example.org>\nDate: Sun, 3 Feb 2002 00:00:00 +0000\n"
     b"Subject: three\n\nbody three\n")
add("fromdash.mbox", "From - ", m, m, [r"\Seen"], ("utc", 2002, 2, 3, 0, 0, 0), sep=b"\n")

for name, data in files.items():
    with open(name, "wb") as f:
        f.write(data)
with open("garbage", "wb") as f:
    f.write(b"This is not an mbox file.\nFrom here on it only looks like one.\n")

print("// Generated by testdata/mbox/make.py.")
print("var mboxFixtures = []fixtureFile{")
for name, msgs in table.items():
    print("\t{%q, %d, []fixtureMsg{" .replace("%q", '"%s"') % (name, len(files[name])))
    for off, want, flags, date in msgs:
        zone, y, mo, d, h, mi, s = date
        loc = "tz" if zone == "local" else "time.UTC"
        fl = ", ".join('"%s"' % f.replace("\\", "\\\\") for f in flags)
        print('\t\t{%d, %d, "%s", []string{%s}, time.Date(%d, %d, %d, %d, %d, %d, 0, %s)},' % (
            off, len(want), hashlib.sha256(want).hexdigest(), fl, y, mo, d, h, mi, s, loc))
    print("\t}},")
print("}")
