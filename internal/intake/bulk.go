package intake

// Bulk intake (FLOW-1): institutional creditors — banks above all — file
// hundreds of applications at once, as a CSV or XLSX file (the web page, or
// POST /api/v1/application-batches) or as a JSON list (POST
// /api/v1/applications:bulk).
//
// # Row format
//
// One application per row, one applicant and one or more respondents. The
// first non-blank row holds the column headers; they are matched by name
// (full-width and half-width brackets, spaces and a "*" marking a required
// column do not matter), in any order. A header that is not in the list below
// is refused, naming it, and so is a missing required column; a required
// column may still have blank cells, which are then reported per row. Blank
// rows are skipped. Rows are numbered as the spreadsheet numbers them: the
// header is row 1 when it is the first line.
//
//	申请执行人名称 *        natural person's name or organisation's full name
//	申请执行人类型          自然人 or 单位; inferred from the identity number when blank
//	申请执行人证件号码 *    resident ID (IDC-1) or 统一社会信用代码 (USCC-1)
//	申请执行人法定代表人    required for an organisation (alias: 法定代表人)
//	申请执行人联系电话      (alias: 联系电话)
//	申请执行人地址
//	金融机构                是 or 否; blank: an organisation whose name says 银行,
//	                        信用社, 保险 … is one (financial lane of triage)
//	被执行人名称 *          several respondents separated by "；"; the other
//	被执行人类型            respondent columns then hold as many values in the
//	被执行人证件号码 *      same order (a single 类型 applies to all)
//	被执行人法定代表人
//	被执行人地址
//	被执行人联系电话
//	执行依据类型 *          判决书 / 裁定书 / 调解书 / 仲裁裁决书 / 公证债权文书 / 其他
//	执行依据文号 *          e.g. （2024）粤0607民初1234号
//	作出机关 *
//	生效日期 *              YYYY-MM-DD (also 2024/3/1, 2024年3月1日, an Excel date)
//	履行期限届满日          blank when the basis sets no performance period
//	申请执行金额（元） *    yuan with at most two decimals, "12,345.67" or "¥12345.67 元";
//	                        converted to fen with integer arithmetic
//	非金钱给付
//	案件类型                执行 (default) / 恢复执行 / 财产保全执行
//	已收材料                全部, or material names separated by "、"; blank: none yet
//	备注
//
// CSV files are UTF-8 (with or without a byte-order mark), GB18030/GBK (what
// Excel in Chinese saves as "CSV") or UTF-16 with a byte-order mark; comma- or
// tab-separated. XLSX files are read from their first sheet. Files are at
// most MaxBatchBytes and MaxBatchRows rows.
//
// # Processing
//
// SubmitBatch stores the file (content, so that processing can resume) and
// enqueues a job; a second upload of the same bytes to the same court finds the
// first batch and creates nothing. ProcessBatch registers the rows in chunks,
// each chunk one transaction that also records every row's outcome and the
// batch's progress, so a crash loses at most the chunk under way, and the
// rerun continues after the last committed chunk: every row is registered
// exactly once (the unique index on applications (batch_id, batch_row) stands
// guard). A row that fails validation is recorded as invalid with its field
// errors; nothing of it is written, so it does not disturb the good rows of its
// chunk (Register validates everything before its first write).

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/google/uuid"
	"github.com/xuri/excelize/v2"
	"golang.org/x/text/unicode/norm"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/audit"
	"github.com/zhixing-court/zhixing/internal/jobs"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/org"
	"github.com/zhixing-court/zhixing/internal/page"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/textutil"
)

// BatchKind is the kind of the job that processes a batch (BatchJobHandler).
const BatchKind = "intake.batch"

// Limits of one batch.
const (
	MaxBatchBytes = 20 << 20 // an uploaded file (or JSON body as stored)
	MaxBatchRows  = 50_000   // data rows of one file
	// DefaultChunkRows is how many rows ProcessBatch registers per
	// transaction: enough to amortise the commit and the audit chain's lock
	// (on PostgreSQL, 250 rows a chunk register 1.2× the raw INSERT rate,
	// 100 only 0.9×; see docs/BENCHMARKS.md), few enough that on SQLite a
	// chunk holds the one writer for about 50 ms, so that people registering
	// at the window barely wait, and a crash repeats little.
	DefaultChunkRows = 250
)

// Batch statuses.
const (
	BatchRunning = "running" // rows are being registered
	BatchDone    = "done"    // every row has its outcome
	BatchFailed  = "failed"  // stopped for good: the file cannot be read any more, or the submitter lost the right to register
)

// Row outcomes.
const (
	RowCreated   = "created"   // the application was registered
	RowInvalid   = "invalid"   // the row has errors; nothing was registered
	RowDuplicate = "duplicate" // the basis is already registered for the applicant (here or earlier in the file)
)

// BatchStatusLabel is the Chinese name of a batch status.
func BatchStatusLabel(s string) string {
	return map[string]string{BatchRunning: "处理中", BatchDone: "已完成", BatchFailed: "已停止"}[s]
}

// RowStatusLabel is the Chinese name of a row outcome.
func RowStatusLabel(s string) string {
	return map[string]string{RowCreated: "已登记", RowInvalid: "有错误", RowDuplicate: "重复"}[s]
}

// BatchFormatLabel names a batch format for people.
func BatchFormatLabel(f string) string {
	return map[string]string{"csv": "CSV 文件", "xlsx": "Excel 文件", "json": "接口提交"}[f]
}

// Batch is one bulk submission and its progress.
type Batch struct {
	ID              uuid.UUID
	CourtID         uuid.UUID
	FileSHA256      string
	FileName        string
	Format          string // csv, xlsx, json
	Status          string
	TotalRows       int
	DoneRows        int
	CreatedRows     int
	ErrorRows       int // invalid and duplicate rows
	SubmittedBy     uuid.UUID
	SubmittedByName string
	CreatedAt       time.Time
	FinishedAt      time.Time // zero while running
}

// Percent is the share of rows processed, 0 to 100.
func (b Batch) Percent() int {
	if b.TotalRows <= 0 {
		return 100
	}
	return b.DoneRows * 100 / b.TotalRows
}

// BatchRow is the outcome of one row.
type BatchRow struct {
	RowNo         int
	Status        string
	ApplicationID uuid.UUID // uuid.Nil unless created
	Errors        []RowError
}

// RowError is one problem of a row: the column (file) or field path (JSON)
// and what is wrong, in Chinese.
type RowError struct {
	Field  string `json:"field"`
	Detail string `json:"detail"`
}

// Column is one column of the row format.
type Column struct {
	Header   string
	Required bool // the column must be present (its cells may still be blank, and are then reported)
	Help     string
	Example  string
}

// The columns, by header.
const (
	colApplicantName     = "申请执行人名称"
	colApplicantKind     = "申请执行人类型"
	colApplicantID       = "申请执行人证件号码"
	colApplicantRep      = "申请执行人法定代表人"
	colApplicantPhone    = "申请执行人联系电话"
	colApplicantAddress  = "申请执行人地址"
	colFinancial         = "金融机构"
	colRespondentName    = "被执行人名称"
	colRespondentKind    = "被执行人类型"
	colRespondentID      = "被执行人证件号码"
	colRespondentRep     = "被执行人法定代表人"
	colRespondentAddress = "被执行人地址"
	colRespondentPhone   = "被执行人联系电话"
	colBasisKind         = "执行依据类型"
	colBasisNo           = "执行依据文号"
	colIssuedBy          = "作出机关"
	colEffective         = "生效日期"
	colDue               = "履行期限届满日"
	colAmount            = "申请执行金额（元）"
	colNonMoney          = "非金钱给付"
	colCaseType          = "案件类型"
	colMaterials         = "已收材料"
	colNote              = "备注"
)

// exampleNote marks the example row of the templates: a row that still
// carries it is refused, so that uploading the template unchanged registers
// nothing.
const exampleNote = "示例行：正式上传前请删除本行"

var batchColumns = []Column{
	{colApplicantName, true, "自然人姓名或单位全称", "某某银行股份有限公司佛山分行"},
	{colApplicantKind, false, "自然人 或 单位；不填时按证件号码判断", "单位"},
	{colApplicantID, true, "自然人填居民身份证号码，单位填统一社会信用代码", legal.MakeCreditCode('9', '1', "440600", "MA000123")},
	{colApplicantRep, false, "申请执行人为单位时必填（表头也可写作“法定代表人”）", "王某某"},
	{colApplicantPhone, false, "表头也可写作“联系电话”", "0757-87654321"},
	{colApplicantAddress, false, "", "佛山市禅城区某某路 1 号"},
	{colFinancial, false, "是 或 否；不填时，名称含“银行”“信用社”“保险”等字样的单位视为金融机构", "是"},
	{colRespondentName, true, "多名被执行人用“；”分隔，其余被执行人各列按同样顺序分隔", "李某某"},
	{colRespondentKind, false, "自然人 或 单位；不填时按证件号码判断；只填一项时适用于全部被执行人", "自然人"},
	{colRespondentID, true, "居民身份证号码或统一社会信用代码", legal.MakeResidentID("440607", legal.NewDate(1985, time.June, 15), 123)},
	{colRespondentRep, false, "被执行人为单位时必填", ""},
	{colRespondentAddress, false, "", "佛山市三水区西南街道某某路 2 号"},
	{colRespondentPhone, false, "", "13900000000"},
	{colBasisKind, true, "判决书、裁定书、调解书、仲裁裁决书、公证债权文书或其他", "判决书"},
	{colBasisNo, true, "执行依据的文书编号", "（2024）粤0607民初1234号"},
	{colIssuedBy, true, "作出执行依据的法院、仲裁机构或公证机构", "佛山市三水区人民法院"},
	{colEffective, true, "YYYY-MM-DD，也可写 2024/3/1 或 2024年3月1日", "2024-03-01"},
	{colDue, false, "YYYY-MM-DD；执行依据未定履行期限的不填", "2024-03-15"},
	{colAmount, true, "以元为单位，最多两位小数，可带千分位逗号，如 125,000.00；只有非金钱给付的填 0 或不填", "125000.00"},
	{colNonMoney, false, "非金钱给付的内容", ""},
	{colCaseType, false, "执行（默认）、恢复执行 或 财产保全执行", "执行"},
	{colMaterials, false, "“全部”，或用“、”分隔的已收材料名称；不填表示材料待补", "全部"},
	{colNote, false, "", exampleNote},
}

// BatchColumns lists the columns of the row format, in template order.
func BatchColumns() []Column { return slices.Clone(batchColumns) }

var headerAliases = map[string]string{"法定代表人": colApplicantRep, "联系电话": colApplicantPhone}

// normHeader folds a header for matching: NFKC (full-width brackets become
// ASCII), no spaces, no "*" marking a required column.
func normHeader(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || r == '*' || r == '\ufeff' {
			return -1
		}
		return r
	}, norm.NFKC.String(s))
}

var headerIndex = func() map[string]string {
	m := map[string]string{}
	for _, c := range batchColumns {
		m[normHeader(c.Header)] = c.Header
	}
	for alias, h := range headerAliases {
		m[normHeader(alias)] = h
	}
	return m
}()

// BatchInput is a file to register in bulk.
type BatchInput struct {
	CourtID  uuid.UUID
	FileName string
	Format   string // csv, xlsx or json; "" to tell from the name and the content
	Content  []byte
}

// DetectBatchFormat tells a file's format from its content, then its name:
// "xlsx", "csv", or "xls" for the old binary Excel format, which is refused.
func DetectBatchFormat(name string, content []byte) string {
	switch {
	case bytes.HasPrefix(content, []byte("PK\x03\x04")):
		return "xlsx"
	case bytes.HasPrefix(content, []byte{0xD0, 0xCF, 0x11, 0xE0}):
		return "xls"
	case strings.EqualFold(path.Ext(name), ".xlsx"):
		return "xlsx" // and fails to open, saying so
	}
	return "csv"
}

// JSONRow is one row of a JSON batch (POST /api/v1/applications:bulk) as the
// API decoded it: the application, or the problems that kept the row from
// being decoded (then Input is ignored and the row is invalid).
type JSONRow struct {
	Input  ApplicationInput `json:"input"`
	Errors []RowError       `json:"errors,omitempty"`
}

// EncodeJSONRows is the content of a JSON batch: identical rows encode to
// identical bytes, so resending the same request finds the same batch.
func EncodeJSONRows(rows []JSONRow) ([]byte, error) { return json.Marshal(rows) }

// bulkRow is one data row, decoded.
type bulkRow struct {
	No        int
	In        ApplicationInput
	Errs      []RowError // problems found while decoding: the row is invalid
	materials string     // the 已收材料 cell, resolved against the checklist when processed
}

// parseBatch decodes a whole batch. A file that cannot be read, or whose
// header is wrong, is an error; problems of single rows are in the rows.
func parseBatch(format string, content []byte) ([]bulkRow, error) {
	switch format {
	case "json":
		var rs []JSONRow
		if err := json.Unmarshal(content, &rs); err != nil {
			return nil, batchFileError("invalid_bulk_file", "批量数据无法解析："+err.Error())
		}
		if len(rs) > MaxBatchRows {
			return nil, tooManyRows()
		}
		out := make([]bulkRow, len(rs))
		for i, r := range rs {
			out[i] = bulkRow{No: i + 1, In: r.Input, Errs: r.Errors}
		}
		return out, nil
	case "csv", "xlsx":
		tp := &tableParser{xlsx: format == "xlsx"}
		read := readCSV
		if tp.xlsx {
			read = readXLSX
		}
		if err := read(content, tp.add); err != nil {
			return nil, err
		}
		if !tp.headerSeen {
			return nil, batchFileError("empty_bulk_file", "文件中没有内容：第一行应为表头，其后每行一件申请")
		}
		return tp.rows, nil
	case "xls":
		return nil, batchFileError("unsupported_bulk_format", "不支持旧版 Excel（.xls）文件，请在 Excel 中另存为 .xlsx 或 CSV 后上传")
	}
	return nil, batchFileError("unsupported_bulk_format", "文件格式应为 CSV 或 XLSX")
}

func batchFileError(code, detail string) error {
	return apperr.InvalidField(code, "body.file", detail)
}

func tooManyRows() error {
	return batchFileError("too_many_rows", fmt.Sprintf("一个文件最多 %d 行申请，请拆分后分批上传", MaxBatchRows))
}

// decodeText turns CSV bytes into UTF-8 (textutil.DecodeText).
func decodeText(b []byte) (string, error) {
	text, err := textutil.DecodeText(b)
	if err != nil {
		return "", batchFileError("invalid_encoding", "文件编码无法识别，请保存为 UTF-8 或 GBK（GB18030）编码的 CSV")
	}
	return text, nil
}

// readCSV calls row for every record of a CSV file, numbered from 1.
func readCSV(content []byte, row func(no int, cells []string) error) error {
	text, err := decodeText(content)
	if err != nil {
		return err
	}
	r := csv.NewReader(strings.NewReader(text))
	first, _, _ := strings.Cut(text, "\n")
	if !strings.Contains(first, ",") && strings.Contains(first, "\t") {
		r.Comma = '\t'
	}
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	for no := 1; ; no++ {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return batchFileError("invalid_bulk_file", fmt.Sprintf("CSV 文件第 %d 行无法解析：%v", pe.StartLine, pe.Err))
			}
			return batchFileError("invalid_bulk_file", "CSV 文件无法解析："+err.Error())
		}
		if err := row(no, rec); err != nil {
			return err
		}
	}
}

// readXLSX calls row for every row of the first sheet, numbered as Excel
// numbers them. Cell values are raw: dates are serial numbers, numbers
// unformatted.
func readXLSX(content []byte, row func(no int, cells []string) error) error {
	f, err := excelize.OpenReader(bytes.NewReader(content), excelize.Options{UnzipSizeLimit: 512 << 20, UnzipXMLSizeLimit: 32 << 20})
	if err != nil {
		return batchFileError("invalid_bulk_file", "Excel 文件无法打开：文件可能已损坏、加了密码，或不是 .xlsx 格式")
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return batchFileError("invalid_bulk_file", "Excel 文件中没有工作表")
	}
	rows, err := f.Rows(sheets[0])
	if err != nil {
		return batchFileError("invalid_bulk_file", "Excel 文件的第一个工作表无法读取")
	}
	defer rows.Close()
	for no := 1; rows.Next(); no++ {
		cells, err := rows.Columns(excelize.Options{RawCellValue: true})
		if err != nil {
			return batchFileError("invalid_bulk_file", fmt.Sprintf("Excel 文件第 %d 行无法读取", no))
		}
		if err := row(no, cells); err != nil {
			return err
		}
	}
	if err := rows.Error(); err != nil {
		return batchFileError("invalid_bulk_file", "Excel 文件无法读取："+err.Error())
	}
	return nil
}

// tableParser turns the rows of a CSV or XLSX file into applications.
type tableParser struct {
	xlsx       bool
	headerSeen bool
	keys       []string       // the column of each cell position; "" under a blank header
	index      map[string]int // column → cell position
	rows       []bulkRow
}

func blankRow(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

func (tp *tableParser) add(no int, cells []string) error {
	if blankRow(cells) {
		return nil
	}
	if !tp.headerSeen {
		tp.headerSeen = true
		return tp.header(cells)
	}
	if len(tp.rows) >= MaxBatchRows {
		return tooManyRows()
	}
	tp.rows = append(tp.rows, tp.convert(no, cells))
	return nil
}

// header maps the header row to the columns, refusing unknown, repeated and
// missing ones.
func (tp *tableParser) header(cells []string) error {
	tp.keys = make([]string, len(cells))
	tp.index = map[string]int{}
	var unknown, repeated, missing []string
	for i, h := range cells {
		n := normHeader(h)
		if n == "" {
			continue
		}
		col, ok := headerIndex[n]
		switch {
		case !ok:
			unknown = append(unknown, "“"+strings.TrimSpace(h)+"”")
		case tp.index[col] != 0:
			repeated = append(repeated, "“"+col+"”")
		default:
			tp.keys[i] = col
			tp.index[col] = i + 1 // 0 means absent
		}
	}
	for _, c := range batchColumns {
		if c.Required && tp.index[c.Header] == 0 {
			missing = append(missing, "“"+c.Header+"”")
		}
	}
	var msgs []string
	if len(unknown) > 0 {
		msgs = append(msgs, "无法识别的列："+strings.Join(unknown, "、"))
	}
	if len(repeated) > 0 {
		msgs = append(msgs, "重复的列："+strings.Join(repeated, "、"))
	}
	if len(missing) > 0 {
		msgs = append(msgs, "缺少必需的列："+strings.Join(missing, "、"))
	}
	if len(msgs) > 0 {
		return batchFileError("invalid_bulk_columns", "表头有误。"+strings.Join(msgs, "；")+"。请按模板填写表头（第一行）")
	}
	return nil
}

// partyKinds maps the words of the 类型 columns.
var partyKinds = map[string]string{"自然人": Person, "个人": Person, "person": Person,
	"单位": Organization, "法人": Organization, "企业": Organization, "公司": Organization, "非自然人": Organization,
	"法人或其他组织": Organization, "其他组织": Organization, "organization": Organization}

// orgWords in a name suggest an organisation when the kind is not given and
// the identity number does not tell.
var orgWords = []string{"公司", "银行", "集团", "合作社", "信用社", "中心", "厂", "商行", "事务所", "协会", "委员会", "学校", "医院", "政府", "局", "店"}

// financialWords in an organisation's name make it a financial institution
// when the 金融机构 column is blank.
var financialWords = []string{"银行", "信用社", "信用合作", "农商行", "金融", "信托", "保险", "证券", "小额贷款", "融资担保", "资产管理", "融资租赁", "典当"}

// inferKind tells a party's kind from its identity number, else its name.
func inferKind(id, name string) string {
	if id != "" {
		if _, err := legal.ParseCreditCode(id); err == nil {
			return Organization
		}
		if _, err := legal.ParseResidentID(id, legal.Today(time.Now())); err == nil {
			return Person
		}
		n := normaliseID(id)
		letters := strings.TrimRightFunc(n, func(r rune) bool { return r == 'X' })
		if strings.IndexFunc(letters, func(r rune) bool { return r < '0' || r > '9' }) >= 0 {
			return Organization
		}
		if len(n) == 15 || len(n) == 18 {
			return Person
		}
	}
	for _, w := range orgWords {
		if strings.Contains(name, w) {
			return Organization
		}
	}
	return Person
}

func setIDNumber(p *PartyInput, id string) {
	if p.Kind == Organization {
		p.CreditCode = id
	} else {
		p.IDNumber = id
	}
}

var excelNumberRE = regexp.MustCompile(`^\d(\.\d+)?[eE]\+?\d+$`)

// excelNumber reports an identity number that Excel stored as a number: it
// kept 15 significant digits and lost the rest.
func excelNumber(s string) bool { return excelNumberRE.MatchString(strings.TrimSpace(s)) }

func excelNumberDetail(s string) string {
	return "证件号码被 Excel 存成了数字（" + s + "），后几位已丢失；请把该列设为“文本”格式后重新填写"
}

// splitList splits a cell holding several values (several respondents).
func splitList(s string) []string {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil
	}
	parts := strings.FieldsFunc(s, func(r rune) bool { return r == '；' || r == ';' || r == '\n' })
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	return parts
}

func yesNo(s string) (value, ok bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "是", "y", "yes", "true", "1", "√":
		return true, true
	case "否", "n", "no", "false", "0", "×":
		return false, true
	}
	return false, false
}

// basisKindOf maps the words of 执行依据类型 to a basis kind.
func basisKindOf(s string) (string, bool) {
	s = strings.TrimSpace(s)
	for _, k := range basisKinds {
		if s == k.Code || s == k.Label {
			return k.Code, true
		}
	}
	switch {
	case strings.Contains(s, "仲裁"):
		return "arbitration", true
	case strings.Contains(s, "公证"):
		return "notarized_debt", true
	case strings.Contains(s, "调解"):
		return "mediation", true
	case strings.Contains(s, "判决"), strings.Contains(s, "裁定"):
		return "judgment", true
	case s == "其他", s == "支付令", strings.HasPrefix(s, "其他"):
		return "other", true
	}
	return "", false
}

var caseTypeWords = map[string]string{
	"": "", "执行": "first_enforcement", "首次执行": "first_enforcement", "执": "first_enforcement", "首执": "first_enforcement",
	"first_enforcement": "first_enforcement",
	"恢复执行":              "restored_enforcement", "执恢": "restored_enforcement", "restored_enforcement": "restored_enforcement",
	"财产保全执行": "preservation_enforcement", "保全执行": "preservation_enforcement", "执保": "preservation_enforcement",
	"preservation_enforcement": "preservation_enforcement",
}

// excelEpoch is day 0 of Excel's 1900 date system, as it counts after its
// fictitious 1900-02-29 (serials from 61 on).
var excelEpoch = legal.NewDate(1899, time.December, 30)

// parseCellDate reads a date cell: YYYY-MM-DD, 2024/3/1, 2024.3.1,
// 2024年3月1日, 20240301, with a time part ignored, or an Excel serial number
// when fromExcel.
// cellDateSeparators turns the separators of dates typed in cells into "-".
var cellDateSeparators = strings.NewReplacer("年", "-", "月", "-", "日", "", "/", "-", ".", "-")

func parseCellDate(s string, fromExcel bool) (legal.Date, string) {
	s = norm.NFKC.String(strings.TrimSpace(s))
	if s == "" {
		return legal.Date{}, ""
	}
	bad := "日期“" + s + "”无法识别，请写成 YYYY-MM-DD，如 2024-03-01"
	if fromExcel {
		whole, frac, _ := strings.Cut(s, ".")
		if n, err := strconv.Atoi(whole); err == nil && strings.Trim(frac, "0123456789") == "" && len(whole) <= 6 {
			if n <= 60 {
				return legal.Date{}, bad
			}
			return excelEpoch.AddDays(n), ""
		}
	}
	if i := strings.IndexAny(s, " T"); i > 0 {
		s = s[:i]
	}
	if len(s) == 8 && strings.Trim(s, "0123456789") == "" {
		s = s[:4] + "-" + s[4:6] + "-" + s[6:]
	}
	s = cellDateSeparators.Replace(s)
	parts := strings.Split(s, "-")
	if len(parts) != 3 {
		return legal.Date{}, bad
	}
	var ymd [3]int
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || p == "" || len(p) > 4 {
			return legal.Date{}, bad
		}
		ymd[i] = n
	}
	d, err := legal.ParseDate(fmt.Sprintf("%04d-%02d-%02d", ymd[0], ymd[1], ymd[2]))
	if err != nil {
		if ymd[0] < 1000 {
			return legal.Date{}, bad
		}
		return legal.Date{}, fmt.Sprintf("日期 %d 年 %d 月 %d 日不存在", ymd[0], ymd[1], ymd[2])
	}
	return d, ""
}

// convert decodes one data row. Problems of the cells themselves (a date
// that is no date, an amount that is no amount) make the row invalid here;
// the rules of Register are checked when the row is processed.
func (tp *tableParser) convert(no int, cells []string) bulkRow {
	r := bulkRow{No: no}
	fail := func(col, detail string) { r.Errs = append(r.Errs, RowError{Field: col, Detail: detail}) }
	get := func(col string) string {
		i := tp.index[col] - 1
		if i < 0 || i >= len(cells) {
			return ""
		}
		return strings.TrimSpace(cells[i])
	}
	for i, c := range cells {
		if (i >= len(tp.keys) || tp.keys[i] == "") && strings.TrimSpace(c) != "" {
			fail(fmt.Sprintf("第 %d 列", i+1), "该列没有表头，内容无法识别")
		}
	}

	// The applicant.
	app := PartyInput{Name: get(colApplicantName), LegalRep: get(colApplicantRep), Phone: get(colApplicantPhone),
		Address: get(colApplicantAddress)}
	id := get(colApplicantID)
	if excelNumber(id) {
		fail(colApplicantID, excelNumberDetail(id))
	}
	if k := get(colApplicantKind); k != "" {
		kind, ok := partyKinds[strings.ToLower(k)]
		if !ok {
			fail(colApplicantKind, "申请执行人类型应为“自然人”或“单位”，而不是“"+k+"”")
		}
		app.Kind = kind
	} else {
		app.Kind = inferKind(id, app.Name)
	}
	setIDNumber(&app, id)
	if f := get(colFinancial); f != "" {
		v, ok := yesNo(f)
		if !ok {
			fail(colFinancial, "金融机构一栏应填“是”或“否”")
		}
		app.Financial = v
	} else if app.Kind == Organization {
		for _, w := range financialWords {
			app.Financial = app.Financial || strings.Contains(app.Name, w)
		}
	}
	r.In.Applicants = []PartyInput{app}

	// The respondents: one, or several separated by "；".
	names := splitList(get(colRespondentName))
	n := max(len(names), 1)
	if n > maxParties {
		fail(colRespondentName, fmt.Sprintf("被执行人不超过 %d 名", maxParties))
		n = maxParties
	}
	column := func(col string, allowOne bool) func(i int) string {
		if n == 1 {
			v := get(col)
			return func(int) string { return v }
		}
		list := splitList(get(col))
		switch {
		case len(list) == 0:
			return func(int) string { return "" }
		case len(list) == 1 && allowOne:
			return func(int) string { return list[0] }
		case len(list) != n:
			fail(col, fmt.Sprintf("有 %d 名被执行人，但本列有 %d 项；请用“；”按被执行人名称的顺序分隔", n, len(list)))
			return func(int) string { return "" }
		}
		return func(i int) string { return list[i] }
	}
	kinds, ids := column(colRespondentKind, true), column(colRespondentID, false)
	reps, addrs, phones := column(colRespondentRep, false), column(colRespondentAddress, false), column(colRespondentPhone, false)
	for i := range n {
		p := PartyInput{LegalRep: reps(i), Address: addrs(i), Phone: phones(i)}
		if i < len(names) {
			p.Name = names[i]
		}
		id := ids(i)
		if excelNumber(id) {
			fail(colRespondentID, excelNumberDetail(id))
		}
		if k := kinds(i); k != "" {
			kind, ok := partyKinds[strings.ToLower(k)]
			if !ok {
				fail(colRespondentKind, "被执行人类型应为“自然人”或“单位”，而不是“"+k+"”")
			}
			p.Kind = kind
		} else {
			p.Kind = inferKind(id, p.Name)
		}
		setIDNumber(&p, id)
		r.In.Respondents = append(r.In.Respondents, p)
	}

	// The basis.
	if k := get(colBasisKind); k == "" {
		fail(colBasisKind, "请填写执行依据类型：判决书、裁定书、调解书、仲裁裁决书、公证债权文书或其他")
	} else if kind, ok := basisKindOf(k); ok {
		r.In.Basis.Kind = kind
	} else {
		fail(colBasisKind, "执行依据类型“"+k+"”无法识别，应为判决书、裁定书、调解书、仲裁裁决书、公证债权文书或其他")
	}
	r.In.Basis.DocumentNo, r.In.Basis.IssuedBy = get(colBasisNo), get(colIssuedBy)
	var detail string
	if r.In.Basis.EffectiveDate, detail = parseCellDate(get(colEffective), tp.xlsx); detail != "" {
		fail(colEffective, detail)
	}
	if r.In.Basis.DueDate, detail = parseCellDate(get(colDue), tp.xlsx); detail != "" {
		fail(colDue, detail)
	}

	// The claim.
	amount, err := legal.ParseYuan(get(colAmount), tp.xlsx)
	if err != nil {
		fail(colAmount, "申请执行"+err.Error())
	}
	r.In.ClaimAmountFen = amount
	r.In.NonMoneyClaims = get(colNonMoney)
	ct, ok := caseTypeWords[get(colCaseType)]
	if !ok {
		fail(colCaseType, "案件类型应为“执行”“恢复执行”或“财产保全执行”")
	}
	r.In.CaseType = ct
	r.materials = get(colMaterials)
	r.In.Note = get(colNote)
	if r.In.Note == exampleNote {
		fail(colNote, "这是模板中的示例行，请删除后再上传")
	}
	return r
}

// tableField names the column of a field path of Register, for rows from a
// file; respondents beyond one are numbered.
func tableField(field string, respondents int) string {
	f := strings.TrimPrefix(field, "body.")
	party := func(prefix string, cols [6]string) (string, bool) {
		rest, ok := strings.CutPrefix(f, prefix)
		if !ok {
			return "", false
		}
		idx := 0
		if strings.HasPrefix(rest, "[") {
			end := strings.IndexByte(rest, ']')
			if end > 0 {
				idx, _ = strconv.Atoi(rest[1:end])
				rest = rest[end+1:]
			}
		}
		rest = strings.TrimPrefix(rest, ".")
		var col string
		switch rest {
		case "name":
			col = cols[0]
		case "kind":
			col = cols[1]
		case "legal_rep":
			col = cols[3]
		case "phone":
			col = cols[4]
		case "address":
			col = cols[5]
		case "":
			if strings.Contains(f, "[") {
				col = cols[2] // the party as a whole: its identity
			} else {
				col = cols[0] // the list: none given
			}
		default:
			col = cols[2] // id_number, credit_code, id_override …
		}
		if prefix == "respondents" && respondents > 1 {
			col += fmt.Sprintf("（第 %d 名）", idx+1)
		}
		return col, true
	}
	if c, ok := party("applicants", [6]string{colApplicantName, colApplicantKind, colApplicantID, colApplicantRep, colApplicantPhone, colApplicantAddress}); ok {
		return c
	}
	if c, ok := party("respondents", [6]string{colRespondentName, colRespondentKind, colRespondentID, colRespondentRep, colRespondentPhone, colRespondentAddress}); ok {
		return c
	}
	switch {
	case f == "basis.kind":
		return colBasisKind
	case f == "basis.document_no":
		return colBasisNo
	case f == "basis.issued_by":
		return colIssuedBy
	case f == "basis.effective_date":
		return colEffective
	case f == "basis.performance_due_date":
		return colDue
	case f == "claim_amount_fen":
		return colAmount
	case f == "non_money_claims":
		return colNonMoney
	case f == "case_type":
		return colCaseType
	case strings.HasPrefix(f, "materials"):
		return colMaterials
	case f == "note":
		return colNote
	case f == "received_on":
		return "收到申请日期"
	case f == "court_code":
		return "法院"
	}
	return field
}

// batchFileName keeps the base name of an uploaded file, printable and at
// most 200 characters.
func batchFileName(name, format string) string {
	name = path.Base(strings.ReplaceAll(name, "\\", "/"))
	name = strings.TrimSpace(strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, name))
	if name == "" || name == "." || name == "/" {
		name = "未命名文件"
		if format != "json" {
			name += "." + format
		}
	}
	if r := []rune(name); len(r) > 200 {
		name = string(r[:200])
	}
	return name
}

type batchJob struct {
	BatchID uuid.UUID `json:"batch_id"`
}

// SubmitBatch stores a file of applications and enqueues its processing
// (applications.register, the court in scope). The same bytes submitted again
// to the same court find the first batch: it is returned with created false,
// and nothing is stored or enqueued. A file that cannot be read, whose header
// is wrong, that holds no rows or is over the limits is refused, and nothing is
// stored. The submission is audited; each application is audited when
// ProcessBatch registers it.
func SubmitBatch(ctx context.Context, db *store.DB, in BatchInput) (Batch, bool, error) {
	p, err := access.Must(ctx)
	if err != nil {
		return Batch{}, false, err
	}
	if err := p.Require(access.ApplicationsRegister); err != nil {
		return Batch{}, false, err
	}
	if p.IsSystem() {
		return Batch{}, false, apperr.Forbid("批量立案须由登录用户提交：每件申请都要记录登记人")
	}
	court, err := org.GetCourt(ctx, db, in.CourtID)
	if err != nil && apperr.KindOf(err) != apperr.NotFound {
		return Batch{}, false, err
	}
	if err != nil || !p.Sees(court.ID) {
		return Batch{}, false, apperr.InvalidField("unknown_court", "body.court_code", "法院不存在或不在您的管辖范围内")
	}
	if !court.Active {
		return Batch{}, false, apperr.InvalidField("inactive_court", "body.court_code", "法院已停用")
	}
	switch {
	case len(in.Content) == 0:
		return Batch{}, false, batchFileError("empty_bulk_file", "文件是空的")
	case len(in.Content) > MaxBatchBytes:
		return Batch{}, false, apperr.New(apperr.TooLarge, "file_too_large",
			fmt.Sprintf("文件超过 %d MiB，请拆分后分批上传", MaxBatchBytes>>20), apperr.FieldError{Field: "body.file", Detail: "文件过大"})
	}
	format := in.Format
	if format == "" {
		format = DetectBatchFormat(in.FileName, in.Content)
	}
	name := batchFileName(in.FileName, format)
	sum := sha256.Sum256(in.Content)
	digest := hex.EncodeToString(sum[:])
	if b, err := scanBatch(db.QueryRow(ctx, `SELECT `+batchSelect+` WHERE b.court_id = ? AND b.file_sha256 = ?`, court.ID, digest)); err == nil {
		return b, false, nil
	} else if !store.IsNoRows(err) {
		return Batch{}, false, err
	}
	rows, err := parseBatch(format, in.Content)
	if err != nil {
		return Batch{}, false, err
	}
	if len(rows) == 0 {
		return Batch{}, false, batchFileError("empty_bulk_file", "文件中只有表头，没有申请")
	}
	type result struct {
		b       Batch
		created bool
	}
	res, err := store.TransactValue(ctx, db, func(ctx context.Context, tx *store.Tx) (result, error) {
		now := time.Now().UTC().Truncate(time.Microsecond)
		b := Batch{ID: store.NewID(), CourtID: court.ID, FileSHA256: digest, FileName: name, Format: format, Status: BatchRunning,
			TotalRows: len(rows), SubmittedBy: p.UserID, SubmittedByName: p.DisplayName, CreatedAt: now}
		var id uuid.UUID
		err := tx.QueryRow(ctx, `INSERT INTO bulk_batches (id, court_id, file_sha256, file_name, format, status, total_rows,
				submitted_by, created_at, content)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (court_id, file_sha256) DO NOTHING
			RETURNING id`, b.ID, b.CourtID, digest, name, format, BatchRunning, b.TotalRows, b.SubmittedBy, now, in.Content).Scan(&id)
		if store.IsNoRows(err) {
			// Submitted meanwhile by a concurrent request: that batch it is.
			b, err := scanBatch(tx.QueryRow(ctx, `SELECT `+batchSelect+` WHERE b.court_id = ? AND b.file_sha256 = ?`, court.ID, digest))
			return result{b: b}, err
		}
		if err != nil {
			return result{}, err
		}
		if _, err := jobs.Enqueue(ctx, tx, jobs.Job{Kind: BatchKind, CourtID: b.CourtID, Payload: batchJob{BatchID: b.ID},
			DedupeKey: BatchKind + ":" + b.ID.String()}); err != nil {
			return result{}, err
		}
		return result{b: b, created: true}, audit.Log(ctx, tx, audit.Entry{CourtID: b.CourtID, Action: "bulk_batch.submitted",
			ObjectType: "bulk_batch", ObjectID: b.ID.String(),
			Summary: fmt.Sprintf("提交批量立案（%s）“%s”，共 %d 行", BatchFormatLabel(format), name, b.TotalRows),
			Changes: audit.Changes{"file_name": {To: name}, "format": {To: format}, "file_sha256": {To: digest}, "total_rows": {To: b.TotalRows}}})
	})
	return res.b, res.created, err
}

// batchSelect reads a batch, without its content.
const (
	batchCols = `b.id, b.court_id, b.file_sha256, b.file_name, b.format, b.status, b.total_rows, b.done_rows, b.created_rows,
	b.error_rows, b.submitted_by, COALESCE(u.display_name, ''), b.created_at, b.finished_at`
	batchFrom   = ` FROM bulk_batches b LEFT JOIN users u ON u.id = b.submitted_by`
	batchSelect = batchCols + batchFrom
)

func scanBatch(row interface{ Scan(...any) error }, extra ...any) (Batch, error) {
	var b Batch
	var finished sql.NullTime
	dest := append([]any{&b.ID, &b.CourtID, &b.FileSHA256, &b.FileName, &b.Format, &b.Status, &b.TotalRows, &b.DoneRows,
		&b.CreatedRows, &b.ErrorRows, &b.SubmittedBy, &b.SubmittedByName, &b.CreatedAt, &finished}, extra...)
	err := row.Scan(dest...)
	b.CreatedAt, b.FinishedAt = b.CreatedAt.UTC(), finished.Time.UTC()
	if !finished.Valid {
		b.FinishedAt = time.Time{}
	}
	return b, err
}

// GetBatch returns a batch and its progress (applications.register, the
// court in scope).
func GetBatch(ctx context.Context, q store.Querier, id uuid.UUID) (Batch, error) {
	p, err := access.Must(ctx)
	if err != nil {
		return Batch{}, err
	}
	if err := p.Require(access.ApplicationsRegister); err != nil {
		return Batch{}, err
	}
	b, err := scanBatch(q.QueryRow(ctx, `SELECT `+batchSelect+` WHERE b.id = ?`, id))
	if store.IsNoRows(err) || err == nil && !p.Sees(b.CourtID) {
		return Batch{}, apperr.NotFoundf("批量立案批次")
	}
	return b, err
}

// BatchFilter narrows a list of batches.
type BatchFilter struct {
	CourtID uuid.UUID // uuid.Nil: every court in scope
	Status  string
}

// ListBatches lists the batches of the courts in scope, newest first
// (applications.register).
func ListBatches(ctx context.Context, q store.Querier, f BatchFilter, req page.Request) (page.Page[Batch], error) {
	var out page.Page[Batch]
	p, err := access.Must(ctx)
	if err != nil {
		return out, err
	}
	if err := p.Require(access.ApplicationsRegister); err != nil {
		return out, err
	}
	limit, err := req.LimitOrDefault()
	if err != nil {
		return out, err
	}
	cond, args := p.CourtFilter("b.court_id")
	if f.CourtID != uuid.Nil {
		cond += " AND b.court_id = ?"
		args = append(args, f.CourtID)
	}
	if f.Status != "" {
		if BatchStatusLabel(f.Status) == "" {
			return out, apperr.InvalidField("invalid_status", "query.status", "批次状态应为 running、done 或 failed")
		}
		cond += " AND b.status = ?"
		args = append(args, f.Status)
	}
	if req.Cursor != "" {
		var after uuid.UUID
		if err := page.Decode(req.Cursor, &after); err != nil {
			return out, err
		}
		cond += " AND b.id < ?"
		args = append(args, after)
	}
	rows, err := q.Query(ctx, `SELECT `+batchSelect+` WHERE `+cond+` ORDER BY b.id DESC LIMIT ?`, append(args, limit+1)...)
	if err != nil {
		return out, err
	}
	defer rows.Close()
	var items []Batch
	for rows.Next() {
		b, err := scanBatch(rows)
		if err != nil {
			return out, err
		}
		items = append(items, b)
	}
	if err := rows.Err(); err != nil {
		return out, err
	}
	return page.Trim(items, limit, func(b Batch) any { return b.ID }), nil
}

// BatchRowFilter narrows the rows of a batch.
type BatchRowFilter struct {
	Status      string // created, invalid, duplicate; "error" for invalid and duplicate; "" for all
	ErrorsFirst bool   // rows with errors first, each group by row number
}

// BatchRows lists the outcomes of a batch's rows processed so far, by row
// number (applications.register, the court in scope).
func BatchRows(ctx context.Context, q store.Querier, batchID uuid.UUID, f BatchRowFilter, req page.Request) (page.Page[BatchRow], error) {
	var out page.Page[BatchRow]
	if _, err := GetBatch(ctx, q, batchID); err != nil {
		return out, err
	}
	limit, err := req.LimitOrDefault()
	if err != nil {
		return out, err
	}
	cond, args := "batch_id = ?", []any{batchID}
	switch f.Status {
	case "":
	case "error":
		cond += " AND status <> 'created'"
	case RowCreated, RowInvalid, RowDuplicate:
		cond += " AND status = ?"
		args = append(args, f.Status)
	default:
		return out, apperr.InvalidField("invalid_status", "query.status", "行状态应为 created、invalid、duplicate 或 error")
	}
	const rank = "(CASE WHEN status = 'created' THEN 1 ELSE 0 END)"
	if req.Cursor != "" {
		var after [2]int
		if err := page.Decode(req.Cursor, &after); err != nil {
			return out, err
		}
		if f.ErrorsFirst {
			cond += " AND (" + rank + " > ? OR " + rank + " = ? AND row_no > ?)"
			args = append(args, after[0], after[0], after[1])
		} else {
			cond += " AND row_no > ?"
			args = append(args, after[1])
		}
	}
	order := "row_no"
	if f.ErrorsFirst {
		order = rank + ", row_no"
	}
	rows, err := q.Query(ctx, `SELECT row_no, status, application_id, errors FROM bulk_rows WHERE `+cond+`
		ORDER BY `+order+` LIMIT ?`, append(args, limit+1)...)
	if err != nil {
		return out, err
	}
	defer rows.Close()
	var items []BatchRow
	for rows.Next() {
		var r BatchRow
		var app uuid.NullUUID
		var errs string
		if err := rows.Scan(&r.RowNo, &r.Status, &app, &errs); err != nil {
			return out, err
		}
		r.ApplicationID = app.UUID
		if errs != "" {
			if err := json.Unmarshal([]byte(errs), &r.Errors); err != nil {
				return out, fmt.Errorf("intake: errors of batch %s row %d: %w", batchID, r.RowNo, err)
			}
		}
		items = append(items, r)
	}
	if err := rows.Err(); err != nil {
		return out, err
	}
	return page.Trim(items, limit, func(r BatchRow) any {
		k := [2]int{0, r.RowNo}
		if f.ErrorsFirst && r.Status == RowCreated {
			k[0] = 1
		}
		return k
	}), nil
}

// ProcessOptions tune ProcessBatchWith.
type ProcessOptions struct {
	// ChunkRows is how many rows one transaction registers (0:
	// DefaultChunkRows).
	ChunkRows int
	// BeforeCommit, when set, runs inside each chunk's transaction once the
	// chunk's applications, row outcomes and the batch's progress are
	// written, just before COMMIT, with the number of rows done after the
	// chunk. An error rolls the chunk back and stops ProcessBatchWith, which
	// returns it: tests use it to crash in the middle of a batch.
	BeforeCommit func(done int) error
}

// ProcessBatch registers the rows of a batch not processed yet (see
// ProcessOptions for the defaults). It is resumable and safe to run twice at
// once: each chunk locks the batch and starts after the rows already done.
// A batch that is finished is left alone.
//
// Run by a user (the JSON endpoint processes its batch at once), the
// applications are registered in that user's name; run by the system (the
// job), in the name of the user who submitted the batch, provided they are
// still active and still hold applications.register — otherwise, and when the
// court was deactivated or the file cannot be read any more, the batch stops
// (failed) and the reason is audited.
func ProcessBatch(ctx context.Context, db *store.DB, id uuid.UUID) error {
	return ProcessBatchWith(ctx, db, id, ProcessOptions{})
}

// ProcessBatchWith is ProcessBatch with options.
func ProcessBatchWith(ctx context.Context, db *store.DB, id uuid.UUID, opts ProcessOptions) error {
	p, err := access.Must(ctx)
	if err != nil {
		return err
	}
	if err := p.Require(access.ApplicationsRegister); err != nil {
		return err
	}
	var content []byte
	b, err := scanBatch(db.QueryRow(ctx, `SELECT `+batchCols+`, b.content`+batchFrom+` WHERE b.id = ?`, id), &content)
	if store.IsNoRows(err) || err == nil && !p.Sees(b.CourtID) {
		return apperr.NotFoundf("批量立案批次")
	}
	if err != nil {
		return err
	}
	if b.Status != BatchRunning {
		return nil
	}
	actor := p
	if p.IsSystem() {
		if actor, err = submitter(ctx, db, b); err != nil {
			if e, ok := apperr.As(err); ok && e.Kind == apperr.Forbidden {
				return failBatch(ctx, db, b, e.Code, e.Detail)
			}
			return err
		}
	}
	court, err := org.GetCourt(ctx, db, b.CourtID)
	if err != nil {
		return err
	}
	if !court.Active {
		return failBatch(ctx, db, b, "inactive_court", "法院已停用")
	}
	rows, err := parseBatch(b.Format, content)
	if err == nil && len(rows) != b.TotalRows {
		err = apperr.New(apperr.Invalid, "bulk_file_changed", fmt.Sprintf("文件现读出 %d 行，提交时为 %d 行", len(rows), b.TotalRows))
	}
	if e, ok := apperr.As(err); ok {
		return failBatch(ctx, db, b, e.Code, "文件无法再读取："+e.Detail)
	}
	if err != nil {
		return err
	}
	size := opts.ChunkRows
	if size <= 0 {
		size = DefaultChunkRows
	}
	bp := &batchProcessor{b: b, rows: rows, tabular: b.Format != "json", checklists: map[string][]Material{}}
	actx := access.With(ctx, actor)
	for {
		more, err := bp.chunk(actx, db, size, opts.BeforeCommit)
		if err != nil || !more {
			return err
		}
	}
}

// submitter is the principal of the user who submitted b, acting on b's court
// with the one permission registration needs.
func submitter(ctx context.Context, q store.Querier, b Batch) (*access.Principal, error) {
	var u access.Principal
	var team uuid.NullUUID
	var disabled sql.NullTime
	var may bool
	err := q.QueryRow(ctx, `SELECT u.username, u.display_name, u.role, r.name, u.court_id, c.code, c.name, u.team_id, u.disabled_at,
			EXISTS (SELECT 1 FROM role_permissions rp WHERE rp.role_code = u.role AND rp.permission = ?)
		FROM users u JOIN roles r ON r.code = u.role JOIN courts c ON c.id = u.court_id
		WHERE u.id = ?`, string(access.ApplicationsRegister), b.SubmittedBy).
		Scan(&u.Username, &u.DisplayName, &u.Role, &u.RoleName, &u.CourtID, &u.CourtCode, &u.CourtName, &team, &disabled, &may)
	if store.IsNoRows(err) || err == nil && (disabled.Valid || !may) {
		return nil, apperr.Forbid("提交该批次的用户已停用或已没有登记执行申请的权限，其余各行未处理")
	}
	if err != nil {
		return nil, err
	}
	u.UserID, u.TeamID, u.Scope = b.SubmittedBy, team.UUID, access.ScopeCourt
	return access.NewPrincipal(u, []access.Permission{access.ApplicationsRegister}, []uuid.UUID{b.CourtID}), nil
}

// failBatch stops a batch for good and audits why.
func failBatch(ctx context.Context, db *store.DB, b Batch, code, reason string) error {
	return db.Transact(ctx, func(ctx context.Context, tx *store.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE bulk_batches SET status = ?, finished_at = ? WHERE id = ? AND status = ?`,
			BatchFailed, time.Now().UTC(), b.ID, BatchRunning)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return err
		}
		return audit.Log(ctx, tx, audit.Entry{CourtID: b.CourtID, Action: "bulk_batch.failed", ObjectType: "bulk_batch",
			ObjectID: b.ID.String(), Summary: "批量立案“" + b.FileName + "”已停止：" + reason,
			Changes: audit.Changes{"status": {From: BatchRunning, To: BatchFailed}, "reason": {To: code}}})
	})
}

// batchProcessor registers the rows of one batch.
type batchProcessor struct {
	b          Batch
	rows       []bulkRow
	tabular    bool                  // from a file: errors name columns
	checklists map[string][]Material // by basis kind
}

type rowResult struct {
	no     int
	status string
	app    uuid.UUID
	errs   []RowError
}

// chunk registers the next rows in one transaction and reports whether
// rows remain.
func (bp *batchProcessor) chunk(ctx context.Context, db *store.DB, size int, beforeCommit func(int) error) (bool, error) {
	more := false
	err := db.Transact(ctx, func(ctx context.Context, tx *store.Tx) error {
		more = false
		var status string
		var done, created, failed int
		err := tx.QueryRow(ctx, `SELECT status, done_rows, created_rows, error_rows FROM bulk_batches WHERE id = ?`+tx.ForUpdate(),
			bp.b.ID).Scan(&status, &done, &created, &failed)
		if err != nil || status != BatchRunning {
			return err
		}
		end := min(done+size, len(bp.rows))
		rows := bp.rows[done:end]
		results := make([]rowResult, len(rows))
		var ins []ApplicationInput
		var at []int // the index in rows of each of ins
		for k, r := range rows {
			in, res, err := bp.input(ctx, tx, r)
			if err != nil {
				return fmt.Errorf("intake: batch %s row %d: %w", bp.b.ID, r.No, err)
			}
			if results[k] = res; res.status == "" {
				ins, at = append(ins, in), append(at, k)
			}
		}
		regs, err := registerMany(ctx, tx, ins)
		if err != nil {
			return fmt.Errorf("intake: batch %s rows %d–%d: %w", bp.b.ID, rows[0].No, rows[len(rows)-1].No, err)
		}
		for j, reg := range regs {
			results[at[j]] = bp.outcome(rows[at[j]], reg)
		}
		for _, res := range results {
			if res.status == RowCreated {
				created++
			} else {
				failed++
			}
		}
		if err := insertRowResults(ctx, tx, bp.b.ID, results); err != nil {
			return err
		}
		done = end
		finished := done >= len(bp.rows)
		status, finishedAt := BatchRunning, any(nil)
		if finished {
			status, finishedAt = BatchDone, time.Now().UTC()
		}
		if _, err := tx.Exec(ctx, `UPDATE bulk_batches SET status = ?, done_rows = ?, created_rows = ?, error_rows = ?, finished_at = ?
			WHERE id = ?`, status, done, created, failed, finishedAt, bp.b.ID); err != nil {
			return err
		}
		if finished {
			err := audit.Log(ctx, tx, audit.Entry{CourtID: bp.b.CourtID, Action: "bulk_batch.finished", ObjectType: "bulk_batch",
				ObjectID: bp.b.ID.String(),
				Summary:  fmt.Sprintf("批量立案“%s”处理完毕：共 %d 行，登记 %d 件，未登记 %d 行", bp.b.FileName, done, created, failed),
				Changes: audit.Changes{"status": {From: BatchRunning, To: BatchDone}, "created_rows": {To: created},
					"error_rows": {To: failed}}})
			if err != nil {
				return err
			}
		}
		if beforeCommit != nil {
			if err := beforeCommit(done); err != nil {
				return err
			}
		}
		more = !finished
		return nil
	})
	return more, err
}

// input makes the ApplicationInput of a row. A row whose problems are known
// before registration (its cells, its materials) has its outcome in res; an
// error is for failures that are not the row's fault.
func (bp *batchProcessor) input(ctx context.Context, tx *store.Tx, r bulkRow) (ApplicationInput, rowResult, error) {
	res := rowResult{no: r.No}
	if len(r.Errs) > 0 {
		res.status, res.errs = RowInvalid, r.Errs
		return ApplicationInput{}, res, nil
	}
	in := r.In
	in.CourtID, in.Channel, in.BatchID, in.BatchRow = bp.b.CourtID, "bulk", bp.b.ID, r.No
	if r.materials != "" {
		ms, detail, err := bp.materials(ctx, tx, in.Basis.Kind, r.materials)
		if err != nil {
			return in, res, err
		}
		if detail != "" {
			res.status, res.errs = RowInvalid, []RowError{{Field: colMaterials, Detail: detail}}
			return in, res, nil
		}
		in.Materials = ms
	}
	return in, res, nil
}

// outcome is the result of a row from its registration.
func (bp *batchProcessor) outcome(r bulkRow, reg registration) rowResult {
	res := rowResult{no: r.No}
	if reg.err == nil {
		res.status, res.app = RowCreated, reg.app.ID
		return res
	}
	e, _ := apperr.As(reg.err)
	if e.Code == "duplicate_basis" {
		res.status = RowDuplicate
		detail := e.Detail
		if reg.dupBatch == bp.b.ID {
			where := fmt.Sprintf("第 %d 行", reg.dupRow)
			if !bp.tabular {
				where = fmt.Sprintf("第 %d 条（rows[%d]）", reg.dupRow, reg.dupRow-1)
			}
			doc, _ := text(r.In.Basis.DocumentNo, 100)
			detail = "与本批" + where + "重复：执行依据 " + doc + " 对同一申请执行人已在该行登记，本行未登记"
		}
		res.errs = []RowError{{Field: bp.field(r, "body.basis.document_no"), Detail: detail}}
		return res
	}
	res.status = RowInvalid
	for _, f := range e.Fields {
		res.errs = append(res.errs, RowError{Field: bp.field(r, f.Field), Detail: f.Detail})
	}
	if len(res.errs) == 0 {
		res.errs = []RowError{{Detail: e.Detail}}
	}
	return res
}

// field names where a problem of Register lies: the column of a file, or
// the path within the JSON body.
func (bp *batchProcessor) field(r bulkRow, f string) string {
	if bp.tabular {
		return tableField(f, len(r.In.Respondents))
	}
	if rest, ok := strings.CutPrefix(f, "body."); ok {
		return fmt.Sprintf("body.rows[%d].%s", r.No-1, rest)
	}
	return f
}

// materials resolves the 已收材料 cell against the checklist of the basis
// kind: "全部", or names (or codes) of the checklist. detail says what is
// wrong with the cell.
func (bp *batchProcessor) materials(ctx context.Context, tx *store.Tx, kind, cell string) ([]MaterialInput, string, error) {
	if _, ok := basisKindOf(kind); !ok {
		return nil, "", nil // Register reports the kind
	}
	list, ok := bp.checklists[kind]
	if !ok {
		var err error
		if list, err = materialChecklist(ctx, tx, kind); err != nil {
			return nil, "", err
		}
		bp.checklists[kind] = list
	}
	var out []MaterialInput
	switch strings.TrimSpace(cell) {
	case "全部", "齐全", "全", "all":
		for _, m := range list {
			out = append(out, MaterialInput{Code: m.Code, Received: true, Copies: 1})
		}
		return out, "", nil
	}
	var unknown []string
	for _, tok := range strings.FieldsFunc(cell, func(r rune) bool { return strings.ContainsRune("、,，;；/\n", r) }) {
		tok = strings.TrimSpace(tok)
		found := false
		for _, m := range list {
			if tok == m.Name || tok == m.Code {
				out = append(out, MaterialInput{Code: m.Code, Received: true, Copies: 1})
				found = true
				break
			}
		}
		if !found && tok != "" {
			unknown = append(unknown, "“"+tok+"”")
		}
	}
	if len(unknown) > 0 {
		known := make([]string, len(list))
		for i, m := range list {
			known[i] = m.Name
		}
		return nil, "材料" + strings.Join(unknown, "、") + "不在" + BasisLabel(kind) + "的材料清单中；可填“全部”或：" + strings.Join(known, "、"), nil
	}
	return out, "", nil
}

// insertRowResults records the outcomes of a chunk's rows, many per
// statement.
func insertRowResults(ctx context.Context, tx *store.Tx, batch uuid.UUID, rs []rowResult) error {
	errs := make([]string, len(rs))
	for i, r := range rs {
		if len(r.errs) > 0 {
			b, err := json.Marshal(r.errs)
			if err != nil {
				return err
			}
			errs[i] = string(b)
		}
	}
	return store.InsertRows(ctx, tx, `INSERT INTO bulk_rows (batch_id, row_no, status, application_id, errors) VALUES `, 5, len(rs),
		func(i int, args []any) []any {
			return append(args, batch, rs[i].no, rs[i].status, store.NullID(rs[i].app), errs[i])
		})
}

// BatchJobHandler is the handler of BatchKind jobs: it processes the batch
// the job names (see ProcessBatch), as the system on behalf of its submitter.
// Register it with the runner: r.Register(intake.BatchKind,
// intake.BatchJobHandler(db)).
func BatchJobHandler(db *store.DB) jobs.Handler {
	return func(ctx context.Context, j *jobs.Claimed) error {
		var pl batchJob
		if err := j.Decode(&pl); err != nil {
			return jobs.Cancel(err)
		}
		err := ProcessBatch(ctx, db, pl.BatchID)
		if apperr.KindOf(err) == apperr.NotFound {
			return jobs.Cancel(err) // gone: nothing will ever come of retrying
		}
		return err
	}
}

// BatchTemplate is a file to fill in: the header row and one example row
// (refused if uploaded unchanged), as "csv" (UTF-8 with BOM, which Excel
// opens correctly) or "xlsx" (columns formatted as text, so that Excel keeps
// identity numbers whole, and a second sheet explaining the columns).
func BatchTemplate(format string) ([]byte, error) {
	headers := make([]string, len(batchColumns))
	example := make([]string, len(batchColumns))
	for i, c := range batchColumns {
		headers[i], example[i] = c.Header, c.Example
	}
	switch format {
	case "csv":
		var buf bytes.Buffer
		buf.WriteString("\ufeff")
		w := csv.NewWriter(&buf)
		w.UseCRLF = true
		_ = w.Write(headers)
		_ = w.Write(example)
		w.Flush()
		return buf.Bytes(), w.Error()
	case "xlsx":
		return xlsxTemplate(headers, example)
	}
	return nil, fmt.Errorf("intake: no template in format %q", format)
}

func xlsxTemplate(headers, example []string) ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	const sheet, help = "批量立案", "填写说明"
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return nil, err
	}
	textStyle, err := f.NewStyle(&excelize.Style{NumFmt: 49})
	if err != nil {
		return nil, err
	}
	headStyle, err := f.NewStyle(&excelize.Style{NumFmt: 49, Font: &excelize.Font{Bold: true},
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"#DDEBF7"}}})
	if err != nil {
		return nil, err
	}
	last, err := excelize.ColumnNumberToName(len(headers))
	if err != nil {
		return nil, err
	}
	if err := f.SetColStyle(sheet, "A:"+last, textStyle); err != nil {
		return nil, err
	}
	if err := f.SetColWidth(sheet, "A", last, 22); err != nil {
		return nil, err
	}
	for i := range headers {
		for row, v := range [][]string{headers, example} {
			cell, err := excelize.CoordinatesToCellName(i+1, row+1)
			if err != nil {
				return nil, err
			}
			if err := f.SetCellStr(sheet, cell, v[i]); err != nil {
				return nil, err
			}
		}
	}
	if err := f.SetCellStyle(sheet, "A1", last+"1", headStyle); err != nil {
		return nil, err
	}
	if _, err := f.NewSheet(help); err != nil {
		return nil, err
	}
	if err := f.SetSheetRow(help, "A1", &[]string{"列", "是否必需", "填写要求", "示例"}); err != nil {
		return nil, err
	}
	for i, c := range batchColumns {
		req := "可选"
		if c.Required {
			req = "必需"
		}
		if err := f.SetSheetRow(help, fmt.Sprintf("A%d", i+2), &[]string{c.Header, req, c.Help, c.Example}); err != nil {
			return nil, err
		}
	}
	if err := f.SetColWidth(help, "A", "D", 30); err != nil {
		return nil, err
	}
	f.SetActiveSheet(0)
	buf, err := f.WriteToBuffer()
	if err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
