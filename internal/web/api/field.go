package api

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"
	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/files"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/tasks"
)

const fieldTag = "外勤"

// FieldResultOut is what the field officer recorded on site.
type FieldResultOut struct {
	Outcome         string    `json:"outcome" enum:"found_property,nothing_found,seized,evicted,served,not_at_address,obstructed"`
	OutcomeLabel    string    `json:"outcome_label"`
	Findings        string    `json:"findings" doc:"现场情况"`
	ArrivedAt       time.Time `json:"arrived_at" doc:"到达现场的时间"`
	LeftAt          time.Time `json:"left_at" doc:"离开现场的时间"`
	OfficersPresent []string  `json:"officers_present" nullable:"false" doc:"在场人员（第一位为记录结果的外勤人员）"`
	RecordedByName  string    `json:"recorded_by_name"`
	RecordedAt      time.Time `json:"recorded_at"`
}

// FieldPhotoOut is a photo of a field task.
type FieldPhotoOut struct {
	ID             string    `json:"id"`
	ContentType    string    `json:"content_type" enum:"image/jpeg,image/png"`
	SizeBytes      int64     `json:"size_bytes"`
	SHA256         string    `json:"sha256" doc:"照片内容的 SHA-256（十六进制）"`
	InResult       bool      `json:"in_result" doc:"已随结果提交；为 false 时是已上传、尚未随结果提交的照片"`
	URL            string    `json:"url" doc:"取回照片的地址（须有查看该案件的权限）"`
	UploadedByName string    `json:"uploaded_by_name"`
	CreatedAt      time.Time `json:"created_at"`
}

func fieldPhotoOut(p tasks.FieldPhoto) FieldPhotoOut {
	return FieldPhotoOut{ID: p.ID.String(), ContentType: p.ContentType, SizeBytes: p.SizeBytes, SHA256: p.SHA256, InResult: p.InResult,
		URL: Prefix + "/field-tasks/" + p.TaskID.String() + "/photos/" + p.ID.String(), UploadedByName: p.UploadedByName, CreatedAt: p.CreatedAt}
}

// FieldTaskOut is a field task (外勤任务).
type FieldTaskOut struct {
	ID               string          `json:"id"`
	CourtID          string          `json:"court_id"`
	CourtName        string          `json:"court_name"`
	CaseID           string          `json:"case_id"`
	CaseNo           string          `json:"case_no"`
	PartyNames       string          `json:"party_names"`
	Kind             string          `json:"kind" enum:"investigate,seize,evict,serve" doc:"investigate 现场调查、seize 现场查封扣押、evict 腾退、serve 现场送达"`
	KindLabel        string          `json:"kind_label"`
	Status           string          `json:"status" enum:"requested,registered,assigned,done,cancelled" doc:"requested 待登记 → registered 已交外勤组待派员 → assigned 办理中 → done 已办结；cancelled 已撤销"`
	StatusLabel      string          `json:"status_label"`
	Address          string          `json:"address"`
	Area             string          `json:"area" doc:"所在片区（外勤组按片区分工）"`
	Instructions     string          `json:"instructions" doc:"需要做什么"`
	DueOn            string          `json:"due_on,omitempty" doc:"发起人希望完成的最后一日"`
	AssetID          *string         `json:"asset_id,omitempty" doc:"所涉财产（网络查控查得的本案当事人财产）"`
	AssetLabel       string          `json:"asset_label,omitempty"`
	RequestedBy      string          `json:"requested_by"`
	RequestedByName  string          `json:"requested_by_name"`
	GroupID          *string         `json:"group_id,omitempty" doc:"承办的外勤组"`
	GroupName        string          `json:"group_name,omitempty"`
	RegisteredByName string          `json:"registered_by_name,omitempty"`
	RegisteredAt     *time.Time      `json:"registered_at,omitempty"`
	OfficerID        *string         `json:"officer_id,omitempty" doc:"承办的外勤人员"`
	OfficerName      string          `json:"officer_name,omitempty"`
	AssignedByName   string          `json:"assigned_by_name,omitempty"`
	AssignedAt       *time.Time      `json:"assigned_at,omitempty"`
	Returns          int             `json:"returns" doc:"外勤人员退回的次数"`
	ReturnReason     string          `json:"return_reason,omitempty" doc:"最近一次退回的原因"`
	Result           *FieldResultOut `json:"result,omitempty"`
	CancelReason     string          `json:"cancel_reason,omitempty"`
	CancelledByName  string          `json:"cancelled_by_name,omitempty"`
	CancelledAt      *time.Time      `json:"cancelled_at,omitempty"`
	Photos           []FieldPhotoOut `json:"photos" nullable:"false" doc:"已办结：结果所附照片（按顺序）；办理中：已上传待提交的照片。列表中不含照片"`
	CreatedAt        time.Time       `json:"created_at"`
	UpdatedAt        time.Time       `json:"updated_at"`
}

func fieldTaskOut(t *tasks.FieldTask) FieldTaskOut {
	o := FieldTaskOut{ID: t.ID.String(), CourtID: t.CourtID.String(), CourtName: t.CourtName, CaseID: t.CaseID.String(), CaseNo: t.CaseNo,
		PartyNames: t.PartyNames, Kind: string(t.Kind), KindLabel: t.Kind.Label(), Status: string(t.Status), StatusLabel: t.Status.Label(),
		Address: t.Address, Area: t.Area, Instructions: t.Instructions, AssetID: optionalID(t.AssetID), AssetLabel: t.AssetLabel,
		RequestedBy: t.RequestedBy.String(), RequestedByName: t.RequestedByName, GroupID: optionalID(t.GroupID), GroupName: t.GroupName,
		RegisteredByName: t.RegisteredByName, RegisteredAt: instant(t.RegisteredAt), OfficerID: optionalID(t.OfficerID),
		OfficerName: t.OfficerName, AssignedByName: t.AssignedByName, AssignedAt: instant(t.AssignedAt), Returns: t.Returns,
		ReturnReason: t.ReturnReason, CancelReason: t.CancelReason, CancelledByName: t.CancelledByName, CancelledAt: instant(t.CancelledAt),
		Photos: []FieldPhotoOut{}, CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt}
	if !t.DueOn.IsZero() {
		o.DueOn = t.DueOn.String()
	}
	if r := t.Result; r != nil {
		o.Result = &FieldResultOut{Outcome: string(r.Outcome), OutcomeLabel: r.Outcome.Label(), Findings: r.Findings, ArrivedAt: r.ArrivedAt,
			LeftAt: r.LeftAt, OfficersPresent: append([]string{}, r.OfficersPresent...), RecordedByName: r.RecordedByName, RecordedAt: r.RecordedAt}
	}
	for _, p := range t.Photos {
		o.Photos = append(o.Photos, fieldPhotoOut(p))
	}
	return o
}

// FieldTaskIn asks for a field task.
type FieldTaskIn struct {
	Kind         string `json:"kind" enum:"investigate,seize,evict,serve" doc:"investigate 现场调查、seize 现场查封扣押、evict 腾退、serve 现场送达"`
	Address      string `json:"address" maxLength:"200" doc:"现场地址"`
	Area         string `json:"area,omitempty" maxLength:"64" doc:"所在片区（镇街等）；外勤事务中心登记时确认" example:"西南街道"`
	Instructions string `json:"instructions" maxLength:"2000" doc:"需要做什么"`
	DueOn        string `json:"due_on,omitempty" doc:"希望完成的最后一日（YYYY-MM-DD），不早于今天"`
	AssetID      string `json:"asset_id,omitempty" doc:"所涉财产的 id（本案当事人的财产），可不填"`
}

type fieldListInput struct {
	Status    []string `query:"status" enum:"requested,registered,assigned,done,cancelled" doc:"状态，可用逗号分隔多个；不填为全部"`
	Area      string   `query:"area" maxLength:"64" doc:"片区"`
	CourtID   string   `query:"court_id" doc:"法院"`
	GroupID   string   `query:"group_id" doc:"外勤组"`
	OfficerID string   `query:"officer_id" doc:"外勤人员"`
	Mine      bool     `query:"mine" doc:"只列派给我的任务"`
	ListParams
}

type fieldReasonInput struct {
	ID   string `path:"id"`
	Body struct {
		Reason string `json:"reason" maxLength:"1000"`
	}
}

// fieldUploadKey carries the photo upload's request to its handler.
type fieldUploadKey struct{}

// maxPhotoUpload bounds the photo upload form: the photo and the form
// around it.
const maxPhotoUpload = files.MaxImageBytes + 64<<10

func (h *handlers) field(a huma.API) {
	co := op(http.MethodPost, "/cases/{id}/field-tasks", "requestFieldTask", "发起外勤任务：请外勤事务中心派员到现场调查、查封扣押、腾退或送达", fieldTag)
	co.Errors = append(co.Errors, 404)
	huma.Register(a, co, func(ctx context.Context, in *struct {
		ID   string `path:"id"`
		Body FieldTaskIn
	}) (*Body[FieldTaskOut], error) {
		due, err := date(in.Body.DueOn, "body.due_on")
		if err != nil {
			return nil, err
		}
		asset, err := parseOptionalID(in.Body.AssetID, "body.asset_id")
		if err != nil {
			return nil, err
		}
		return change(ctx, h.DB, in.ID, func(ctx context.Context, tx *store.Tx, id uuid.UUID) (*tasks.FieldTask, error) {
			return tasks.RequestField(ctx, tx, id, tasks.RequestInput{Kind: tasks.FieldKind(in.Body.Kind), Address: in.Body.Address,
				Area: in.Body.Area, Instructions: in.Body.Instructions, DueOn: due, AssetID: asset})
		}, fieldTaskOut)
	})

	huma.Register(a, op(http.MethodGet, "/cases/{id}/field-tasks", "listCaseFieldTasks", "案件的外勤任务（先发起的在前）", fieldTag),
		func(ctx context.Context, in *struct {
			ID string `path:"id"`
			ListParams
		}) (*Body[List[FieldTaskOut]], error) {
			id, err := parseID(in.ID, "path.id")
			if err != nil {
				return nil, err
			}
			pg, err := tasks.CaseFieldTasks(ctx, h.DB, id, in.request())
			if err != nil {
				return nil, err
			}
			return body(listOf(pg, fieldTaskOut)), nil
		})

	lo := op(http.MethodGet, "/field-tasks", "listFieldTasks", "外勤任务：外勤事务中心的收件箱，或外勤人员本组的任务（先发起的在前）", fieldTag)
	lo.Description = "外勤事务中心（field.manage）可见管辖法院的全部外勤任务；外勤人员（field.work）只见本组的任务。" +
		"收件箱即 status=requested,registered。"
	huma.Register(a, lo, func(ctx context.Context, in *fieldListInput) (*Body[List[FieldTaskOut]], error) {
		p, err := access.Must(ctx)
		if err != nil {
			return nil, err
		}
		f := tasks.FieldFilter{Area: in.Area}
		for _, s := range in.Status {
			f.Statuses = append(f.Statuses, tasks.FieldStatus(s))
		}
		if f.CourtID, err = parseOptionalID(in.CourtID, "query.court_id"); err != nil {
			return nil, err
		}
		if f.GroupID, err = parseOptionalID(in.GroupID, "query.group_id"); err != nil {
			return nil, err
		}
		if f.OfficerID, err = parseOptionalID(in.OfficerID, "query.officer_id"); err != nil {
			return nil, err
		}
		if in.Mine {
			if f.OfficerID != uuid.Nil && f.OfficerID != p.UserID {
				return nil, apperr.InvalidField("conflicting_filters", "query.mine", "mine 与 officer_id 不能指向不同的人")
			}
			f.OfficerID = p.UserID
		}
		pg, err := tasks.ListField(ctx, h.DB, f, in.request())
		if err != nil {
			return nil, err
		}
		return body(listOf(pg, fieldTaskOut)), nil
	})

	huma.Register(a, op(http.MethodGet, "/field-tasks/{id}", "getFieldTask", "查看外勤任务及其结果与照片", fieldTag),
		func(ctx context.Context, in *idPath) (*Body[FieldTaskOut], error) {
			id, err := parseID(in.ID, "path.id")
			if err != nil {
				return nil, err
			}
			t, err := tasks.GetField(ctx, h.DB, id)
			if err != nil {
				return nil, err
			}
			return body(fieldTaskOut(t)), nil
		})

	type registrationInput struct {
		ID   string `path:"id"`
		Body struct {
			Area      string `json:"area,omitempty" maxLength:"64" doc:"确认或更正片区；不填则沿用发起时的片区"`
			GroupID   string `json:"group_id,omitempty" doc:"外勤组；不填时：指定了外勤人员则为其所在组，否则为负责该片区的外勤组（无则为不分片区的外勤组）"`
			OfficerID string `json:"officer_id,omitempty" doc:"同时派给该组的这位外勤人员，可不填"`
		}
	}
	ro := op(http.MethodPost, "/field-tasks/{id}/registration", "registerFieldTask",
		"外勤事务中心登记外勤任务：确认片区，交该片区的外勤组（可另行指定），可同时派员；尚未派员的任务可重新登记", fieldTag)
	ro.DefaultStatus = http.StatusOK
	ro.Errors = append(ro.Errors, 404)
	huma.Register(a, ro, func(ctx context.Context, in *registrationInput) (*Body[FieldTaskOut], error) {
		group, err := parseOptionalID(in.Body.GroupID, "body.group_id")
		if err != nil {
			return nil, err
		}
		officer, err := parseOptionalID(in.Body.OfficerID, "body.officer_id")
		if err != nil {
			return nil, err
		}
		return change(ctx, h.DB, in.ID, func(ctx context.Context, tx *store.Tx, id uuid.UUID) (*tasks.FieldTask, error) {
			return tasks.RegisterField(ctx, tx, id, tasks.RegistrationInput{Area: in.Body.Area, GroupID: group, OfficerID: officer})
		}, fieldTaskOut)
	})

	type assignmentInput struct {
		ID   string `path:"id"`
		Body struct {
			OfficerID string `json:"officer_id" doc:"该任务所在外勤组的外勤人员"`
		}
	}
	ao := op(http.MethodPost, "/field-tasks/{id}/assignment", "assignFieldTask", "派员：把已登记的外勤任务派给本组的外勤人员，或改派给同组另一人", fieldTag)
	ao.DefaultStatus = http.StatusOK
	ao.Errors = append(ao.Errors, 404)
	huma.Register(a, ao, func(ctx context.Context, in *assignmentInput) (*Body[FieldTaskOut], error) {
		officer, err := parseID(in.Body.OfficerID, "body.officer_id")
		if err != nil {
			return nil, err
		}
		return change(ctx, h.DB, in.ID, func(ctx context.Context, tx *store.Tx, id uuid.UUID) (*tasks.FieldTask, error) {
			return tasks.AssignField(ctx, tx, id, officer)
		}, fieldTaskOut)
	})

	for _, c := range []struct {
		path, id, summary string
		fn                func(context.Context, *store.Tx, uuid.UUID, string) (*tasks.FieldTask, error)
	}{
		{"/field-tasks/{id}/cancellation", "cancelFieldTask", "撤销尚未办结的外勤任务（发起人、案件承办人或外勤事务中心），须写明理由", tasks.CancelField},
		{"/field-tasks/{id}/return", "returnFieldTask", "外勤人员退回无法办理的任务（写明原因），任务回到外勤事务中心待重新派员", tasks.ReturnField},
	} {
		o := op(http.MethodPost, c.path, c.id, c.summary, fieldTag)
		o.DefaultStatus = http.StatusOK
		o.Errors = append(o.Errors, 404)
		huma.Register(a, o, func(ctx context.Context, in *fieldReasonInput) (*Body[FieldTaskOut], error) {
			return change(ctx, h.DB, in.ID, func(ctx context.Context, tx *store.Tx, id uuid.UUID) (*tasks.FieldTask, error) {
				return c.fn(ctx, tx, id, in.Body.Reason)
			}, fieldTaskOut)
		})
	}

	po := op(http.MethodPost, "/field-tasks/{id}/photos", "uploadFieldPhoto", "承办的外勤人员上传一张现场照片，记录结果时选用", fieldTag)
	po.Description = fmt.Sprintf("multipart/form-data，字段 photo：一张 JPEG 或 PNG 照片，最大 %d MiB（按内容判断格式）。"+
		"记录结果时在 photo_ids 中列出要附的照片（最多 %d 张）；未选用的照片随结果提交删除。每项任务暂存的照片最多 %d 张。",
		files.MaxImageBytes>>20, tasks.MaxFieldPhotos, tasks.MaxPendingPhotos)
	po.MaxBodyBytes = maxPhotoUpload
	po.Errors = append(po.Errors, 404)
	// The handler reads the form itself, to bound it and to answer in
	// Chinese (see the bulk upload).
	po.Middlewares = huma.Middlewares{func(ctx huma.Context, next func(huma.Context)) {
		r, _ := humago.Unwrap(ctx)
		next(huma.WithValue(ctx, fieldUploadKey{}, r))
	}}
	huma.Register(a, po, func(ctx context.Context, in *idPath) (*Body[FieldPhotoOut], error) {
		id, err := parseID(in.ID, "path.id")
		if err != nil {
			return nil, err
		}
		if _, err := access.Must(ctx); err != nil {
			return nil, err
		}
		r, _ := ctx.Value(fieldUploadKey{}).(*http.Request)
		if r == nil {
			return nil, errors.New("api: photo upload without its request")
		}
		data, err := readPhoto(r)
		if err != nil {
			return nil, err
		}
		ph, err := store.TransactValue(ctx, h.DB, func(ctx context.Context, tx *store.Tx) (*tasks.FieldPhoto, error) {
			return tasks.AddFieldPhoto(ctx, tx, id, data)
		})
		if err != nil {
			return nil, err
		}
		return body(fieldPhotoOut(*ph)), nil
	})
	if item := a.OpenAPI().Paths[Prefix+"/field-tasks/{id}/photos"]; item != nil && item.Post != nil {
		item.Post.RequestBody = &huma.RequestBody{Required: true, Content: map[string]*huma.MediaType{
			"multipart/form-data": {Schema: &huma.Schema{Type: "object", Required: []string{"photo"},
				Properties: map[string]*huma.Schema{
					"photo": {Type: "string", Format: "binary", Description: "JPEG 或 PNG 照片"},
				}}}}}
	}

	type resultInput struct {
		ID   string `path:"id"`
		Body struct {
			Outcome         string    `json:"outcome" enum:"found_property,nothing_found,seized,evicted,served,not_at_address,obstructed" doc:"found_property 发现可供执行的财产、nothing_found 未发现、seized 已查封扣押、evicted 已腾退、served 已送达、not_at_address 人不在或地址不符、obstructed 遇阻挠未能完成；须与任务事项相符"`
			Findings        string    `json:"findings" maxLength:"4000" doc:"现场情况"`
			ArrivedAt       time.Time `json:"arrived_at" doc:"到达现场的时间"`
			LeftAt          time.Time `json:"left_at" doc:"离开现场的时间"`
			OfficersPresent []string  `json:"officers_present,omitempty" doc:"除本人外的在场人员（执行人员、司法警察），连同本人最多 10 人；查封、扣押、腾退须有两人以上在场"`
			PhotoIDs        []string  `json:"photo_ids,omitempty" doc:"已上传照片的 id，按要保存的顺序，最多 12 张；查封、扣押、腾退须附照片"`
		}
	}
	rso := op(http.MethodPost, "/field-tasks/{id}/result", "recordFieldResult", "承办的外勤人员记录现场结果：任务办结，结果写入案件时间线", fieldTag)
	rso.DefaultStatus = http.StatusOK
	rso.Errors = append(rso.Errors, 404)
	huma.Register(a, rso, func(ctx context.Context, in *resultInput) (*Body[FieldTaskOut], error) {
		var photos []uuid.UUID
		for i, s := range in.Body.PhotoIDs {
			id, err := parseID(s, "body.photo_ids["+strconv.Itoa(i)+"]")
			if err != nil {
				return nil, err
			}
			photos = append(photos, id)
		}
		return change(ctx, h.DB, in.ID, func(ctx context.Context, tx *store.Tx, id uuid.UUID) (*tasks.FieldTask, error) {
			return tasks.RecordFieldResult(ctx, tx, id, tasks.ResultInput{Outcome: tasks.Outcome(in.Body.Outcome), Findings: in.Body.Findings,
				ArrivedAt: in.Body.ArrivedAt, LeftAt: in.Body.LeftAt, OfficersPresent: in.Body.OfficersPresent, PhotoIDs: photos})
		}, fieldTaskOut)
	})

	type photoInput struct {
		ID    string `path:"id"`
		Photo string `path:"photo"`
	}
	type photoOut struct {
		ContentType  string `header:"Content-Type"`
		CacheControl string `header:"Cache-Control"`
		ETag         string `header:"ETag"`
		NoSniff      string `header:"X-Content-Type-Options"`
		Body         []byte
	}
	huma.Register(a, op(http.MethodGet, "/field-tasks/{id}/photos/{photo}", "getFieldPhoto", "取回外勤任务的一张照片（须有查看该案件的权限）", fieldTag),
		func(ctx context.Context, in *photoInput) (*photoOut, error) {
			id, err := parseID(in.ID, "path.id")
			if err != nil {
				return nil, err
			}
			photo, err := parseID(in.Photo, "path.photo")
			if err != nil {
				return nil, err
			}
			f, err := tasks.FieldPhotoFile(ctx, h.DB, id, photo)
			if err != nil {
				return nil, err
			}
			return &photoOut{ContentType: f.ContentType, CacheControl: "private, max-age=86400", ETag: `"` + f.SHA256 + `"`, NoSniff: "nosniff",
				Body: f.Data}, nil
		})
	if item := a.OpenAPI().Paths[Prefix+"/field-tasks/{id}/photos/{photo}"]; item != nil && item.Get != nil {
		if r := item.Get.Responses["200"]; r != nil {
			r.Description = "照片"
			r.Content = map[string]*huma.MediaType{
				files.JPEG: {Schema: &huma.Schema{Type: "string", Format: "binary"}},
				files.PNG:  {Schema: &huma.Schema{Type: "string", Format: "binary"}},
			}
		}
	}
}

// readPhoto reads the "photo" of a multipart form of at most one image.
func readPhoto(r *http.Request) ([]byte, error) {
	tooLarge := apperr.New(apperr.TooLarge, "file_too_large", fmt.Sprintf("每张照片不能超过 %d MiB", files.MaxImageBytes>>20),
		apperr.FieldError{Field: "body.photo", Detail: "照片过大"})
	r.Body = http.MaxBytesReader(nil, r.Body, maxPhotoUpload)
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, tooLarge
		}
		return nil, apperr.New(apperr.BadRequest, "bad_multipart", "请以 multipart/form-data 上传照片（字段 photo）")
	}
	defer r.MultipartForm.RemoveAll()
	if n := len(r.MultipartForm.File["photo"]); n != 1 {
		if n == 0 {
			return nil, apperr.InvalidField("missing_file", "body.photo", "请选择要上传的照片")
		}
		return nil, apperr.InvalidField("one_photo_at_a_time", "body.photo", "每次上传一张照片")
	}
	f, err := r.MultipartForm.File["photo"][0].Open()
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, files.MaxImageBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > files.MaxImageBytes {
		return nil, tooLarge
	}
	return data, nil
}
