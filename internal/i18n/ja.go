package i18n

// ja is the Japanese catalogue: English format string → Japanese. The
// verbs (%d, %s, …) must be the same, in the same order; the test checks.
var ja = map[string]string{
	// progress line
	"%d/%d msgs": "%d/%d 通",
	"ETA %s":     "残り %s",

	// end of a run
	"mailferry: interrupted. The summary above says what was done; run the same command again to finish the job (what is already in the target is not copied again).\n": "mailferry: 中断しました。ここまでの結果は上の一覧のとおりです。同じコマンドをもう一度実行すると続きから完了します(移行先にあるメッセージが二重にコピーされることはありません)。\n",
	"Refused by quota: nothing was written.\n": "容量制限のため中止しました: 何も書き込んでいません。\n",
	"Dry run: nothing was written.\n":          "試行(--dry-run)のため、何も書き込んでいません。\n",
	"Plan only: nothing was written.\n":        "計画の表示のみで、何も書き込んでいません。\n",
	"Copied %d messages (%s) in %s.\n":         "%d 通のメッセージ (%s) を %s でコピーしました。\n",

	// usage errors
	"%s needs %s: for example\n  %s":          "%s には %s が必要です。例:\n  %s",
	"%s needs %s after %s: for example\n  %s": "%s には %[3]s の後に %[2]s が必要です。例:\n  %[4]s",
	"a SOURCE": "移行元(SOURCE)",
	"a TARGET": "移行先(TARGET)",
	"a store":  "メールの保存場所",
	" and ":    "と",
	"%s takes %s, but got %d arguments (%s); put quotes around a path with spaces: for example\n  %s": "%s の引数は %s ですが、%d 個指定されています(%s)。空白を含むパスは引用符で囲んでください。例:\n  %s",
	"--include %q matches no source folder":                                                           "--include %q に一致する移行元フォルダがありません",
	"--include/--exclude leave no source folder to copy. The source's folders are: %s":                "--include/--exclude の指定でコピーするフォルダが一つも残りません。移行元のフォルダ: %s",
	"warning: %s\n": "警告: %s\n",

	// summary table
	"(new)":  "(新規)",
	"NEW":    "新規",
	"COPIED": "コピー済",
	"FOLDER": "フォルダ",
	"MSGS":   "件数",
	"SIZE":   "サイズ",
	"DUPS":   "重複",
	"SKIP":   "除外",
	"ERR":    "エラー",
	"TOTAL":  "合計",
	"  %d messages, %s %d (%s), %d duplicates, %d skipped, %d errors":                                     "  %d 通、%s %d 通 (%s)、重複 %d、除外 %d、エラー %d",
	"TOTAL: %d messages, %s %d (%s), %d duplicates, %d skipped, %d errors":                                "合計: %d 通、%s %d 通 (%s)、重複 %d、除外 %d、エラー %d",
	"Quota: unknown: the target does not report a quota, so mailferry cannot check that this copy fits\n": "容量: 不明 — 移行先が容量(QUOTA)を報告しないため、このコピーが収まるか確認できません\n",
	"Quota: unknown (%s), so mailferry cannot check that this copy fits\n":                                "容量: 不明 (%s) — このコピーが収まるか確認できません\n",

	// summary prose (cmd/mailferry/output.go, output_accounting.go)
	"new":          "新規",
	"copied":       "コピー済",
	"fits":         "収まります",
	"DOES NOT FIT": "収まりません",
	"Same Message-ID, different content: kept: %d (counted in %s)\n":                                                                                           "Message-ID が同じで内容が違うメッセージ: %d 通は残しました(%s に数えています)\n",
	"%d messages marked deleted at the source were skipped (--keep-deleted copies them)\n":                                                                     "移行元で削除済みの印が付いた %d 通は飛ばしました(--keep-deleted でコピーします)\n",
	"Quota %s: used %s, no storage limit; this copy needs %s\n":                                                                                                "容量 %s: 使用 %s、容量の上限なし。このコピーには %s 必要です\n",
	"Quota %s: used %s of %s; this copy needs %s; %s (%s may be used with %.0f%% headroom)\n":                                                                  "容量 %s: 使用 %s / 上限 %s。このコピーに必要なのは %s で、%s(使えるのは %s、余裕 %.0f%% を残した場合)\n",
	"  largest folders to copy: %s\n":                                                                                                                          "  コピーする大きいフォルダ: %s\n",
	"  short by %s: free space on the server, raise the quota, copy fewer folders (--include/--exclude, --since), or --quota-headroom\n":                       "  %s 足りません: サーバーの空きを増やす、容量を上げる、コピーするフォルダを減らす(--include/--exclude、--since)、または --quota-headroom を変えてください\n",
	"Quota %s: %d of %d messages stored; this copy adds %d; %s (%d more may be stored with %.0f%% headroom)\n":                                                 "容量 %s: 保存済み %d 通 / 上限 %d 通。このコピーで %d 通増え、%s(あと %d 通まで、余裕 %.0f%% を残した場合)\n",
	"  short by %d messages: delete messages on the server, raise its message limit, copy fewer folders (--include/--exclude, --since), or --quota-headroom\n": "  %d 通足りません: サーバーのメッセージを削除する、通数の上限を上げる、コピーするフォルダを減らす(--include/--exclude、--since)、または --quota-headroom を変えてください\n",
	"Created %d empty folders (nothing to copy into them).\n":                                                                                                  "空のフォルダを %d 個作成しました(コピーするメッセージはありません)。\n",
	"Note: %s\n":         "注意: %s\n",
	"Not copied (%d):\n": "コピーしなかったメッセージ (%d):\n",
	"skipped":            "除外",
	"error":              "エラー",
	"failed":             "失敗",
	"too-big":            "大きすぎ",
	"Stopped before the end: the source holds %d items (independent count); the count check is made when a run finishes. Run the same command again to finish.\n": "途中で止めました: 移行元には %d 件あります(別の方法で数えた数)。数の照合は最後まで終えた実行で行います。同じコマンドをもう一度実行すると続きから終わらせます。\n",
	"not found in the archive with the same content":                                                               "アーカイブに同じ内容のものが見つかりません",
	"the server sent no body":                                                                                      "サーバーが本文を送ってきませんでした",
	"Every item accounted for: %d found by an independent count of the source.\n":                                  "すべて数が合っています: 移行元を別の方法で数えて %d 件。\n",
	"NOT every item accounted for: %d found by an independent count of the source, %d unaccounted for (exit 3).\n": "数が合いません: 移行元を別の方法で数えて %d 件、うち %d 件の行方が不明です(終了コード 3)。\n",
	"UNACCOUNTED %s: found %d, accounted for %d, difference %d\n":                                                  "数が合わないフォルダ %s: 見つかった %d 件、確認できた %d 件、差 %d 件\n",
	"finished, but some messages were not copied (see the list above)":                                             "終わりましたが、コピーしなかったメッセージがあります(上の一覧を見てください)",

	// verify (cmd/mailferry/cmd_verify.go, verify_details.go)
	"SOURCE":                  "移行元",
	"TARGET":                  "移行先",
	"PRESENT":                 "あり",
	"MISSING":                 "なし",
	"DIFFER":                  "相違",
	"missing in the target":   "移行先にありません",
	"differs from the source": "移行元と内容が違います",
	"could not be read":       "読み取れません",
	"not accounted for":       "数が合いません",
	"  %s: %s → %s\n":         "  %s: %s → %s\n",
	"key %s":                  "キー %s",
	"Not verified (%d):\n":    "確認できなかったメッセージ (%d):\n",
	"by key":                  "キーで",
	"by key and content":      "キーと内容で",
	"Verified %s: all %d messages are in the target.\n":                                                    "%s確認しました: %d 通すべてが移行先にあります。\n",
	"Verified %s: %d present, %d missing, %d differing, %d unreadable.\n":                                  "%s確認しました: あり %d 通、なし %d 通、相違 %d 通、読み取れない %d 通。\n",
	"%d messages marked deleted at the source were not checked (copy skips them without --keep-deleted)\n": "移行元で削除済みの印が付いた %d 通は確認していません(--keep-deleted なしではコピーもしません)\n",
	"verify: %d messages missing in the target, %d differing from the source, %d unreadable":               "verify: 移行先にないメッセージ %d 通、移行元と内容が違うもの %d 通、読み取れないもの %d 通",
	", %d items of the source not accounted for":                                                           "、移行元で数が合わないもの %d 件",

	// ls, quota
	"MESSAGES":           "件数",
	"BYTES":              "サイズ",
	"TOTAL (%d folders)": "合計 (%d フォルダ)",
	"quota: unknown (the target does not report one); mailferry cannot protect this box from filling up\n": "容量: 不明(移行先が報告しません)。mailferry はこのメールボックスがいっぱいになるのを防げません\n",
	"no limit":            "上限なし",
	"%s: %s used of %s%s": "%s: %[3]s 中 %[2]s 使用%[4]s",
	"; %d of %d messages": "、%[2]d 通中 %[1]d 通",

	// not-mail items (cmd/mailferry/nonmail.go)
	"%s: not mail, not copied":                                           "%s: メールではないためコピーしていません",
	" (%d saved as .vcf/.ics/.txt files with --nonmail)":                 "(%d 件は --nonmail で .vcf/.ics/.txt ファイルに保存しました)",
	" (--nonmail DIR saves contacts as .vcf and calendar items as .ics)": "(--nonmail DIR を付けると連絡先は .vcf、予定は .ics として保存します)",
	".": "。",

	// --help (cmd/mailferry/help.go)
	"default": "既定",

	// errors that teach (cmd/mailferry/errors_i18n.go)
	"%v (see %s --help)": "%v(使えるオプションは %s --help で表示されます)",
	"Nothing answers on that port: check the host and the port (IMAP 143 with STARTTLS, imaps 993; POP3 110, pop3s 995) and that the server is running.": "そのポートに応答がありません。ホスト名とポート番号(IMAP は 143 で STARTTLS、imaps は 993、POP3 は 110、pop3s は 995)と、サーバーが動いていることを確かめてください。",
	"That host name is unknown: check its spelling (the server name your provider gave, e.g. mail.example.co.jp).":                                       "そのホスト名が見つかりません。つづりを確かめてください(プロバイダーから案内されたサーバー名。例: mail.example.co.jp)。",

	// passwords (cmd/mailferry/password.go)
	"source":                 "移行元",
	"target":                 "移行先",
	"Password for %s (%s): ": "%s のパスワード(%s): ",
	"no password for %s (%s): set MAILFERRY_PASSWORD, %s, or --password-file": "%s(%s)のパスワードがありません: 環境変数 MAILFERRY_PASSWORD か %s を設定するか、--password-file を指定してください",

	// archive summary
	"KEPT (flagged/unread)":                        "残す(フラグ付き/未読)",
	"Would move %s messages (%s) to %s":            "%s 通 (%s) を %s へ移動する予定です",
	"; box usage %s → %s of %s":                    "(使用量 %s → %s、上限 %s)",
	"; box usage %s of %s":                         "(使用量 %s、上限 %s)",
	"Archive free space: %s.\n":                    "アーカイブ先の空き容量: %s\n",
	"Dry run: nothing was copied or deleted.":      "試行(--dry-run)のため、何もコピー・削除していません。",
	"Nothing to move to %s":                        "%s へ移動するメッセージはありません",
	"Moved %s messages (%s) from %d folders to %s": "%[3]d 個のフォルダから %[1]s 通 (%[2]s) を %[4]s へ移動しました",
	"%s selected messages were deleted on the server by another client during the run (not archived, nothing to do).\n": "選択した %s 通は、実行中に別のメールソフトがサーバーから削除しました(アーカイブしていません。対処は不要です)。\n",
	"%s messages stay on the server because their copy could not be proven in the archive:\n":                           "%s 通は、アーカイブ先へのコピーを確認できなかったため、サーバーに残しています:\n",
	"  … and %d more\n":                         "  …ほか %d 件\n",
	"Run the same command again to retry them.": "同じコマンドをもう一度実行すると、これらを再試行します。",

	// demo
	"mailferry demo: a POP user's Thunderbird Local Folders go to an IMAP account on a private Dovecot.":                                "mailferry デモ: POP 利用者の Thunderbird「ローカルフォルダ」を、このために起動した Dovecot の IMAP アカウントへ移します。",
	"Dovecot is listening on %s (IMAP) and %s (IMAPS, certificate from %s).":                                                            "Dovecot は %s (IMAP) と %s (IMAPS、証明書は %s) で待ち受けています。",
	"Sample data: %d generated messages in 21 Thunderbird folders (some Japanese, some nested, a few deleted but not compacted) in %s.": "サンプルデータ: 生成した %d 通のメッセージを Thunderbird の 21 フォルダ(日本語名・入れ子・削除済みで未圧縮のものを含む)に置きました: %s",
	"What is in the local store:":                "ローカルの保存場所にあるもの:",
	"What a copy would do (nothing is written):": "コピーした場合の計画(何も書き込みません):",
	"Copy it (flags, dates and folders kept; Sent/Drafts/Trash/Archive go to the server's special-use folders):": "コピーします(フラグ・日付・フォルダを保持し、送信済み/下書き/ごみ箱/アーカイブはサーバーの特別用途フォルダへ):",
	"Run it again: every message is already there, nothing is uploaded:":                                         "もう一度実行: すべてのメッセージが既にあるので、何もアップロードしません:",
	"The account now:": "現在のアカウントの内容:",
	"The same mail into a 1 MiB box: refused before a byte is written (exit 4):": "同じメールを 1 MiB の容量のアカウントへ: 1 バイトも書き込む前に中止します(終了コード 4):",
	"Quota of both accounts:":                      "両アカウントの容量:",
	"Back the IMAP account up to a local Maildir:": "IMAP アカウントをローカルの Maildir にバックアップ:",
	"And again: only what is new (nothing):":       "もう一度: 新しいものだけ(今回はなし):",
	"$ mailferry %s":                               "$ mailferry %s",
	"!! exit %d, expected %d":                      "!! 終了コード %d (期待値 %d)",
	"(exit %d, as expected)":                       "(終了コード %d、想定どおり)",
	"(Every command above also read the password from --password-file and verified the server's certificate with --tls-ca.)": "(上のコマンドはどれも、パスワードを --password-file から読み、サーバー証明書を --tls-ca で検証しています。)",
	"Demo finished: every step behaved as expected. Dovecot is stopped and its files removed.":                               "デモ完了: すべての手順が想定どおりに動きました。Dovecot を停止し、そのファイルを削除しました。",

	// archive errors
	"--until-usage %s cannot be reached: the box uses %s of %s (%s); archiving every selected message (%s messages, %s) would leave it at %s. Nothing was changed. Select more (a shorter --older-than, more folders, without --keep-flagged/--keep-unread) or choose a higher target.":                                                                       "--until-usage %s には届きません: 使用量は %s / %s (%s) で、選択したメッセージをすべてアーカイブしても(%s 通、%s)%s までしか下がりません。何も変更していません。選択を広げる(--older-than を短くする、フォルダを増やす、--keep-flagged/--keep-unread を外す)か、目標を高くしてください。",
	"--until-usage: the server reports no storage quota (QUOTA), so mailferry cannot tell how full the box is; use --older-than":                                                                                                                                                                                                                              "--until-usage: サーバーが容量制限(QUOTA)を報告しないため、使用率がわかりません。--older-than を使ってください",
	`the server does not offer UIDPLUS, so mailferry cannot delete only the messages it archived: a plain EXPUNGE also removes every message that another client (a phone, Thunderbird with "mark as deleted") marked deleted but still shows. Nothing was changed. Run again with --allow-expunge-all if no other client marks messages deleted in this box`: `サーバーが UIDPLUS に対応していないため、アーカイブしたメッセージだけを削除することができません: 通常の EXPUNGE では、別のメールソフト(スマートフォンや「削除の印を付ける」設定の Thunderbird)が削除の印を付けたまま表示しているメッセージもすべて消えてしまいます。何も変更していません。このアカウントで削除の印を付けるメールソフトがほかにない場合は、--allow-expunge-all を付けてもう一度実行してください`,
}
