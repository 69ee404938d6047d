package funds

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/funds/bank"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/textutil"
)

// StatementCSVHeader is the header of a statement exported from a bank's
// online banking as CSV, in the column order zhixing reads: 流水号, 记账日期
// (YYYY-MM-DD), 收支 (收入/支出), 金额 (yuan with up to two decimals), 对方户名,
// 对方账号, 附言, 虚拟账号 (may be empty).
var StatementCSVHeader = []string{"流水号", "记账日期", "收支", "金额", "对方户名", "对方账号", "附言", "虚拟账号"}

// maxStatementLines bounds one upload.
const maxStatementLines = 50_000

// ParseStatementCSV reads a statement in the CSV layout of
// StatementCSVHeader, in UTF-8 or GBK (what online banking exports). Every bad line is reported with its line number; a
// file with any is refused whole, so nothing is half-imported.
func ParseStatementCSV(account string, r io.Reader) (bank.Statement, error) {
	st := bank.Statement{Account: account}
	raw, err := io.ReadAll(io.LimitReader(r, 64<<20))
	if err != nil {
		return st, err
	}
	text, err := textutil.DecodeText(raw)
	if err != nil {
		return st, apperr.InvalidField("invalid_encoding", "body.csv", "文件编码无法识别，请保存为 UTF-8 或 GBK（GB18030）编码的 CSV")
	}
	cr := csv.NewReader(strings.NewReader(text))
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if err != nil {
		return st, apperr.InvalidField("invalid_csv", "body.csv", "无法读取流水文件的表头")
	}
	if len(header) > 0 {
		header[0] = strings.TrimPrefix(header[0], "\ufeff")
	}
	if len(header) < len(StatementCSVHeader) || strings.Join(header[:len(StatementCSVHeader)], ",") != strings.Join(StatementCSVHeader, ",") {
		return st, apperr.InvalidField("invalid_csv", "body.csv", "流水文件的表头应为："+strings.Join(StatementCSVHeader, ","))
	}
	var probs apperr.Problems
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			probs.Add("invalid_csv", "body.csv", fmt.Sprintf("第 %d 行无法读取：%v", line, err))
			break
		}
		if len(st.Lines) >= maxStatementLines {
			probs.Add("too_many_lines", "body.csv", fmt.Sprintf("一次最多导入 %d 行", maxStatementLines))
			break
		}
		for len(rec) < len(StatementCSVHeader) {
			rec = append(rec, "")
		}
		l := bank.Line{ID: strings.TrimSpace(rec[0]), Date: strings.TrimSpace(rec[1]), CounterpartyName: strings.TrimSpace(rec[4]),
			CounterpartyAccount: strings.TrimSpace(rec[5]), Memo: strings.TrimSpace(rec[6]), VirtualAccount: strings.TrimSpace(rec[7])}
		bad := func(what string) { probs.Add("invalid_line", "body.csv", fmt.Sprintf("第 %d 行：%s", line, what)) }
		if l.ID == "" {
			bad("缺少流水号")
		}
		if _, err := legal.ParseDate(l.Date); err != nil {
			bad("记账日期应为 YYYY-MM-DD")
		}
		switch strings.TrimSpace(rec[2]) {
		case "收入", "贷", "credit":
			l.Direction = bank.Credit
		case "支出", "借", "debit":
			l.Direction = bank.Debit
		default:
			bad("收支应为“收入”或“支出”")
		}
		amount, err := legal.ParseYuan(rec[3], false)
		if err != nil || amount <= 0 {
			bad("金额应为大于 0 的元数，最多两位小数")
		}
		l.AmountFen = amount
		if st.Date == "" || l.Date > st.Date {
			st.Date = l.Date
		}
		st.Lines = append(st.Lines, l)
	}
	return st, probs.Err()
}
