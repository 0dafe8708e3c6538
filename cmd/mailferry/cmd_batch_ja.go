package main

// The Japanese help of batch and report (help_ja.go's tables).
func init() {
	jaShort["batch"] = "CSV または YAML のファイルから多数のアカウントをコピーします（再開可能、並列、シャード、レポート付き）"
	jaShort["report"] = "batch の状態ファイルから batch-report.json と batch-report.html を作ります（全シャードまとめて）"
	for k, v := range map[string]string{
		"parallel":                 "同時にコピーするアカウントの数",
		"max-connections-per-host": "1 つのホストへの同時接続数の上限（ジョブは -j と一覧用の 1 本を、そのホストのストアごとに使います）",
		"delta":                    "完了したジョブも含めて全ジョブを再実行します（前回以降の新着だけをコピー）",
		"log-dir":                  "ジョブごとのログ（NDJSON、秘密は伏せ字）をここに書きます（既定: 状態ファイルの名前に .logs）",
		"shard":                    "n 個のうち i 番目のシャードだけを実行します（i/n、例 0/4。既定は $JOB_COMPLETION_INDEX と $MAILFERRY_SHARDS）",
		"report-dir":               "batch-report.json と batch-report.html をここに書きます（既定: 状態ファイルのディレクトリ）",
	} {
		if _, ok := jaFlag[k]; !ok {
			jaFlag[k] = v
		}
	}
}
