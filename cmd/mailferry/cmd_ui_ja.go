package main

// The Japanese --help of mailferry ui (help_ja.go's tables); its lines on
// the terminal and the page's texts are in the catalogue
// (internal/i18n/ui_ja.go).
func init() {
	jaShort["ui"] = "ブラウザーの画面で移行を案内します(移行元、移行先、容量つきの計画、コピー、確認)"
	jaLong["ui"] = `ui はこのパソコンの中だけで動く小さなウェブサーバー(127.0.0.1、空いている
ポート)を起動し、アドレスを表示してブラウザーで開きます。画面の案内に
したがって、今メールがある場所(Thunderbird のプロファイルは自動で見つけ
ます。Outlook のファイル、.msg / .eml のフォルダ、Maildir、mbox、IMAP や
POP3 のアカウント)、移す先(IMAP アカウント、またはバックアップ用の
フォルダ)を選ぶと、移行先がどれだけ埋まるかのグラフつきの計画、進み具合
と中止ボタンのあるコピー、最後の確認と、ダウンロードできる報告書まで
進みます。

各段階は mailferry 自身(plan、copy、verify、quota)が実行するので、
コマンドと同じことをします。画面を開けるのはこのパソコンだけです。
アドレスには一度だけ使える鍵が付いていて、パスワードは mailferry を
止める(Ctrl-C)までメモリーに置くだけです。`
	for k, v := range map[string]string{
		"no-browser": "ブラウザーを開かず、アドレスを表示するだけにします",
	} {
		if _, ok := jaFlag[k]; !ok {
			jaFlag[k] = v
		}
	}
}
