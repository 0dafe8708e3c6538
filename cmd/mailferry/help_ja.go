package main

// Japanese texts of --help (help.go). Keep each line of jaLong within 78
// columns (a full-width character counts two).

var jaLong = map[string]string{
	"completion": `シェル(bash、zsh、fish、PowerShell)の補完スクリプトを出力します。
使い方はシェルごとのサブコマンドの --help を見てください。`,
	"mailferry": `mailferry は、POP で使ってきたパソコンの中のメールと IMAP サーバーの
あいだで、メールを両方向に移します。Message-ID と内容で重複を確かめ、
書き込む前に移行先の容量を確認します。

メールの保存場所(STORE)
  thunderbird:PATH    Thunderbird のプロファイル(thunderbird: だけなら既定の
                      プロファイル)
  mbox:PATH           mbox ファイル、またはそのディレクトリ
  maildir:PATH        Maildir / Maildir++
  eml:PATH            .eml ファイルのフォルダ
  msg:PATH            Outlook の .msg ファイルのフォルダ
  pst:FILE            Outlook の .pst / .ost ファイル
  imap://user@host[:port]   IMAP(STARTTLS。ループバック以外では必須)
  imaps://user@host[:port]  IMAP over TLS
  pop3://user@host[:port]   POP3(移行元のみ。STLS はループバック以外で必須)
  pop3s://user@host[:port]  POP3 over TLS

パスワード
  コマンドラインには書きません: 環境変数 $MAILFERRY_PASSWORD
  ($MAILFERRY_SOURCE_PASSWORD / $MAILFERRY_TARGET_PASSWORD)、
  --password-file、または画面での入力。

終了コード
  0   完了
  1   エラー
  2   使い方の誤り(保存場所の書き方、パスがない、知らないオプション)
  3   終わったが、コピーしなかったメッセージがある(一覧を表示します)
  4   容量のため中止: 何も書き込んでいない(または途中で移行先が満杯)
  130 中断`,
}

var jaShort = map[string]string{
	"mailferry":  "メールを 1 通も失わず、重複させずにローカルと IMAP のあいだで移します",
	"archive":    "IMAP の古いメールをアーカイブへ移し、アーカイブにあると確かめたものだけをサーバーから消します",
	"completion": "シェルの補完スクリプトを出力します",
	"copy":       "移行先にまだない SRC のメールを、フラグ、日時、フォルダごとコピーします",
	"demo":       "サンプルのメールを使い捨てのローカル Dovecot にコピーして結果を見せます",
	"gen":        "ベンチマーク用のテストメールを DST に書き出します",
	"help":       "コマンドの説明を表示します",
	"login":      "Google Workspace / Gmail や Microsoft 365 に OAuth2 でログインし、更新できるログインを保存します",
	"ls":         "保存場所のフォルダを、メッセージ数とサイズつきで一覧します",
	"plan":       "copy が何をするかを表示します(フォルダごとの新規・重複・大きすぎ、フォルダの対応、容量)。何も書き込みません",
	"quota":      "容量の使用量と上限を表示します(IMAP の QUOTA。ローカルの移行先はディスクの空き)",
	"verify":     "SRC のすべてのメッセージが DST にあることを確かめます(キーで。--content なら本文のハッシュも)",
	"version":    "mailferry のバージョン、コミット、Go のバージョンを表示します",
}

var jaFlag = map[string]string{
	// global
	"auth":                     "IMAP のログイン方法: password、oauth2、または auto(Gmail / Google Workspace、Microsoft 365 のホストか --oauth2-token-command があれば oauth2)",
	"insecure-plain":           "TLS のないサーバーにだけ、暗号化なしのログインを許します(危険: パスワードが読まれます)",
	"json":                     "イベントと集計を NDJSON で標準出力に出します",
	"lang":                     "表示の言語: en または ja(既定: LC_ALL、LC_MESSAGES、LANG から)",
	"log-file":                 "実行中のすべてのイベントをこのファイルに追記します(時刻つき NDJSON、秘密情報は伏せ字)",
	"oauth2-client-id":         "OAuth2 のアプリ登録のクライアント ID(mailferry login)",
	"oauth2-tenant":            "Microsoft 365: ディレクトリ(テナント)ID またはドメイン(既定: common)",
	"oauth2-token-command":     "OAuth2 のアクセストークンを出力するシェルコマンド(既定: mailferry login で保存したログイン)",
	"password-file":            "IMAP のパスワードをこのファイルから読みます(既定: $MAILFERRY_PASSWORD、なければ入力)",
	"quiet":                    "進み具合のバーを表示しません",
	"source-auth":              "移行元だけの --auth",
	"source-password-file":     "移行元だけのパスワードファイル(既定: $MAILFERRY_SOURCE_PASSWORD)",
	"source-tls-ca":            "移行元だけの --tls-ca",
	"source-tls-server-name":   "移行元だけの --tls-server-name",
	"target-auth":              "移行先だけの --auth",
	"target-password-file":     "移行先だけのパスワードファイル(既定: $MAILFERRY_TARGET_PASSWORD)",
	"target-tls-ca":            "移行先だけの --tls-ca",
	"target-tls-server-name":   "移行先だけの --tls-server-name",
	"timeout":                  "サーバーを待つあいだ、この時間 1 バイトも動かなければ接続をあきらめます",
	"tls-ca":                   "信頼する CA 証明書の PEM ファイル(自己署名のサーバー用)",
	"tls-insecure-skip-verify": "TLS 証明書を確認しません(危険: 経路上の誰でもパスワードを読めます)",
	"tls-server-name":          "接続先のホスト名と違うときに、サーバー証明書にあるべき名前(レンタルサーバーの共用証明書など)",
	"verbose":                  "メッセージごとに記録を表示します",

	// copy, plan, verify
	"account":             "thunderbird: このアカウントだけを読みます(名前、サーバーのホスト、またはディレクトリ。\"Local Folders\")",
	"all-accounts":        "thunderbird: プロファイルの他のローカルディレクトリ(フィード、削除したアカウント)も読みます。POP のアカウントは常に読みます",
	"before":              "受信日時がこの日より前のメッセージだけ(YYYY-MM-DD)",
	"since":               "受信日時がこの日以降のメッセージだけ(YYYY-MM-DD)",
	"connections":         "同時にコピーするフォルダの数(それぞれ専用の接続かファイルで)",
	"content":             "本文のハッシュも比べます(DST のすべてのメッセージを読みます)",
	"dedupe":              "移行先のメッセージと比べる範囲: 同じフォルダ(folder)、全フォルダ(global)、比べない(off)",
	"dry-run":             "書き込み以外のすべて(一覧、重複の確認、容量の確認、報告)を行います",
	"exclude":             "この正規表現に一致する移行元フォルダを飛ばします(複数指定可)",
	"include":             "この正規表現に一致する移行元フォルダだけをコピーします('/' でつないだパスに対して。複数指定可)",
	"folder-map":          "移行元フォルダ(とその下)の名前を変えます: 旧=新、パスは '/' 区切り(複数指定可)",
	"gmail":               "Gmail / Google Workspace が移行元: [Gmail]/すべてのメール、重要、スター付き(他のフォルダにあるメールの表示)を飛ばします",
	"delete-after-verify": "pop3: コピーのあと、移行先にあると確かめたメッセージをサーバーから削除します",
	"ignore-quota":        "容量に収まらない計画でもコピーします",
	"into":                "すべてのフォルダをこの移行先フォルダの下に置きます(例: Imported)",
	"keep-deleted":        "削除の印が付いていてまだ消えていないメッセージもコピーします(Thunderbird、Maildir の T)",
	"max-size":            "このバイト数より大きいメッセージは飛ばして一覧します(既定: サーバーの APPENDLIMIT)",
	"nonmail":             "pst/msg: 連絡先と配布リスト(.vcf)、予定・タスク・履歴(.ics)、メモ(.txt)をこのディレクトリに書き出します",
	"quota-headroom":      "移行先が容量のこの割合を超えるなら中止します(既定 0.9)",
	"verify":              "コピーのあと、すべてのメッセージが移行先にあることを確かめます(mailferry verify と同じ)",
	"wait-lock":           "別の実行が同じ移行先に書き込み中なら、この時間まで待ちます(例: 30m)",
}
