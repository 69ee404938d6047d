package api

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/intake"
	"github.com/zhixing-court/zhixing/internal/org"
	"github.com/zhixing-court/zhixing/internal/page"
)

const bulkTag = "批量立案"

// MaxBulkRows bounds the rows of one POST /applications:bulk, which is
// answered when every row is processed; larger batches go as files.
const MaxBulkRows = 1000

// maxUploadBytes bounds a multipart upload: the file and the form around it.
const maxUploadBytes = intake.MaxBatchBytes + 1<<20

// BulkIn is a batch of applications sent as JSON.
type BulkIn struct {
	CourtCode string          `json:"court_code" maxLength:"16" example:"粤0607" doc:"受理法院代字；每行的 court_code 须与之相同"`
	Rows      []ApplicationIn `json:"rows" minItems:"1" maxItems:"1000" doc:"每行一件申请，格式同 POST /api/v1/applications；最多 1000 行，更多请上传文件"`
}

// BatchOut is a bulk batch and its progress.
type BatchOut struct {
	ID              string     `json:"id"`
	CourtID         string     `json:"court_id"`
	FileName        string     `json:"file_name"`
	Format          string     `json:"format" enum:"csv,xlsx,json"`
	FileSHA256      string     `json:"file_sha256" doc:"文件的 SHA-256；同一法院再次上传同一文件时返回原批次"`
	Status          string     `json:"status" enum:"running,done,failed" doc:"running 处理中；done 已完成；failed 已停止（原因见审计日志）"`
	StatusLabel     string     `json:"status_label"`
	TotalRows       int        `json:"total_rows"`
	DoneRows        int        `json:"done_rows" doc:"已处理的行数"`
	CreatedRows     int        `json:"created_rows" doc:"已登记为执行申请的行数"`
	ErrorRows       int        `json:"error_rows" doc:"有错误或重复、未登记的行数"`
	ProgressPercent int        `json:"progress_percent"`
	SubmittedBy     string     `json:"submitted_by"`
	SubmittedByName string     `json:"submitted_by_name"`
	CreatedAt       time.Time  `json:"created_at"`
	FinishedAt      *time.Time `json:"finished_at"`
}

func batchOut(b intake.Batch) BatchOut {
	return BatchOut{ID: b.ID.String(), CourtID: b.CourtID.String(), FileName: b.FileName, Format: b.Format, FileSHA256: b.FileSHA256,
		Status: b.Status, StatusLabel: intake.BatchStatusLabel(b.Status), TotalRows: b.TotalRows, DoneRows: b.DoneRows,
		CreatedRows: b.CreatedRows, ErrorRows: b.ErrorRows, ProgressPercent: b.Percent(), SubmittedBy: b.SubmittedBy.String(),
		SubmittedByName: b.SubmittedByName, CreatedAt: b.CreatedAt.UTC(), FinishedAt: instant(b.FinishedAt)}
}

// BatchRowOut is the outcome of one row.
type BatchRowOut struct {
	Row           int            `json:"row" doc:"行号：JSON 提交为 rows 中的位置（从 1 起）；文件为表格中的行号（表头为第 1 行）"`
	Status        string         `json:"status" enum:"created,invalid,duplicate" doc:"created 已登记；invalid 有错误；duplicate 执行依据已登记"`
	StatusLabel   string         `json:"status_label"`
	ApplicationID *string        `json:"application_id" doc:"登记的执行申请；未登记时为 null"`
	Errors        []ProblemField `json:"errors" nullable:"false" doc:"该行的问题：field 为 JSON 路径（body.rows[2].basis.effective_date）或文件的列名"`
}

func batchRowOut(r intake.BatchRow) BatchRowOut {
	o := BatchRowOut{Row: r.RowNo, Status: r.Status, StatusLabel: intake.RowStatusLabel(r.Status), ApplicationID: optionalID(r.ApplicationID),
		Errors: []ProblemField{}}
	for _, e := range r.Errors {
		o.Errors = append(o.Errors, ProblemField{Field: e.Field, Detail: e.Detail})
	}
	return o
}

// BulkOut answers POST /applications:bulk: the batch and every row's
// outcome.
type BulkOut struct {
	Batch BatchOut      `json:"batch"`
	Rows  []BatchRowOut `json:"rows" nullable:"false"`
}

type statusBody[T any] struct {
	Status int
	Body   T
}

type uploadRequestKey struct{}

type listBatchesInput struct {
	CourtID string `query:"court_id"`
	Status  string `query:"status" enum:"running,done,failed"`
	ListParams
}

type batchRowsInput struct {
	ID          string `path:"id"`
	Status      string `query:"status" enum:"created,invalid,duplicate,error" doc:"error：有错误或重复的行"`
	ErrorsFirst bool   `query:"errors_first" doc:"有错误的行在前"`
	ListParams
}

// bulk registers bulk intake: POST /applications:bulk and file batches.
func (h *handlers) bulk(a huma.API) {
	o := op(http.MethodPost, "/applications:bulk", "registerApplicationsBulk",
		"批量登记执行申请（JSON，最多 1000 行，处理完毕后答复每行结果）", bulkTag)
	o.Description = "每行单独校验、单独登记：有错误的行不影响其他行。答复每行的结果（已登记、有错误、重复）。" +
		"同一法院再次提交内容相同的请求时，不会重复登记，答复原批次的结果（状态码 200）。"
	o.MaxBodyBytes = 8 << 20
	o.Responses = map[string]*huma.Response{"200": {Description: "内容相同的请求已处理过：原批次的结果，未重复登记"}}
	huma.Register(a, o, func(ctx context.Context, in *struct{ Body BulkIn }) (*statusBody[BulkOut], error) {
		if _, err := access.Must(ctx); err != nil {
			return nil, err
		}
		court, err := h.courtByCode(ctx, in.Body.CourtCode, "body.court_code")
		if err != nil {
			return nil, err
		}
		rows := make([]intake.JSONRow, len(in.Body.Rows))
		for i, r := range in.Body.Rows {
			prefix := fmt.Sprintf("body.rows[%d].", i)
			if strings.TrimSpace(r.CourtCode) != court.Code {
				rows[i].Errors = []intake.RowError{{Field: prefix + "court_code", Detail: "每行的法院代字须与 body.court_code（" + court.Code + "）相同"}}
				continue
			}
			input, err := h.applicationInput(ctx, r, prefix)
			if e, ok := apperr.As(err); ok && e.Kind == apperr.Invalid {
				for _, f := range e.Fields {
					rows[i].Errors = append(rows[i].Errors, intake.RowError{Field: f.Field, Detail: f.Detail})
				}
				if len(rows[i].Errors) == 0 {
					rows[i].Errors = []intake.RowError{{Field: strings.TrimSuffix(prefix, "."), Detail: e.Detail}}
				}
				continue
			}
			if err != nil {
				return nil, err
			}
			rows[i].Input = input
		}
		content, err := intake.EncodeJSONRows(rows)
		if err != nil {
			return nil, err
		}
		b, created, err := intake.SubmitBatch(ctx, h.DB, intake.BatchInput{CourtID: court.ID,
			FileName: fmt.Sprintf("接口提交（%d 行）", len(rows)), Format: "json", Content: content})
		if err != nil {
			return nil, err
		}
		// At once, in the caller's name; the job enqueued with the batch
		// finishes it should this request be cut short.
		if err := intake.ProcessBatch(ctx, h.DB, b.ID); err != nil {
			return nil, err
		}
		if b, err = intake.GetBatch(ctx, h.DB, b.ID); err != nil {
			return nil, err
		}
		out := BulkOut{Batch: batchOut(b), Rows: []BatchRowOut{}}
		req := page.Request{Limit: page.MaxLimit}
		for {
			pg, err := intake.BatchRows(ctx, h.DB, b.ID, intake.BatchRowFilter{}, req)
			if err != nil {
				return nil, err
			}
			for _, r := range pg.Items {
				out.Rows = append(out.Rows, batchRowOut(r))
			}
			if pg.NextCursor == "" {
				break
			}
			req.Cursor = pg.NextCursor
		}
		status := http.StatusOK
		if created {
			status = http.StatusCreated
		}
		return &statusBody[BulkOut]{Status: status, Body: out}, nil
	})
	h.copyResponse(a, "/applications:bulk", "201", "200")

	o = op(http.MethodPost, "/application-batches", "uploadApplicationBatch", "上传批量立案文件（CSV 或 XLSX），后台逐行登记", bulkTag)
	o.Description = "multipart/form-data：court_code（受理法院代字）与 file（CSV 或 XLSX 文件，最大 20 MiB、50000 行；" +
		"列名见网页“批量立案”中的模板）。文件格式按内容与扩展名判断。表头有误或文件无法读取时整份拒绝（422），不保存任何内容；" +
		"否则保存文件并排队处理（202），进度见 GET /api/v1/application-batches/{id}。同一法院再次上传同一文件时答复原批次（200），不会重复登记。"
	o.DefaultStatus = http.StatusAccepted
	o.MaxBodyBytes = maxUploadBytes
	o.Errors = append(o.Errors, http.StatusRequestEntityTooLarge)
	o.Responses = map[string]*huma.Response{"200": {Description: "同一文件已上传过：原批次，未重复登记"}}
	// The handler reads the form itself, to bound it and to answer in
	// Chinese; the document describes it (below: a request body declared
	// before registration would make huma read and decode it).
	o.Middlewares = huma.Middlewares{func(ctx huma.Context, next func(huma.Context)) {
		r, _ := humago.Unwrap(ctx)
		next(huma.WithValue(ctx, uploadRequestKey{}, r))
	}}
	huma.Register(a, o, func(ctx context.Context, _ *struct{}) (*statusBody[BatchOut], error) {
		if _, err := access.Must(ctx); err != nil {
			return nil, err
		}
		r, _ := ctx.Value(uploadRequestKey{}).(*http.Request)
		if r == nil {
			return nil, errors.New("api: upload without its request")
		}
		up, err := readUpload(r, "court_code")
		if err != nil {
			return nil, err
		}
		court, err := h.courtByCode(ctx, up.Court, "body.court_code")
		if err != nil {
			return nil, err
		}
		b, created, err := intake.SubmitBatch(ctx, h.DB, intake.BatchInput{CourtID: court.ID, FileName: up.FileName, Content: up.Content})
		if err != nil {
			return nil, err
		}
		status := http.StatusOK
		if created {
			status = http.StatusAccepted
		}
		return &statusBody[BatchOut]{Status: status, Body: batchOut(b)}, nil
	})
	h.copyResponse(a, "/application-batches", "202", "200")
	if item := a.OpenAPI().Paths[Prefix+"/application-batches"]; item != nil && item.Post != nil {
		item.Post.RequestBody = &huma.RequestBody{Required: true, Content: map[string]*huma.MediaType{
			"multipart/form-data": {Schema: &huma.Schema{Type: "object", Required: []string{"court_code", "file"},
				Properties: map[string]*huma.Schema{
					"court_code": {Type: "string", MaxLength: ptr(16), Description: "受理法院代字", Examples: []any{"粤0607"}},
					"file":       {Type: "string", Format: "binary", Description: "CSV（UTF-8 或 GBK）或 XLSX 文件"},
				}}}}}
	}

	huma.Register(a, op(http.MethodGet, "/application-batches", "listApplicationBatches", "列出批量立案批次（新提交的在前）", bulkTag),
		func(ctx context.Context, in *listBatchesInput) (*Body[List[BatchOut]], error) {
			court, err := parseOptionalID(in.CourtID, "query.court_id")
			if err != nil {
				return nil, err
			}
			pg, err := intake.ListBatches(ctx, h.DB, intake.BatchFilter{CourtID: court, Status: in.Status}, in.request())
			if err != nil {
				return nil, err
			}
			return body(listOf(pg, batchOut)), nil
		})

	huma.Register(a, op(http.MethodGet, "/application-batches/{id}", "getApplicationBatch", "查看批量立案批次及其进度", bulkTag),
		func(ctx context.Context, in *idPath) (*Body[BatchOut], error) {
			id, err := parseID(in.ID, "path.id")
			if err != nil {
				return nil, err
			}
			b, err := intake.GetBatch(ctx, h.DB, id)
			if err != nil {
				return nil, err
			}
			return body(batchOut(b)), nil
		})

	huma.Register(a, op(http.MethodGet, "/application-batches/{id}/rows", "listApplicationBatchRows", "列出批量立案批次各行的结果（按行号）", bulkTag),
		func(ctx context.Context, in *batchRowsInput) (*Body[List[BatchRowOut]], error) {
			id, err := parseID(in.ID, "path.id")
			if err != nil {
				return nil, err
			}
			pg, err := intake.BatchRows(ctx, h.DB, id, intake.BatchRowFilter{Status: in.Status, ErrorsFirst: in.ErrorsFirst}, in.request())
			if err != nil {
				return nil, err
			}
			return body(listOf(pg, batchRowOut)), nil
		})
}

// copyResponse documents answer status to with the body of status from (an
// operation that answers one of two statuses with the same body).
func (h *handlers) copyResponse(a huma.API, path, from, to string) {
	item := a.OpenAPI().Paths[Prefix+path]
	if item == nil || item.Post == nil || item.Post.Responses[from] == nil || item.Post.Responses[to] == nil {
		return
	}
	item.Post.Responses[to].Content = item.Post.Responses[from].Content
}

func ptr[T any](v T) *T { return &v }

// courtByCode finds the court of a 法院代字 given in field.
func (h *handlers) courtByCode(ctx context.Context, code, field string) (org.Court, error) {
	c, err := org.CourtByCode(ctx, h.DB, code)
	if e, ok := apperr.As(err); ok && e.Kind == apperr.Invalid {
		return c, apperr.InvalidField("unknown_court", field, "法院代字“"+truncate(code, 16)+"”不存在")
	}
	return c, err
}

// upload is a file sent as multipart/form-data, with the court it is for.
type upload struct {
	Court    string // the court field's value
	FileName string
	Content  []byte
}

// readUpload reads a multipart form of at most intake.MaxBatchBytes of file
// (plus 1 MiB of form) holding a "file" and the court field.
func readUpload(r *http.Request, courtField string) (upload, error) {
	var up upload
	tooLarge := apperr.New(apperr.TooLarge, "file_too_large", fmt.Sprintf("文件超过 %d MiB，请拆分后分批上传", intake.MaxBatchBytes>>20),
		apperr.FieldError{Field: "body.file", Detail: "文件过大"})
	r.Body = http.MaxBytesReader(nil, r.Body, maxUploadBytes)
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return up, tooLarge
		}
		return up, apperr.New(apperr.BadRequest, "bad_multipart", "请以 multipart/form-data 上传文件（字段 file 与 "+courtField+"）")
	}
	defer r.MultipartForm.RemoveAll()
	up.Court = strings.TrimSpace(r.FormValue(courtField))
	f, hdr, err := r.FormFile("file")
	if err != nil {
		return up, apperr.InvalidField("missing_file", "body.file", "请选择要上传的 CSV 或 XLSX 文件")
	}
	defer f.Close()
	if up.Content, err = io.ReadAll(io.LimitReader(f, intake.MaxBatchBytes+1)); err != nil {
		return up, err
	}
	if len(up.Content) > intake.MaxBatchBytes {
		return up, tooLarge
	}
	up.FileName = hdr.Filename
	return up, nil
}
