package exporters

import (
	"strings"

	"github.com/emersion/go-imap/v2"
)

// QUIRK: clients name their special folders differently (Thunderbird
// "Sent", Outlook "Sent Items", Apple "Sent Messages", Japanese Outlook
// "送信済みアイテム"); imapsync's --automap uses similar lists.
var specialNames = map[string]imap.MailboxAttr{
	"sent": imap.MailboxAttrSent, "sent items": imap.MailboxAttrSent, "sent messages": imap.MailboxAttrSent,
	"sent mail": imap.MailboxAttrSent, "送信済み": imap.MailboxAttrSent, "送信済みアイテム": imap.MailboxAttrSent,
	"送信済みメール": imap.MailboxAttrSent, "送信箱": imap.MailboxAttrSent,
	"drafts": imap.MailboxAttrDrafts, "draft": imap.MailboxAttrDrafts, "下書き": imap.MailboxAttrDrafts,
	"trash": imap.MailboxAttrTrash, "deleted items": imap.MailboxAttrTrash, "deleted messages": imap.MailboxAttrTrash,
	"ごみ箱": imap.MailboxAttrTrash, "ゴミ箱": imap.MailboxAttrTrash, "削除済みアイテム": imap.MailboxAttrTrash,
	"junk": imap.MailboxAttrJunk, "spam": imap.MailboxAttrJunk, "junk e-mail": imap.MailboxAttrJunk,
	"junk email": imap.MailboxAttrJunk, "迷惑メール": imap.MailboxAttrJunk,
	"archive": imap.MailboxAttrArchive, "archives": imap.MailboxAttrArchive, "アーカイブ": imap.MailboxAttrArchive,
}

// SpecialUseByName guesses a top-level folder's special use from its name.
func SpecialUseByName(name string) imap.MailboxAttr {
	return specialNames[strings.ToLower(strings.TrimSpace(name))]
}
