package i18n

// jaReasons translates the typed reasons of problems and warnings (the
// sentences of internal/engine/reasons.go and importers.SkipFormat, keyed
// by their English format) and the end-of-run errors by failure kind
// (cmd/mailferry/errors_kind_i18n.go). It is merged into ja; a key must
// not be in both. Details from outside (a server's answer, an OS error)
// are not here: they are quoted as given after the sentence.
var jaReasons = map[string]string{
	// a detail from outside, quoted after the sentence
	`%s: "%s"`: "%s:「%s」",

	// kinds of problems and events
	"skip":        "除外",
	"rejected":    "拒否",
	"unaccounted": "数が不一致",
	"altered":     "変更あり",

	// engine reasons (internal/engine/reasons.go)
	"%d bytes is over the limit of %d":                                 "%d バイトで、上限の %d バイトを超えています",
	"%s: skipped":                                                      "%s: 除外しました",
	"the message could not be read":                                    "メッセージを読み取れませんでした",
	"the target refused the message":                                   "移行先がメッセージの保存を拒否しました",
	"the server stored the message altered":                            "サーバーがメッセージを変更して保存しました",
	"the folder could not be read in full":                             "フォルダを最後まで読み取れませんでした",
	"retry %d/%d in %s":                                                "%[3]s 後に再試行します (%[1]d/%[2]d)",
	"batch failed; reading %s again (%d/%d)":                           "まとめての書き込みに失敗しました。%s を読み直します (%d/%d)",
	"reading %s failed; retry %d/%d in %s":                             "%[1]s の読み取りに失敗しました。%[4]s 後に再試行します (%[2]d/%[3]d)",
	"connection %d of %d not opened, going on with fewer":              "接続 %d/%d を開けませんでした。少ない接続数で続けます",
	"could not check whether the server stored the messages unchanged": "サーバーがメッセージを変更せずに保存したか確認できませんでした",
	"checking %s for duplicates left by an interrupted earlier run":    "以前に中断された実行が %s に残した重複を確認できませんでした",
	"folder %s: cannot count its items to check that none is lost":     "フォルダ %s: 項目を数えられないため、取りこぼしがないことを確認できません",
	"incremental state ignored":                                        "差分コピーの記録を使いません",
	"incremental state replaced":                                       "差分コピーの記録を作り直しました",
	"the incremental state was not saved":                              "差分コピーの記録を保存できませんでした",
	"missing in the target: key %s":                                    "移行先にありません: キー %s",
	"the target's message with this key has other content":             "移行先にある同じキーのメッセージは内容が違います",
	"empty target folder %s (source %s) not created":                   "空の移行先フォルダ %s (移行元 %s) を作成できませんでした",
	"%d items found by an independent count, %d accounted for (copied, duplicates, skipped, errors): %d not accounted for, the reader merged or passed over them":          "別の方法で数えると %d 件ありますが、確認できたのは %d 件です(コピー・重複・除外・エラー)。%d 件の行方が不明です(読み取りで項目がまとめられたか、読み飛ばされました)",
	"%d items found by an independent count, %d accounted for (copied, duplicates, skipped, errors): %d more than found, the reader split or repeated items":               "別の方法で数えると %d 件ですが、確認できたのは %d 件です(コピー・重複・除外・エラー)。見つかった数より %d 件多く、読み取りで項目が分割されたか重複しました",
	"removed %d duplicate(s) from %s: an interrupted earlier run's last write was stored by the server after this run had read the folder":                                 "%[2]s から重複を %[1]d 通削除しました: 以前に中断された実行の最後の書き込みが、今回フォルダを読んだ後にサーバーに保存されていました",
	"incremental state ignored for %s: it records UID %d as copied, but the server's UIDNEXT is %d (the mailbox was restored or reset); comparing with the target instead": "%s の差分コピーの記録を使いません: 記録では UID %d までコピー済みですが、サーバーの UIDNEXT は %d です(メールボックスが復元またはリセットされました)。代わりに移行先と照合します",

	// skipped items (importers.SkipFormat, after the kind; "%s: not mail,
	// not copied" is in ja)
	"%s: %q: not mail, not copied":                                "%s: %q はメールではないためコピーしていません",
	"%s: not mail, not copied; saved as %s":                       "%s: メールではないためコピーしていません。%s に保存しました",
	"%s: %q: not mail, not copied; saved as %s":                   "%s: %q はメールではないためコピーしていません。%s に保存しました",
	"%s: not mail, not copied (--nonmail DIR saves it as %s)":     "%s: メールではないためコピーしていません(--nonmail DIR を付けると %s として保存します)",
	"%s: %q: not mail, not copied (--nonmail DIR saves it as %s)": "%s: %q はメールではないためコピーしていません(--nonmail DIR を付けると %s として保存します)",
	"%s: empty file":                                            "%s: 空のファイルです",
	"%s: no header":                                             "%s: ヘッダがありません",
	`%s: only an mbox "From " line`:                             `%s: mbox の "From " 行しかありません`,
	"%s: starts with a continuation line":                       "%s: 継続行で始まっています",
	"%s: does not start with a header field (first line %q)":    "%s: ヘッダフィールドで始まっていません(最初の行 %q)",
	"%s: line %d of the header block is not a header field: %q": "%s: ヘッダの %d 行目がヘッダフィールドではありません: %q",

	// end-of-run errors by failure kind (cmd/mailferry/errors_kind_i18n.go)
	"refused by quota": "容量制限のため中止しました",
	"refused by quota: %s needs %s but only %s may be used (limit %s, used %s, headroom %.0f%%)":                            "容量制限のため中止しました: %s には %s 必要ですが、使えるのは %s です(上限 %s、使用 %s、余裕 %.0f%%)",
	"refused by quota: %s needs %d messages but only %d more may be stored (limit %d messages, %d stored, headroom %.0f%%)": "容量制限のため中止しました: %s には %d 通が必要ですが、保存できるのはあと %d 通です(上限 %d 通、保存済み %d 通、余裕 %.0f%%)",
	"target full during the copy":           "コピーの途中で移行先がいっぱいになりました",
	"target quota exceeded during the copy": "コピーの途中で移行先の容量制限を超えました",
	"the target is full":                    "移行先の容量がいっぱいです",
	"the run stopped: the source or the target failed (connection, login, certificate or disk)":                        "中止しました: 移行元か移行先でエラーが起きました(接続、ログイン、証明書、ディスクなど)",
	"%s is being written by another run (waited %s): wait for it to end, or pass --wait-lock DURATION; the lock is %s": "%s には別の実行が書き込み中です(%s 待ちました)。終わるのを待つか、--wait-lock DURATION を付けてください。ロックファイル: %s",
	"%s is being written by another run: wait for it to end, or pass --wait-lock DURATION; the lock is %s":             "%s には別の実行が書き込み中です。終わるのを待つか、--wait-lock DURATION を付けてください。ロックファイル: %s",
	"the server refused the login: check the user name and the password":                                               "サーバーがログインを拒否しました。ユーザー名とパスワードを確かめてください",
	"the server stopped answering (timeout): check the network, or raise --timeout":                                    "サーバーの応答が止まりました(時間切れ)。ネットワークを確かめるか、--timeout を長くしてください",
	"the server's answer does not follow the protocol: check the port and the scheme (imap://, imaps://, pop3://)":     "サーバーの応答がプロトコルに従っていません。ポート番号と種類(imap://、imaps://、pop3://)を確かめてください",
	"the server's certificate could not be verified: check the host name, --tls-ca and --tls-server-name":              "サーバー証明書を検証できませんでした。ホスト名、--tls-ca、--tls-server-name を確かめてください",
	"a folder could not be copied":       "フォルダをコピーできませんでした",
	"a message could not be copied":      "メッセージをコピーできませんでした",
	"the command cannot be run as given": "指定どおりには実行できません",
	"the run was cancelled or timed out": "取り消されたか、時間切れで中止しました",
}
