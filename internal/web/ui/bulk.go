package ui

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/intake"
	"github.com/zhixing-court/zhixing/internal/org"
	"github.com/zhixing-court/zhixing/internal/page"
)

// maxUpload bounds an upload form: the file and the fields around it.
const maxUpload = intake.MaxBatchBytes + 1<<20

// registerBulk mounts the pages of bulk intake: uploads of CSV and XLSX files and their progress.
func (u *UI) registerBulk(mux *http.ServeMux) {
	mux.Handle("GET /intake/batches", u.page(u.batchesPage))
	mux.Handle("POST /intake/batches", u.page(u.uploadBatch))
	mux.Handle("GET /intake/batches/template.csv", u.page(u.batchTemplate("csv")))
	mux.Handle("GET /intake/batches/template.xlsx", u.page(u.batchTemplate("xlsx")))
	mux.Handle("GET /intake/batches/{id}", u.page(u.batchPage))
}

// batchItem is a batch as the pages show it.
type batchItem struct {
	intake.Batch
	StatusLabel string
	FormatLabel string
	CourtName   string
}

func itemOf(b intake.Batch, court string) batchItem {
	return batchItem{Batch: b, StatusLabel: intake.BatchStatusLabel(b.Status), FormatLabel: intake.BatchFormatLabel(b.Format), CourtName: court}
}

// rowItem is a row outcome as the page shows it.
type rowItem struct {
	intake.BatchRow
	StatusLabel string
}

type batchesView struct {
	Courts     []org.Court // where the user may file
	Court      string      // the court chosen in the form
	Error      string
	Batches    []batchItem
	NextCursor string
	Cursor     string
	Running    bool // a batch on this page is still running: the list refreshes itself
	Columns    []intake.Column
	MaxMiB     int
	MaxRows    int
}

func (u *UI) batchesView(r *http.Request, p *access.Principal, v *batchesView) error {
	ctx := r.Context()
	courts, err := org.VisibleCourts(ctx, u.DB)
	if err != nil {
		return err
	}
	names := map[uuid.UUID]string{}
	for _, c := range courts {
		names[c.ID] = c.ShortName
		if c.Active {
			v.Courts = append(v.Courts, c)
		}
	}
	if v.Court == "" {
		v.Court = p.CourtID.String()
	}
	v.Cursor = r.URL.Query().Get("cursor")
	pg, err := intake.ListBatches(ctx, u.DB, intake.BatchFilter{}, page.Request{Limit: 20, Cursor: v.Cursor})
	if err != nil {
		return err
	}
	v.NextCursor = pg.NextCursor
	for _, b := range pg.Items {
		v.Batches = append(v.Batches, itemOf(b, names[b.CourtID]))
		v.Running = v.Running || b.Status == intake.BatchRunning
	}
	v.Columns, v.MaxMiB, v.MaxRows = intake.BatchColumns(), intake.MaxBatchBytes>>20, intake.MaxBatchRows
	return nil
}

func (u *UI) batchesPage(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	if err := p.Require(access.ApplicationsRegister); err != nil {
		return err
	}
	var v batchesView
	if err := u.batchesView(r, p, &v); err != nil {
		return err
	}
	return u.render(w, r, http.StatusOK, "bulk_batches", "批量立案", "bulk", v)
}

func (u *UI) uploadBatch(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	if err := p.Require(access.ApplicationsRegister); err != nil {
		return err
	}
	court, name, content, err := readUpload(w, r)
	var b intake.Batch
	created := false
	if err == nil {
		b, created, err = intake.SubmitBatch(r.Context(), u.DB, intake.BatchInput{CourtID: court, FileName: name, Content: content})
	}
	if err != nil {
		// Problems of the upload are shown above the form; others on the
		// error page.
		e, ok := apperr.As(err)
		if !ok || e.Kind != apperr.Invalid && e.Kind != apperr.TooLarge && e.Kind != apperr.BadRequest {
			return err
		}
		v := batchesView{Court: r.FormValue("court"), Error: e.Detail}
		if verr := u.batchesView(r, p, &v); verr != nil {
			return verr
		}
		status := http.StatusUnprocessableEntity
		if e.Kind == apperr.TooLarge {
			status = http.StatusRequestEntityTooLarge
		}
		return u.render(w, r, status, "bulk_batches", "批量立案", "bulk", v)
	}
	done := "uploaded"
	if !created {
		done = "duplicate"
	}
	redirect(w, r, "/intake/batches/"+b.ID.String(), done)
	return nil
}

// readUpload reads the upload form: the court and the file, at most
// intake.MaxBatchBytes.
func readUpload(w http.ResponseWriter, r *http.Request) (court uuid.UUID, name string, content []byte, err error) {
	tooLarge := apperr.New(apperr.TooLarge, "file_too_large", fmt.Sprintf("文件超过 %d MiB，请拆分后分批上传", intake.MaxBatchBytes>>20))
	r.Body = http.MaxBytesReader(w, r.Body, maxUpload)
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return court, "", nil, tooLarge
		}
		return court, "", nil, apperr.New(apperr.BadRequest, "bad_form", "上传的表单无法解析，请重新选择文件上传")
	}
	defer r.MultipartForm.RemoveAll()
	if court, err = uuid.Parse(strings.TrimSpace(r.FormValue("court"))); err != nil {
		return court, "", nil, apperr.InvalidField("unknown_court", "body.court", "请选择受理法院")
	}
	f, hdr, err := r.FormFile("file")
	if err != nil {
		return court, "", nil, apperr.InvalidField("missing_file", "body.file", "请选择要上传的 CSV 或 XLSX 文件")
	}
	defer f.Close()
	content, err = io.ReadAll(io.LimitReader(f, intake.MaxBatchBytes+1))
	if err != nil {
		return court, "", nil, err
	}
	if len(content) > intake.MaxBatchBytes {
		return court, "", nil, tooLarge
	}
	return court, hdr.Filename, content, nil
}

type batchView struct {
	Batch  batchItem
	Rows   []rowItem
	Status string // the rows shown: "", "error", "created"
	Cursor string
	Next   string
	Self   string // this view's address, for the refresh
}

func (u *UI) batchPage(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	b, err := intake.GetBatch(ctx, u.DB, id)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	court := ""
	if c, err := org.GetCourt(ctx, u.DB, b.CourtID); err == nil {
		court = c.Name
	}
	v := batchView{Batch: itemOf(b, court), Status: q.Get("status"), Cursor: q.Get("cursor")}
	if v.Status != "error" && v.Status != intake.RowCreated {
		v.Status = ""
	}
	pg, err := intake.BatchRows(ctx, u.DB, id, intake.BatchRowFilter{Status: v.Status, ErrorsFirst: true}, page.Request{Limit: 100, Cursor: v.Cursor})
	if err != nil {
		return err
	}
	v.Next = pg.NextCursor
	for _, r := range pg.Items {
		v.Rows = append(v.Rows, rowItem{BatchRow: r, StatusLabel: intake.RowStatusLabel(r.Status)})
	}
	self := url.Values{}
	for k, val := range map[string]string{"status": v.Status, "cursor": v.Cursor} {
		if val != "" {
			self.Set(k, val)
		}
	}
	v.Self = "/intake/batches/" + b.ID.String()
	if len(self) > 0 {
		v.Self += "?" + self.Encode()
	}
	return u.render(w, r, http.StatusOK, "bulk_batch", "批量立案："+b.FileName, "bulk", v)
}

func (u *UI) batchTemplate(format string) pageFunc {
	return func(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
		if err := p.Require(access.ApplicationsRegister); err != nil {
			return err
		}
		data, err := intake.BatchTemplate(format)
		if err != nil {
			return err
		}
		ct := "text/csv; charset=utf-8"
		if format == "xlsx" {
			ct = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
		}
		h := w.Header()
		h.Set("Content-Type", ct)
		h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="bulk-intake-template.%s"; filename*=UTF-8''%s`,
			format, url.PathEscape("批量立案模板."+format)))
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Cache-Control", "no-store")
		_, err = w.Write(data)
		return err
	}
}
