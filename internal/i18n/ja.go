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
}
