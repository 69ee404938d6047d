package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/intake"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/org"
	"github.com/zhixing-court/zhixing/internal/store"
)

const intakeTag = "执行申请与立案"

// PartyIn is an applicant or respondent.
type PartyIn struct {
	Kind           string `json:"kind" enum:"person,organization" doc:"person 自然人；organization 单位"`
	Name           string `json:"name" maxLength:"100"`
	IDNumber       string `json:"id_number,omitempty" maxLength:"40" doc:"自然人的居民身份证号码（IDC-1）"`
	CreditCode     string `json:"credit_code,omitempty" maxLength:"40" doc:"单位的统一社会信用代码（USCC-1）"`
	LegalRep       string `json:"legal_rep,omitempty" maxLength:"50" doc:"单位的法定代表人或负责人"`
	Phone          string `json:"phone,omitempty" maxLength:"30"`
	Address        string `json:"address,omitempty" maxLength:"200"`
	Financial      bool   `json:"financial,omitempty" doc:"申请执行人为银行等金融机构"`
	IDOverride     string `json:"id_override,omitempty" enum:"pilot_code,legacy_document,foreign,no_number,other" doc:"证件号码未通过校验时按例外保存的原因（ID-OVR-1）"`
	IDOverrideNote string `json:"id_override_note,omitempty" maxLength:"500"`
}

func (p PartyIn) input() intake.PartyInput {
	return intake.PartyInput{Kind: p.Kind, Name: p.Name, IDNumber: p.IDNumber, CreditCode: p.CreditCode, LegalRep: p.LegalRep,
		Phone: p.Phone, Address: p.Address, Financial: p.Financial, Override: p.IDOverride, OverrideNote: p.IDOverrideNote}
}

// BasisIn is the enforcement basis.
type BasisIn struct {
	Kind               string `json:"kind" enum:"judgment,mediation,arbitration,notarized_debt,other"`
	DocumentNo         string `json:"document_no" maxLength:"100" example:"（2024）粤0607民初1234号"`
	IssuedBy           string `json:"issued_by" maxLength:"100" example:"佛山市三水区人民法院"`
	EffectiveDate      string `json:"effective_date" example:"2024-03-01" doc:"生效日期 YYYY-MM-DD"`
	PerformanceDueDate string `json:"performance_due_date,omitempty" example:"2024-03-15" doc:"履行期限届满日（最后一期）"`
}

// MaterialIn says what was received of one checklist item.
type MaterialIn struct {
	Code     string `json:"code" maxLength:"40"`
	Received bool   `json:"received"`
	Copies   int    `json:"copies,omitempty" minimum:"0" maximum:"99"`
	Note     string `json:"note,omitempty" maxLength:"200"`
}

// ApplicationIn registers an application.
type ApplicationIn struct {
	CourtCode      string       `json:"court_code" maxLength:"16" example:"粤0607" doc:"受理法院代字"`
	CaseType       string       `json:"case_type,omitempty" enum:"first_enforcement,restored_enforcement,preservation_enforcement" doc:"默认 first_enforcement（执）"`
	Applicants     []PartyIn    `json:"applicants" maxItems:"50"`
	Respondents    []PartyIn    `json:"respondents" maxItems:"50"`
	Basis          BasisIn      `json:"basis"`
	ClaimAmountFen int64        `json:"claim_amount_fen" doc:"申请执行金额（分）"`
	NonMoneyClaims string       `json:"non_money_claims,omitempty" maxLength:"2000"`
	Materials      []MaterialIn `json:"materials,omitempty" maxItems:"50"`
	ReceivedOn     string       `json:"received_on,omitempty" doc:"收到申请的日期，默认今天"`
	Note           string       `json:"note,omitempty" maxLength:"1000"`
}

func date(s, field string) (legal.Date, error) {
	if s == "" {
		return legal.Date{}, nil
	}
	d, err := legal.ParseDate(s)
	if err != nil {
		return d, apperr.InvalidField("invalid_date", field, "日期“"+truncate(s, 20)+"”应为 YYYY-MM-DD 格式的有效日期")
	}
	return d, nil
}

func (h *handlers) applicationInput(ctx context.Context, b ApplicationIn, field string) (intake.ApplicationInput, error) {
	var in intake.ApplicationInput
	court, err := org.CourtByCode(ctx, h.DB, b.CourtCode)
	if err != nil {
		return in, apperr.InvalidField("unknown_court", field+"court_code", "法院代字“"+truncate(b.CourtCode, 16)+"”不存在")
	}
	in = intake.ApplicationInput{CourtID: court.ID, CaseType: b.CaseType, ClaimAmountFen: b.ClaimAmountFen, NonMoneyClaims: b.NonMoneyClaims,
		Note: b.Note, Channel: "api"}
	for _, p := range b.Applicants {
		in.Applicants = append(in.Applicants, p.input())
	}
	for _, p := range b.Respondents {
		in.Respondents = append(in.Respondents, p.input())
	}
	for _, m := range b.Materials {
		in.Materials = append(in.Materials, intake.MaterialInput{Code: m.Code, Received: m.Received, Copies: m.Copies, Note: m.Note})
	}
	in.Basis = intake.BasisInput{Kind: b.Basis.Kind, DocumentNo: b.Basis.DocumentNo, IssuedBy: b.Basis.IssuedBy}
	if in.Basis.EffectiveDate, err = date(b.Basis.EffectiveDate, field+"basis.effective_date"); err != nil {
		return in, err
	}
	if in.Basis.DueDate, err = date(b.Basis.PerformanceDueDate, field+"basis.performance_due_date"); err != nil {
		return in, err
	}
	if in.ReceivedOn, err = date(b.ReceivedOn, field+"received_on"); err != nil {
		return in, err
	}
	return in, nil
}

// PartyOut is a party of an application or case.
type PartyOut struct {
	PartyID    string `json:"party_id"`
	Role       string `json:"role" enum:"applicant,respondent"`
	Kind       string `json:"kind" enum:"person,organization"`
	Name       string `json:"name"`
	IDNumber   string `json:"id_number" doc:"证件号码（身份证号码或统一社会信用代码）"`
	IDChecked  bool   `json:"id_checked" doc:"证件号码通过校验；false 表示按例外保存（ID-OVR-1）"`
	IDOverride string `json:"id_override,omitempty"`
	LegalRep   string `json:"legal_rep,omitempty"`
	Phone      string `json:"phone,omitempty"`
	Address    string `json:"address,omitempty"`
	Financial  bool   `json:"financial,omitempty"`
}

// MediationOut is a pre-enforcement mediation.
type MediationOut struct {
	MediatorID   string       `json:"mediator_id"`
	MediatorName string       `json:"mediator_name"`
	Status       string       `json:"status" enum:"open,paid,settled,failed"`
	StatusLabel  string       `json:"status_label"`
	NoticeSentOn string       `json:"notice_sent_on,omitempty" doc:"执前督促履行告知书发出日期"`
	StartedAt    time.Time    `json:"started_at"`
	EndedAt      *time.Time   `json:"ended_at,omitempty"`
	OutcomeNote  string       `json:"outcome_note,omitempty"`
	PaidFen      int64        `json:"paid_fen"`
	Contacts     []ContactOut `json:"contacts" nullable:"false"`
}

// ContactOut is one mediation contact.
type ContactOut struct {
	At        time.Time `json:"at"`
	Channel   string    `json:"channel"`
	PartyName string    `json:"party_name,omitempty"`
	Summary   string    `json:"summary"`
}

// ApplicationOut is an application.
type ApplicationOut struct {
	ID             string            `json:"id"`
	CourtID        string            `json:"court_id"`
	Status         string            `json:"status" enum:"received,mediation,filed,refused,settled,withdrawn"`
	StatusLabel    string            `json:"status_label"`
	Channel        string            `json:"channel" enum:"window,api,bulk"`
	CaseType       string            `json:"case_type"`
	ReceivedOn     string            `json:"received_on"`
	DecisionDue    string            `json:"decision_due" doc:"立案审查决定期限（CLOCK-4）"`
	Basis          BasisIn           `json:"basis"`
	PeriodLastDay  string            `json:"application_period_last_day" doc:"申请执行期间届满日（CLOCK-1）"`
	PeriodLate     bool              `json:"application_period_expired"`
	ClaimAmountFen int64             `json:"claim_amount_fen"`
	NonMoneyClaims string            `json:"non_money_claims,omitempty"`
	Note           string            `json:"note,omitempty"`
	RefusalReason  string            `json:"refusal_reason,omitempty"`
	CaseID         *string           `json:"case_id"`
	Parties        []PartyOut        `json:"parties" nullable:"false"`
	Materials      []intake.Material `json:"materials" nullable:"false"`
	Warnings       []intake.Warning  `json:"warnings" nullable:"false"`
	Mediation      *MediationOut     `json:"mediation,omitempty"`
	CreatedAt      time.Time         `json:"created_at"`
	UpdatedAt      time.Time         `json:"updated_at"`
}

func applicationOut(a *intake.Application) ApplicationOut {
	o := ApplicationOut{ID: a.ID.String(), CourtID: a.CourtID.String(), Status: a.Status, StatusLabel: intake.StatusLabel(a.Status),
		Channel: a.Channel, CaseType: a.CaseType, ReceivedOn: a.ReceivedOn.String(), DecisionDue: a.DecisionDue.String(),
		Basis: BasisIn{Kind: a.Basis.Kind, DocumentNo: a.Basis.DocumentNo, IssuedBy: a.Basis.IssuedBy,
			EffectiveDate: a.Basis.EffectiveDate.String(), PerformanceDueDate: a.Basis.DueDate.String()},
		PeriodLastDay: a.PeriodLastDay.String(), PeriodLate: a.PeriodLate, ClaimAmountFen: a.ClaimAmountFen,
		NonMoneyClaims: a.NonMoneyClaims, Note: a.Note, RefusalReason: a.RefusalReason, CaseID: optionalID(a.CaseID),
		Materials: a.Materials, Warnings: a.Warnings, CreatedAt: a.CreatedAt.UTC(), UpdatedAt: a.UpdatedAt.UTC()}
	if o.Materials == nil {
		o.Materials = []intake.Material{}
	}
	if o.Warnings == nil {
		o.Warnings = []intake.Warning{}
	}
	for _, p := range a.Parties {
		o.Parties = append(o.Parties, PartyOut{PartyID: p.PartyID.String(), Role: p.Role, Kind: p.Kind, Name: p.Name, IDNumber: p.IDNumber,
			IDChecked: p.IDChecked, IDOverride: p.Override, LegalRep: p.LegalRep, Phone: p.Phone, Address: p.Address, Financial: p.Financial})
	}
	if m := a.Mediation; m != nil {
		mo := &MediationOut{MediatorID: m.MediatorID.String(), MediatorName: m.MediatorName, Status: m.Status,
			StatusLabel: intake.MediationLabel(m.Status), NoticeSentOn: m.NoticeSentOn.String(), StartedAt: m.StartedAt.UTC(),
			EndedAt: instant(m.EndedAt), OutcomeNote: m.OutcomeNote, PaidFen: m.PaidFen, Contacts: []ContactOut{}}
		for _, c := range m.Contacts {
			mo.Contacts = append(mo.Contacts, ContactOut{At: c.At.UTC(), Channel: c.Channel, PartyName: c.PartyName, Summary: c.Summary})
		}
		o.Mediation = mo
	}
	return o
}

// ApplicationSummaryOut is a row of the application list.
type ApplicationSummaryOut struct {
	ID             string  `json:"id"`
	CourtID        string  `json:"court_id"`
	Status         string  `json:"status"`
	StatusLabel    string  `json:"status_label"`
	Channel        string  `json:"channel"`
	CaseType       string  `json:"case_type"`
	ReceivedOn     string  `json:"received_on"`
	DecisionDue    string  `json:"decision_due"`
	Parties        string  `json:"parties"`
	BasisDocument  string  `json:"basis_document_no"`
	ClaimAmountFen int64   `json:"claim_amount_fen"`
	PeriodLate     bool    `json:"application_period_expired"`
	CaseID         *string `json:"case_id"`
}

type idPath struct {
	ID string `path:"id"`
}

type listApplicationsInput struct {
	CourtID string `query:"court_id"`
	Status  string `query:"status" enum:"received,mediation,filed,refused,settled,withdrawn"`
	Overdue bool   `query:"overdue" doc:"只列超过立案审查期限（CLOCK-4）仍未决定的"`
	ListParams
}

func (h *handlers) intake(a huma.API) {
	huma.Register(a, op(http.MethodPost, "/applications", "registerApplication", "登记执行申请（窗口或接口）", intakeTag),
		func(ctx context.Context, in *struct{ Body ApplicationIn }) (*Body[ApplicationOut], error) {
			if _, err := access.Must(ctx); err != nil {
				return nil, err
			}
			input, err := h.applicationInput(ctx, in.Body, "body.")
			if err != nil {
				return nil, err
			}
			app, err := store.TransactValue(ctx, h.DB, func(ctx context.Context, tx *store.Tx) (*intake.Application, error) {
				return intake.Register(ctx, tx, input)
			})
			if err != nil {
				return nil, err
			}
			return body(applicationOut(app)), nil
		})

	huma.Register(a, op(http.MethodGet, "/applications", "listApplications", "列出执行申请（新登记的在前）", intakeTag),
		func(ctx context.Context, in *listApplicationsInput) (*Body[List[ApplicationSummaryOut]], error) {
			court, err := parseOptionalID(in.CourtID, "query.court_id")
			if err != nil {
				return nil, err
			}
			pg, err := intake.ListApplications(ctx, h.DB, intake.ApplicationFilter{CourtID: court, Status: in.Status, Overdue: in.Overdue}, in.request())
			if err != nil {
				return nil, err
			}
			return body(listOf(pg, func(s intake.ApplicationSummary) ApplicationSummaryOut {
				return ApplicationSummaryOut{ID: s.ID.String(), CourtID: s.CourtID.String(), Status: s.Status, StatusLabel: intake.StatusLabel(s.Status),
					Channel: s.Channel, CaseType: s.CaseType, ReceivedOn: s.ReceivedOn.String(), DecisionDue: s.DecisionDue.String(),
					Parties: s.Parties, BasisDocument: s.BasisDocument, ClaimAmountFen: s.ClaimAmountFen, PeriodLate: s.PeriodLate,
					CaseID: optionalID(s.CaseID)}
			})), nil
		})

	huma.Register(a, op(http.MethodGet, "/applications/{id}", "getApplication", "查看执行申请", intakeTag),
		func(ctx context.Context, in *idPath) (*Body[ApplicationOut], error) {
			id, err := parseID(in.ID, "path.id")
			if err != nil {
				return nil, err
			}
			app, err := intake.GetApplication(ctx, h.DB, id)
			if err != nil {
				return nil, err
			}
			return body(applicationOut(app)), nil
		})

	type materialsInput struct {
		ID   string `path:"id"`
		Body struct {
			Materials []MaterialIn `json:"materials" maxItems:"50"`
		}
	}
	post := func(path, id, summary string) huma.Operation {
		o := op(http.MethodPost, path, id, summary, intakeTag)
		o.DefaultStatus = http.StatusOK
		return o
	}
	huma.Register(a, post("/applications/{id}/materials", "updateMaterials", "登记收到的材料"),
		func(ctx context.Context, in *materialsInput) (*Body[ApplicationOut], error) {
			return h.applicationChange(ctx, in.ID, func(ctx context.Context, tx *store.Tx, id uuid.UUID) (*intake.Application, error) {
				var ms []intake.MaterialInput
				for _, m := range in.Body.Materials {
					ms = append(ms, intake.MaterialInput{Code: m.Code, Received: m.Received, Copies: m.Copies, Note: m.Note})
				}
				return intake.UpdateMaterials(ctx, tx, id, ms)
			})
		})

	type reasonInput struct {
		ID   string `path:"id"`
		Body struct {
			Reason string `json:"reason" maxLength:"1000"`
		}
	}
	huma.Register(a, post("/applications/{id}/refusal", "refuseApplication", "不予受理（须写明理由）"),
		func(ctx context.Context, in *reasonInput) (*Body[ApplicationOut], error) {
			return h.applicationChange(ctx, in.ID, func(ctx context.Context, tx *store.Tx, id uuid.UUID) (*intake.Application, error) {
				return intake.Refuse(ctx, tx, id, in.Body.Reason)
			})
		})

	type mediationInput struct {
		ID   string `path:"id"`
		Body struct {
			MediatorID string `json:"mediator_id" doc:"本院调解员的用户 ID"`
		}
	}
	huma.Register(a, post("/applications/{id}/mediation", "routeToMediation", "转执前调解（执诉前调）"),
		func(ctx context.Context, in *mediationInput) (*Body[ApplicationOut], error) {
			mediator, err := parseID(in.Body.MediatorID, "body.mediator_id")
			if err != nil {
				return nil, err
			}
			return h.applicationChange(ctx, in.ID, func(ctx context.Context, tx *store.Tx, id uuid.UUID) (*intake.Application, error) {
				return intake.RouteToMediation(ctx, tx, id, mediator)
			})
		})

	type noticeInput struct {
		ID   string `path:"id"`
		Body struct {
			SentOn string `json:"sent_on" doc:"执前督促履行告知书发出日期"`
		}
	}
	huma.Register(a, post("/applications/{id}/mediation/notice", "recordMediationNotice", "登记执前督促履行告知书"),
		func(ctx context.Context, in *noticeInput) (*Body[ApplicationOut], error) {
			d, err := date(in.Body.SentOn, "body.sent_on")
			if err != nil {
				return nil, err
			}
			return h.applicationChange(ctx, in.ID, func(ctx context.Context, tx *store.Tx, id uuid.UUID) (*intake.Application, error) {
				return intake.RecordNotice(ctx, tx, id, d)
			})
		})

	type contactInput struct {
		ID   string `path:"id"`
		Body struct {
			Channel   string `json:"channel" enum:"phone,visit,sms,video,other"`
			PartyName string `json:"party_name,omitempty" maxLength:"100"`
			Summary   string `json:"summary" maxLength:"2000"`
		}
	}
	huma.Register(a, post("/applications/{id}/mediation/contacts", "addMediationContact", "登记调解联系"),
		func(ctx context.Context, in *contactInput) (*Body[ApplicationOut], error) {
			return h.applicationChange(ctx, in.ID, func(ctx context.Context, tx *store.Tx, id uuid.UUID) (*intake.Application, error) {
				return intake.AddContact(ctx, tx, id, intake.ContactInput{Channel: in.Body.Channel, PartyName: in.Body.PartyName, Summary: in.Body.Summary})
			})
		})

	type outcomeInput struct {
		ID   string `path:"id"`
		Body struct {
			Outcome string `json:"outcome" enum:"paid,settled,failed"`
			Note    string `json:"note" maxLength:"2000"`
			PaidFen int64  `json:"paid_fen,omitempty"`
		}
	}
	huma.Register(a, post("/applications/{id}/mediation/outcome", "recordMediationOutcome", "登记执前调解结果：已履行、已和解（不立案）或调解不成（转立案）"),
		func(ctx context.Context, in *outcomeInput) (*Body[ApplicationOut], error) {
			return h.applicationChange(ctx, in.ID, func(ctx context.Context, tx *store.Tx, id uuid.UUID) (*intake.Application, error) {
				return intake.RecordOutcome(ctx, tx, id, intake.OutcomeInput{Outcome: in.Body.Outcome, Note: in.Body.Note, PaidFen: in.Body.PaidFen})
			})
		})

	type filingInput struct {
		ID   string `path:"id"`
		Body struct {
			Lane             string `json:"lane,omitempty" enum:"fast,ordinary,financial,preservation,restoration_objection" doc:"人工指定分流通道（须写明理由）"`
			TeamID           string `json:"team_id,omitempty"`
			HandlerID        string `json:"handler_id,omitempty"`
			Reason           string `json:"reason,omitempty" maxLength:"1000" doc:"人工调整分流的理由"`
			AcceptanceNotice string `json:"acceptance_notice,omitempty" maxLength:"200" doc:"受理通知书送达方式，默认“当场送达”"`
		}
	}
	huma.Register(a, op(http.MethodPost, "/applications/{id}/filing", "fileApplication", "立案：编案号、分流、分案、起算期限", intakeTag),
		func(ctx context.Context, in *filingInput) (*Body[CaseOut], error) {
			id, err := parseID(in.ID, "path.id")
			if err != nil {
				return nil, err
			}
			team, err := parseOptionalID(in.Body.TeamID, "body.team_id")
			if err != nil {
				return nil, err
			}
			handler, err := parseOptionalID(in.Body.HandlerID, "body.handler_id")
			if err != nil {
				return nil, err
			}
			c, err := store.TransactValue(ctx, h.DB, func(ctx context.Context, tx *store.Tx) (uuid.UUID, error) {
				c, err := intake.File(ctx, tx, id, intake.FileInput{Lane: in.Body.Lane, TeamID: team, HandlerID: handler,
					Reason: in.Body.Reason, AcceptanceNotice: in.Body.AcceptanceNotice})
				if err != nil {
					return uuid.Nil, err
				}
				return c.ID, nil
			})
			if err != nil {
				return nil, err
			}
			return h.caseOut(ctx, c)
		})
}

func (h *handlers) applicationChange(ctx context.Context, rawID string, fn func(context.Context, *store.Tx, uuid.UUID) (*intake.Application, error)) (*Body[ApplicationOut], error) {
	return change(ctx, h.DB, rawID, fn, applicationOut)
}

// change runs fn on the object named by the path id in one transaction and
// answers the changed object.
func change[T, O any](ctx context.Context, db *store.DB, rawID string, fn func(context.Context, *store.Tx, uuid.UUID) (T, error), out func(T) O) (*Body[O], error) {
	id, err := parseID(rawID, "path.id")
	if err != nil {
		return nil, err
	}
	v, err := store.TransactValue(ctx, db, func(ctx context.Context, tx *store.Tx) (T, error) {
		return fn(ctx, tx, id)
	})
	if err != nil {
		return nil, err
	}
	return body(out(v)), nil
}
