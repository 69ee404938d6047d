package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/org"
	"github.com/zhixing-court/zhixing/internal/page"
	"github.com/zhixing-court/zhixing/internal/store"
)

// CourtOut is a court.
type CourtOut struct {
	ID           string    `json:"id"`
	Code         string    `json:"code" example:"粤0607" doc:"法院代字"`
	Name         string    `json:"name" example:"佛山市三水区人民法院"`
	ShortName    string    `json:"short_name" example:"三水法院"`
	Level        string    `json:"level" enum:"supreme,high,intermediate,basic"`
	LevelLabel   string    `json:"level_label" example:"基层人民法院"`
	ParentID     *string   `json:"parent_id"`
	DivisionCode string    `json:"division_code,omitempty" example:"440607" doc:"GB/T 2260 行政区划代码"`
	Confidence   string    `json:"confidence" enum:"firm,check" doc:"firm：已核实；check：待核实（DOMAIN.md §0）"`
	Active       bool      `json:"active"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
}

func courtOut(c org.Court) CourtOut {
	return CourtOut{ID: c.ID.String(), Code: c.Code, Name: c.Name, ShortName: c.ShortName, Level: string(c.Level),
		LevelLabel: c.Level.Label(), ParentID: optionalID(c.ParentID), DivisionCode: c.DivisionCode,
		Confidence: c.Confidence, Active: c.Active, CreatedAt: c.CreatedAt.UTC(), UpdatedAt: c.UpdatedAt.UTC()}
}

type listCourtsInput struct {
	ParentID string `query:"parent_id" doc:"只列此法院的直接下级"`
	Level    string `query:"level" enum:"supreme,high,intermediate,basic" doc:"只列此级别"`
	ListParams
}

type courtIDInput struct {
	ID string `path:"id" doc:"法院 ID"`
}

type createCourtInput struct {
	Body struct {
		Code         string `json:"code" maxLength:"16" doc:"法院代字（CODE-1）"`
		Name         string `json:"name" maxLength:"64"`
		ShortName    string `json:"short_name" maxLength:"16"`
		Level        string `json:"level" enum:"supreme,high,intermediate,basic"`
		ParentID     string `json:"parent_id,omitempty" doc:"上级法院 ID；只有系统管理员可以不填"`
		DivisionCode string `json:"division_code,omitempty" maxLength:"6"`
		Confidence   string `json:"confidence,omitempty" enum:"firm,check"`
	}
}

type updateCourtInput struct {
	ID   string `path:"id"`
	Body struct {
		Code         *string `json:"code,omitempty" maxLength:"16" doc:"法院代字；行政区划调整后法院保留原代字（CODE-6），此处仅用于更正"`
		Name         *string `json:"name,omitempty" maxLength:"64"`
		ShortName    *string `json:"short_name,omitempty" maxLength:"16"`
		DivisionCode *string `json:"division_code,omitempty" maxLength:"6"`
		Confidence   *string `json:"confidence,omitempty" enum:"firm,check"`
		Active       *bool   `json:"active,omitempty"`
	}
}

func (h *handlers) courts(a huma.API) {
	huma.Register(a, op(http.MethodGet, "/courts", "listCourts", "列出法院（参考数据，所有登录用户可读）", "法院与团队"),
		func(ctx context.Context, in *listCourtsInput) (*Body[List[CourtOut]], error) {
			parent, err := parseOptionalID(in.ParentID, "query.parent_id")
			if err != nil {
				return nil, err
			}
			limit, err := in.request().LimitOrDefault()
			if err != nil {
				return nil, err
			}
			var after string
			if in.Cursor != "" {
				if err := page.Decode(in.Cursor, &after); err != nil {
					return nil, err
				}
			}
			if _, err := access.Must(ctx); err != nil {
				return nil, err
			}
			all, err := org.Courts(ctx, h.DB)
			if err != nil {
				return nil, err
			}
			var picked []org.Court
			for _, c := range all { // ordered by code
				if c.Code <= after && after != "" || parent != uuid.Nil && c.ParentID != parent || in.Level != "" && string(c.Level) != in.Level {
					continue
				}
				picked = append(picked, c)
				if len(picked) > limit {
					break
				}
			}
			return body(listOf(page.Trim(picked, limit, func(c org.Court) any { return c.Code }), courtOut)), nil
		})

	huma.Register(a, op(http.MethodGet, "/courts/{id}", "getCourt", "查看法院", "法院与团队"),
		func(ctx context.Context, in *courtIDInput) (*Body[CourtOut], error) {
			id, err := parseID(in.ID, "path.id")
			if err != nil {
				return nil, err
			}
			if _, err := access.Must(ctx); err != nil {
				return nil, err
			}
			c, err := org.GetCourt(ctx, h.DB, id)
			if err != nil {
				return nil, err
			}
			return body(courtOut(c)), nil
		})

	huma.Register(a, op(http.MethodPost, "/courts", "createCourt", "新建法院（在本人管理的法院之下）", "法院与团队"),
		func(ctx context.Context, in *createCourtInput) (*Body[CourtOut], error) {
			b := in.Body
			parent, err := parseOptionalID(b.ParentID, "body.parent_id")
			if err != nil {
				return nil, err
			}
			c, err := store.TransactValue(ctx, h.DB, func(ctx context.Context, tx *store.Tx) (org.Court, error) {
				return org.CreateCourt(ctx, tx, org.CourtInput{Code: b.Code, Name: b.Name, ShortName: b.ShortName,
					Level: org.Level(b.Level), ParentID: parent, DivisionCode: b.DivisionCode, Confidence: b.Confidence})
			})
			if err != nil {
				return nil, err
			}
			return body(courtOut(c)), nil
		})

	huma.Register(a, op(http.MethodPatch, "/courts/{id}", "updateCourt", "修改法院", "法院与团队"),
		func(ctx context.Context, in *updateCourtInput) (*Body[CourtOut], error) {
			id, err := parseID(in.ID, "path.id")
			if err != nil {
				return nil, err
			}
			b := in.Body
			c, err := store.TransactValue(ctx, h.DB, func(ctx context.Context, tx *store.Tx) (org.Court, error) {
				return org.UpdateCourt(ctx, tx, id, org.CourtPatch{Code: trimmed(b.Code), Name: trimmed(b.Name),
					ShortName: trimmed(b.ShortName), DivisionCode: trimmed(b.DivisionCode), Confidence: b.Confidence, Active: b.Active})
			})
			if err != nil {
				return nil, err
			}
			return body(courtOut(c)), nil
		})
}
