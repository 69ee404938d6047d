package api

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/calendar"
	"github.com/zhixing-court/zhixing/internal/jobs"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/store"
)

const (
	calendarTag = "节假日日历"
	jobsTag     = "后台任务"
)

// CalendarDayOut is a day that departs from the weekly rhythm (CAL-1).
type CalendarDayOut struct {
	Date      string `json:"date" example:"2026-10-01"`
	Kind      string `json:"kind" enum:"holiday,workday" doc:"holiday 法定节假日（休息）；workday 调休上班"`
	KindLabel string `json:"kind_label" example:"法定节假日"`
	Name      string `json:"name" example:"国庆节"`
	Notice    string `json:"notice,omitempty" example:"国办发明电〔2025〕7号"`
}

// CalendarYearOut is one year of the calendar.
type CalendarYearOut struct {
	Year     int              `json:"year" example:"2026"`
	Workdays int              `json:"workdays" doc:"该年工作日天数（按当前日历计算）"`
	Days     []CalendarDayOut `json:"days" nullable:"false"`
}

func calendarDayOut(d legal.CalendarDay) CalendarDayOut {
	return CalendarDayOut{Date: d.Date.String(), Kind: string(d.Kind), KindLabel: d.Kind.Label(), Name: d.Name, Notice: d.Notice}
}

type calendarYearInput struct {
	Year int `query:"year" minimum:"2000" maximum:"2100" doc:"年份，默认今年"`
}

type calendarDayInput struct {
	Date string `path:"date" maxLength:"10" example:"2026-10-01"`
}

type setCalendarDayInput struct {
	Date string `path:"date" maxLength:"10" example:"2026-10-01"`
	Body struct {
		Kind   string `json:"kind" enum:"holiday,workday"`
		Name   string `json:"name" maxLength:"40" example:"国庆节"`
		Notice string `json:"notice,omitempty" maxLength:"100"`
	}
}

func pathDate(s string) (legal.Date, error) {
	d, err := legal.ParseDate(s)
	if err != nil {
		return d, &apperr.Error{Kind: apperr.BadRequest, Code: "invalid_date", Detail: "日期“" + truncate(s, 20) + "”应为 YYYY-MM-DD 格式的有效日期",
			Fields: []apperr.FieldError{{Field: "path.date", Detail: "应为 YYYY-MM-DD"}}}
	}
	return d, nil
}

func (h *handlers) calendar(a huma.API) {
	huma.Register(a, op(http.MethodGet, "/calendar", "getCalendar", "一年中的法定节假日与调休上班日（CAL-1）", calendarTag),
		func(ctx context.Context, in *calendarYearInput) (*Body[CalendarYearOut], error) {
			if _, err := access.Must(ctx); err != nil {
				return nil, err
			}
			year := in.Year
			if year == 0 {
				year = legal.Today(time.Now()).Year()
			}
			return calendarYear(ctx, h.DB, year)
		})
	huma.Register(a, op(http.MethodPut, "/calendar/{date}", "setCalendarDay", "设置一天为法定节假日或调休上班日", calendarTag),
		func(ctx context.Context, in *setCalendarDayInput) (*Body[CalendarYearOut], error) {
			d, err := pathDate(in.Date)
			if err != nil {
				return nil, err
			}
			day := legal.CalendarDay{Date: d, Kind: legal.DayKind(in.Body.Kind), Name: in.Body.Name, Notice: in.Body.Notice}
			if err := h.DB.Transact(ctx, func(ctx context.Context, tx *store.Tx) error { return calendar.SetDay(ctx, tx, day) }); err != nil {
				return nil, err
			}
			return calendarYear(ctx, h.DB, d.Year())
		})
	huma.Register(a, op(http.MethodDelete, "/calendar/{date}", "deleteCalendarDay", "取消一天的节假日或调休设置", calendarTag),
		func(ctx context.Context, in *calendarDayInput) (*Body[CalendarYearOut], error) {
			d, err := pathDate(in.Date)
			if err != nil {
				return nil, err
			}
			if err := h.DB.Transact(ctx, func(ctx context.Context, tx *store.Tx) error { return calendar.DeleteDay(ctx, tx, d) }); err != nil {
				return nil, err
			}
			return calendarYear(ctx, h.DB, d.Year())
		})
}

func calendarYear(ctx context.Context, db *store.DB, year int) (*Body[CalendarYearOut], error) {
	days, err := calendar.Days(ctx, db, year)
	if err != nil {
		return nil, err
	}
	cal, err := calendar.Load(ctx, db)
	if err != nil {
		return nil, err
	}
	out := CalendarYearOut{Year: year, Workdays: cal.WorkdaysInYear(year), Days: []CalendarDayOut{}}
	for _, d := range days {
		out.Days = append(out.Days, calendarDayOut(d))
	}
	return body(out), nil
}

// JobOut is a background job as an administrator sees it.
type JobOut struct {
	ID          string          `json:"id"`
	CourtID     *string         `json:"court_id,omitempty" doc:"所属法院；平台任务没有"`
	Kind        string          `json:"kind" example:"intake.batch"`
	Payload     json.RawMessage `json:"payload"`
	DedupeKey   string          `json:"dedupe_key,omitempty"`
	State       string          `json:"state" enum:"pending,running,done,failed,cancelled"`
	StateLabel  string          `json:"state_label" example:"已完成"`
	Priority    int             `json:"priority"`
	Attempts    int             `json:"attempts"`
	MaxAttempts int             `json:"max_attempts"`
	RunAt       time.Time       `json:"run_at"`
	LockedBy    string          `json:"locked_by,omitempty"`
	LockedUntil *time.Time      `json:"locked_until,omitempty"`
	LastError   string          `json:"last_error,omitempty"`
	CreatedAt   time.Time       `json:"created_at"`
	UpdatedAt   time.Time       `json:"updated_at"`
	FinishedAt  *time.Time      `json:"finished_at,omitempty"`
}

func jobOut(j jobs.Info) JobOut {
	return JobOut{ID: j.ID.String(), CourtID: optionalID(j.CourtID), Kind: j.Kind, Payload: j.Payload, DedupeKey: j.DedupeKey,
		State: string(j.State), StateLabel: j.State.Label(), Priority: j.Priority, Attempts: j.Attempts, MaxAttempts: j.MaxAttempts,
		RunAt: j.RunAt, LockedBy: j.LockedBy, LockedUntil: instant(j.LockedUntil), LastError: j.LastError,
		CreatedAt: j.CreatedAt, UpdatedAt: j.UpdatedAt, FinishedAt: instant(j.FinishedAt)}
}

type listJobsInput struct {
	ListParams
	State   string `query:"state" enum:"pending,running,done,failed,cancelled"`
	Kind    string `query:"kind" maxLength:"64"`
	CourtID string `query:"court_id" maxLength:"36"`
}

type jobIDInput struct {
	ID string `path:"id" maxLength:"64"`
}

func (h *handlers) jobs(a huma.API) {
	huma.Register(a, op(http.MethodGet, "/jobs", "listJobs", "列出后台任务（新的在前）", jobsTag),
		func(ctx context.Context, in *listJobsInput) (*Body[List[JobOut]], error) {
			court, err := parseOptionalID(in.CourtID, "query.court_id")
			if err != nil {
				return nil, err
			}
			pg, err := jobs.List(ctx, h.DB, jobs.Filter{State: jobs.State(in.State), Kind: in.Kind, CourtID: court}, in.request())
			if err != nil {
				return nil, err
			}
			return body(listOf(pg, jobOut)), nil
		})
	huma.Register(a, op(http.MethodGet, "/jobs/{id}", "getJob", "查看一个后台任务", jobsTag),
		func(ctx context.Context, in *jobIDInput) (*Body[JobOut], error) {
			id, err := parseID(in.ID, "path.id")
			if err != nil {
				return nil, err
			}
			j, err := jobs.Get(ctx, h.DB, id)
			if err != nil {
				return nil, err
			}
			return body(jobOut(j)), nil
		})
	for _, action := range []struct {
		path, id, summary string
		fn                func(context.Context, *store.DB, uuid.UUID) (jobs.Info, error)
	}{
		{"/jobs/{id}/retry", "retryJob", "重新排队一个失败或已取消的任务", jobs.Retry},
		{"/jobs/{id}/cancel", "cancelJob", "取消一个等待中的任务", jobs.CancelJob},
	} {
		o := op(http.MethodPost, action.path, action.id, action.summary, jobsTag)
		o.DefaultStatus = http.StatusOK
		huma.Register(a, o,
			func(ctx context.Context, in *jobIDInput) (*Body[JobOut], error) {
				id, err := parseID(in.ID, "path.id")
				if err != nil {
					return nil, err
				}
				j, err := action.fn(ctx, h.DB, id)
				if err != nil {
					return nil, err
				}
				return body(jobOut(j)), nil
			})
	}
}
