#!/usr/bin/env python3
"""Writes the Thunderbird fixture tree below home/ and prints, on stdout,
the Go table that importers/thunderbird/fixtures_test.go checks it against.

Each message is defined as the bytes a correct reader must return; the
table (offsets, sizes, SHA-256, flags, dates) comes from these definitions,
not from the Go reader. Run it from this directory:
python3 make.py > /tmp/table.go
"""
import hashlib
import os
import shutil

HOME = "home"
BASE = os.path.join(HOME, ".thunderbird")
PROFILE = os.path.join(BASE, "k3x9q2lm.default-release")
OLD = os.path.join(BASE, "old1234.default")
LF = os.path.join(PROFILE, "Mail", "Local Folders")
POP = os.path.join(PROFILE, "Mail", "pop.example.com")
MSF = b'// <!-- <mdb:mork:z v="1.4"/> -->\n< <(a=c)> // (f=iso-8859-1)\n  (8A=flags)(8B=folderName)>\n'


def mboxo_quote(body):
    return b"\n".join(b">" + l if l.startswith(b"From ") else l for l in body.split(b"\n"))


def mboxrd_quote(body):
    return b"\n".join(b">" + l if l.lstrip(b">").startswith(b"From ") else l for l in body.split(b"\n"))


def crlf(b):
    return b.replace(b"\n", b"\r\n")


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


files = {}  # path -> bytearray
table = {}  # folder -> (path, [(offset, want, flags, date)])


def add(folder, path, envelope, stored, want, flags, date, sep=b"\n", eol=b"\n"):
    buf = files.setdefault(path, bytearray())
    off = len(buf)
    buf += envelope.encode() + eol + stored + sep
    table.setdefault(folder, (path, []))[1].append((off, want, flags, date))


if os.path.exists(HOME):
    shutil.rmtree(HOME)

# profiles.ini: the Install section names the profile in use, although an
# older [Profile] still has Default=1 (as after a Thunderbird 68 upgrade).
write(os.path.join(BASE, "profiles.ini"), b"""[Profile1]
Name=old
IsRelative=1
Path=old1234.default
Default=1

[Profile0]
Name=default-release
IsRelative=1
Path=k3x9q2lm.default-release

[General]
StartWithLastProfile=1
Version=2

[Install8216C80C92C4E828]
Default=k3x9q2lm.default-release
Locked=1
""")
write(os.path.join(OLD, "prefs.js"), b"// Mozilla User Preferences\n")
write(os.path.join(OLD, "Mail", "Local Folders", "Inbox"),
      b"From - Mon Jan  1 00:00:00 2001\nX-Mozilla-Status: 0001\nSubject: old profile, must not be read\n\nx\n\n")
write(os.path.join(PROFILE, "prefs.js"), b"""// Mozilla User Preferences
user_pref("mail.accountmanager.accounts", "account1,account2,account3");
user_pref("mail.accountmanager.localfoldersserver", "server1");
user_pref("mail.server.server1.directory-rel", "[ProfD]Mail/Local Folders");
user_pref("mail.server.server1.hostname", "Local Folders");
user_pref("mail.server.server1.name", "Local Folders");
user_pref("mail.server.server1.type", "none");
user_pref("mail.server.server2.directory-rel", "[ProfD]Mail/pop.example.com");
user_pref("mail.server.server2.hostname", "pop.example.com");
user_pref("mail.server.server2.type", "pop3");
user_pref("mail.server.server3.directory-rel", "[ProfD]ImapMail/imap.example.com");
user_pref("mail.server.server3.type", "imap");
""")
write(os.path.join(PROFILE, "ImapMail", "imap.example.com", "INBOX"),
      b"From - Mon Jan  1 00:00:00 2001\nX-Mozilla-Status: 0001\nSubject: IMAP cache, must not be read\n\nx\n\n")

inbox = os.path.join(LF, "Inbox")
H = b"X-Mozilla-Status2: 00000000\nX-Mozilla-Keys:                                                                                 \n"
m = b"X-Mozilla-Status: 0001\n" + H + b"Message-ID: <lf-1@example.jp>\nDate: Mon, 4 Mar 2019 05:06:07 +0000\nFrom: a@example.jp\nSubject: read\n\nhello\n"
add("Inbox", inbox, "From - Mon Mar  4 14:06:07 2019", mboxo_quote(m), m, [r"\Seen"], (2019, 3, 4, 14, 6, 7))
m = b"X-Mozilla-Status: 0003\nX-Mozilla-Status2: 00000000\nX-Mozilla-Keys: $label1                                                                         \nMessage-ID: <lf-2@example.jp>\nSubject: Re: replied, tagged Important\n\nok\n"
add("Inbox", inbox, "From - Tue Mar  5 09:00:00 2019", mboxo_quote(m), m, [r"\Seen", r"\Answered", "$label1"], (2019, 3, 5, 9, 0, 0))
m = b"X-Mozilla-Status: 0004\n" + H + b"Message-ID: <lf-3@example.jp>\nSubject: flagged, From line in the body\n\nFrom now on, this line was quoted by Thunderbird.\nbye\n"
add("Inbox", inbox, "From - Wed Mar  6 10:00:00 2019", mboxo_quote(m), m, [r"\Flagged"], (2019, 3, 6, 10, 0, 0))
m = b"X-Mozilla-Status: 0009\n" + H + b"Message-ID: <lf-4@example.jp>\nSubject: deleted, folder not compacted\n\nbye\n"
add("Inbox", inbox, "From - Thu Mar  7 11:00:00 2019", mboxo_quote(m), m, [r"\Seen", r"\Deleted"], (2019, 3, 7, 11, 0, 0))
m = b"X-Mozilla-Status: 1001\nX-Mozilla-Status2: 00800000\nX-Mozilla-Keys: junk                                                                            \nMessage-ID: <lf-5@example.jp>\nSubject: forwarded, receipt sent, junk; no blank line after\n\nbody\n"
add("Inbox", inbox, "From - Fri Mar  8 12:00:00 2019", mboxo_quote(m), m, [r"\Seen", "$Forwarded", "$MDNSent", "$Junk"], (2019, 3, 8, 12, 0, 0), sep=b"")
# Stored without quoting (an old Thunderbird path that did not escape):
# the "From " line after the blank line has no date, so it is text, and the
# message's ">From" line is the sender's.
m = b"X-Mozilla-Status: 0000\nX-Mozilla-Status2: 00010000\nMessage-ID: <lf-6@example.jp>\nSubject: new, unquoted From line\n\nHi,\n\nFrom the sales team: offers.\n>From the archive.\n"
add("Inbox", inbox, "From - Sat Mar  9 13:00:00 2019", m, m, [], (2019, 3, 9, 13, 0, 0))
m = b"X-Mozilla-Status: 0401\n" + H + b"Message-ID: <lf-7@example.jp>\nSubject: only the header was downloaded\n\n"
add("Inbox", inbox, "From - Sun Mar 10 14:00:00 2019", mboxo_quote(m), m, [r"\Seen"], (2019, 3, 10, 14, 0, 0))
write(inbox + ".msf", MSF)

# Sent: Thunderbird's newer writer (CRLF, mboxrd, zero-padded day).
sent = os.path.join(LF, "Sent")
m = crlf(b"X-Mozilla-Status: 0001\nX-Mozilla-Status2: 00000000\nMessage-ID: <sent-1@example.jp>\nSubject: sent, quoted\n\n>From what I wrote before:\nFrom here on new text.\n")
add("Sent", sent, "From - Sat Jan 03 01:05:34 2015", mboxrd_quote(m), m, [r"\Seen"], (2015, 1, 3, 1, 5, 34), sep=b"\r\n", eol=b"\r\n")
m = crlf(b"X-Mozilla-Status: 0001\nX-Mozilla-Status2: 00000000\nMessage-ID: <sent-2@example.jp>\nSubject: sent 2\n\nok\n")
add("Sent", sent, "From - Sun Jan 04 01:05:34 2015", mboxrd_quote(m), m, [r"\Seen"], (2015, 1, 4, 1, 5, 34), sep=b"\r\n", eol=b"\r\n")
write(sent + ".msf", MSF)

m = b"X-Mozilla-Status: 0000\nX-Mozilla-Status2: 00000000\nX-Mozilla-Draft-Info: internal/draft; vcard=0; receipt=0; DSN=0; uuencode=0\nMessage-ID: <draft-1@example.jp>\nSubject: a draft\n\nunfinished\n"
add("Drafts", os.path.join(LF, "Drafts"), "From - Mon Jan  5 08:00:00 2015", mboxo_quote(m), m, [], (2015, 1, 5, 8, 0, 0))

y2019 = os.path.join(LF, "Archive.sbd", "2019")
m = b"X-Mozilla-Status: 0001\n" + H + b"Message-ID: <arc-1@example.jp>\nSubject: archived\n\nold\n"
add("Archive/2019", y2019, "From - Tue Jan  1 00:00:00 2019", mboxo_quote(m), m, [r"\Seen"], (2019, 1, 1, 0, 0, 0))
m = b"X-Mozilla-Status: 0011\n" + H + b"Message-ID: <arc-2@example.jp>\nSubject: Re: archived (HasRe bit)\n\nolder\n"
add("Archive/2019", y2019, "From - Wed Jan  2 00:00:00 2019", mboxo_quote(m), m, [r"\Seen"], (2019, 1, 2, 0, 0, 0))
write(y2019 + ".msf", MSF)

juyo = os.path.join(LF, "仕事.sbd", "重要")
m = ("X-Mozilla-Status: 0005\nX-Mozilla-Status2: 00000000\nMessage-ID: <jp-1@example.jp>\n"
     "Subject: =?UTF-8?B?6KaL56mN5pu4?=\nContent-Type: text/plain; charset=UTF-8\nContent-Transfer-Encoding: 8bit\n\n"
     "お世話になっております。\n見積書をお送りします。\n").encode()
add("仕事/重要", juyo, "From - Thu Apr  1 09:00:00 2021", mboxo_quote(m), m, [r"\Seen", r"\Flagged"], (2021, 4, 1, 9, 0, 0))
write(juyo + ".msf", MSF)

popinbox = os.path.join(POP, "Inbox")
m = b"X-Mozilla-Status: 0000\n" + H + b"Message-ID: <pop-1@example.com>\nSubject: via POP\n\npop\n"
add("pop.example.com/Inbox", popinbox, "From - Fri Jun  5 10:00:00 2020", mboxo_quote(m), m, [], (2020, 6, 5, 10, 0, 0))
write(popinbox + ".msf", MSF)

for path, data in files.items():
    write(path, bytes(data))
for empty in ["Trash", "Unsent Messages", "Archive", "仕事"]:
    write(os.path.join(LF, empty), b"")
    write(os.path.join(LF, empty + ".msf"), MSF)
write(os.path.join(POP, "Trash"), b"")
write(os.path.join(LF, "msgFilterRules.dat"), b'version="9"\nlogging="no"\n')
write(os.path.join(LF, "filterlog.html"), b"")
write(os.path.join(LF, "folderTree.json"), b"{}")
write(os.path.join(LF, "notes"), b"Shopping list\n- milk\n")
write(os.path.join(POP, "popstate.dat"), b"# POP3 State File\n*pop.example.com user\n")
write(os.path.join(POP, "msgFilterRules.dat"), b'version="9"\nlogging="no"\n')

print("// Generated by testdata/thunderbird/make.py.")
print("var tbFixtures = []tbFolder{")
for folder, (path, msgs) in table.items():
    rel = os.path.relpath(path, PROFILE)
    print('\t{"%s", "%s", []tbMsg{' % (folder, rel))
    for off, want, flags, date in msgs:
        fl = ", ".join('"%s"' % f.replace("\\", "\\\\") for f in flags)
        print('\t\t{%d, %d, "%s", []string{%s}, time.Date(%d, %d, %d, %d, %d, %d, 0, tz)},' % (
            (off, len(want), hashlib.sha256(want).hexdigest(), fl) + date))
    print("\t}},")
print("}")
