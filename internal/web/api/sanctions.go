package api

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/cases"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/sanctions"
	"github.com/zhixing-court/zhixing/internal/store"
)

const sanctionsTag = "惩戒措施"

// ReportOrderOut is a 报告财产令.
type ReportOrderOut struct {
	ID            string    `json:"id"`
	CaseID        string    `json:"case_id"`
	PartyID       string    `json:"party_id"`
	PartyName     string    `json:"party_name"`
	IssuedOn      string    `json:"issued_on"`
	DueOn         string    `json:"due_on" doc:"报告期限"`
	DocumentNo    string    `json:"document_no,omitempty"`
	Status        string    `json:"status" enum:"issued,reported,verified"`
	StatusLabel   string    `json:"status_label"`
	ReportedOn    string    `json:"reported_on,omitempty"`
	ReportSummary string    `json:"report_summary,omitempty"`
	Verdict       string    `json:"verdict,omitempty" doc:"consistent 如实, false 虚假, late 逾期, not_reported 拒不报告"`
	VerdictLabel  string    `json:"verdict_label,omitempty"`
	VerifiedOn    string    `json:"verified_on,omitempty"`
	VerifyNote    string    `json:"verify_note,omitempty"`
	FineFen       int64     `json:"fine_fen"`
	DetentionDays int       `json:"detention_days"`
	PenaltyOn     string    `json:"penalty_on,omitempty"`
	PenaltyNote   string    `json:"penalty_note,omitempty"`
	NeedsPenalty  bool      `json:"needs_penalty" doc:"虚假、逾期或拒不报告，尚未记录处罚（ZB-2）"`
	Ground4       bool      `json:"dishonest_ground_4" doc:"虚假或拒不报告，构成纳入失信名单的第（四）项情形（SX-1）"`
	CreatedByName string    `json:"created_by_name"`
	CreatedAt     time.Time `json:"created_at"`
}

func reportOrderOut(r *sanctions.ReportOrder) ReportOrderOut {
	return ReportOrderOut{ID: r.ID.String(), CaseID: r.CaseID.String(), PartyID: r.PartyID.String(), PartyName: r.PartyName,
		IssuedOn: r.IssuedOn.String(), DueOn: r.DueOn.String(), DocumentNo: r.DocumentNo, Status: r.Status, StatusLabel: sanctions.ReportStatusLabel(r.Status),
		ReportedOn: dateOut(r.ReportedOn), ReportSummary: r.ReportSummary, Verdict: r.Verdict, VerdictLabel: sanctions.VerdictLabel(r.Verdict),
		VerifiedOn: dateOut(r.VerifiedOn), VerifyNote: r.VerifyNote, FineFen: r.FineFen, DetentionDays: r.DetentionDays, PenaltyOn: dateOut(r.PenaltyOn),
		PenaltyNote: r.PenaltyNote, NeedsPenalty: r.NeedsPenalty(), Ground4: r.Ground4(), CreatedByName: r.CreatedByName, CreatedAt: r.CreatedAt}
}

// SanctionDueOut is a deletion or lifting an SX-5 trigger calls for.
type SanctionDueOut struct {
	Trigger      string `json:"trigger" enum:"performed,settlement_performed,applicant_request,requery_empty,suspended,not_enforced,terminated"`
	TriggerLabel string `json:"trigger_label"`
	TriggerOn    string `json:"trigger_on"`
	DueOn        string `json:"due_on" doc:"触发之日起 3 个工作日（SX-5）"`
	ByHand       bool   `json:"by_hand" doc:"事由由承办人记录（否则由案件记录读出）"`
	Overdue      bool   `json:"overdue"`
}

func sanctionDueOut(d *sanctions.Due) *SanctionDueOut {
	if d == nil {
		return nil
	}
	return &SanctionDueOut{Trigger: d.Trigger, TriggerLabel: d.Label(), TriggerOn: d.TriggerOn.String(), DueOn: d.DueOn.String(), ByHand: d.ByHand,
		Overdue: d.Overdue(legal.Today(time.Now()))}
}

// BoundPersonOut is a person an organization's restriction binds (XG-3).
type BoundPersonOut struct {
	Role      string `json:"role" enum:"legal_rep,principal,responsible,controller"`
	RoleLabel string `json:"role_label"`
	Name      string `json:"name"`
	IDNumber  string `json:"id_number,omitempty" doc:"已脱敏"`
}

// RestrictionOut is a 限制消费令.
type RestrictionOut struct {
	ID            string           `json:"id"`
	CaseID        string           `json:"case_id"`
	CaseNo        string           `json:"case_no"`
	PartyID       string           `json:"party_id"`
	PartyName     string           `json:"party_name"`
	PartyKind     string           `json:"party_kind"`
	IDNumber      string           `json:"id_number,omitempty" doc:"身份证号码或统一社会信用代码，已脱敏"`
	DecidedOn     string           `json:"decided_on"`
	GraceMonths   int              `json:"grace_months"`
	StartOn       string           `json:"start_on" doc:"生效并公布之日（宽限期后，SX-4）"`
	DocumentNo    string           `json:"document_no,omitempty"`
	Note          string           `json:"note,omitempty"`
	Status        string           `json:"status" enum:"active,lifted"`
	LiftGround    string           `json:"lift_ground,omitempty"`
	LiftedOn      string           `json:"lifted_on,omitempty"`
	LiftDueOn     string           `json:"lift_due_on,omitempty"`
	LiftedOnTime  *bool            `json:"lifted_on_time,omitempty"`
	LiftNote      string           `json:"lift_note,omitempty"`
	Persons       []BoundPersonOut `json:"persons" nullable:"false"`
	Due           *SanctionDueOut  `json:"due,omitempty" doc:"应予解除（案件已结案等）"`
	XG5           string           `json:"xg5_defect,omitempty" doc:"终本案件限高生效日期不早于结案日期（XG-5）"`
	CreatedByName string           `json:"created_by_name"`
	CreatedAt     time.Time        `json:"created_at"`
}

func restrictionOut(r *sanctions.Restriction) RestrictionOut {
	o := RestrictionOut{ID: r.ID.String(), CaseID: r.CaseID.String(), CaseNo: r.CaseNo, PartyID: r.PartyID.String(), PartyName: r.PartyName,
		PartyKind: r.PartyKind, IDNumber: r.MaskedID(), DecidedOn: r.DecidedOn.String(), GraceMonths: r.GraceMonths, StartOn: r.StartOn.String(),
		DocumentNo: r.DocumentNo, Note: r.Note, Status: r.Status, LiftGround: r.LiftGround, LiftedOn: dateOut(r.LiftedOn), LiftDueOn: dateOut(r.LiftDueOn),
		LiftedOnTime: r.LiftedOnTime, LiftNote: r.LiftNote, Persons: []BoundPersonOut{}, Due: sanctionDueOut(r.Due), XG5: r.XG5,
		CreatedByName: r.CreatedByName, CreatedAt: r.CreatedAt}
	for _, b := range r.Persons {
		o.Persons = append(o.Persons, BoundPersonOut{Role: b.Role, RoleLabel: b.RoleLabel(), Name: b.Name, IDNumber: b.MaskedID()})
	}
	return o
}

// ListingOut is a 失信 listing.
type ListingOut struct {
	ID            string          `json:"id"`
	CaseID        string          `json:"case_id"`
	CaseNo        string          `json:"case_no"`
	PartyID       string          `json:"party_id"`
	PartyName     string          `json:"party_name"`
	PartyKind     string          `json:"party_kind"`
	IDNumber      string          `json:"id_number,omitempty" doc:"已脱敏"`
	Grounds       []int           `json:"grounds" nullable:"false" doc:"SX-1 第（一）至（六）项"`
	GroundsText   string          `json:"grounds_text"`
	Serious       bool            `json:"serious"`
	DecidedOn     string          `json:"decided_on"`
	GraceMonths   int             `json:"grace_months"`
	PublishOn     string          `json:"publish_on"`
	FixedTerm     bool            `json:"fixed_term"`
	TermYears     int             `json:"term_years"`
	EndsOn        string          `json:"ends_on,omitempty"`
	DocumentNo    string          `json:"document_no,omitempty"`
	Note          string          `json:"note,omitempty"`
	Status        string          `json:"status" enum:"active,deleted"`
	TriggerKind   string          `json:"trigger_kind,omitempty"`
	TriggerOn     string          `json:"trigger_on,omitempty"`
	DeletedOn     string          `json:"deleted_on,omitempty"`
	DeleteGround  string          `json:"delete_ground,omitempty"`
	DeleteDueOn   string          `json:"delete_due_on,omitempty"`
	DeletedOnTime *bool           `json:"deleted_on_time,omitempty"`
	DeleteNote    string          `json:"delete_note,omitempty"`
	Due           *SanctionDueOut `json:"due,omitempty" doc:"应予删除（SX-5）"`
	CreatedByName string          `json:"created_by_name"`
	CreatedAt     time.Time       `json:"created_at"`
}

func listingOut(l *sanctions.Listing) ListingOut {
	o := ListingOut{ID: l.ID.String(), CaseID: l.CaseID.String(), CaseNo: l.CaseNo, PartyID: l.PartyID.String(), PartyName: l.PartyName,
		PartyKind: l.PartyKind, IDNumber: l.MaskedID(), Grounds: []int{}, GroundsText: l.GroundsText(), Serious: l.Serious,
		DecidedOn: l.DecidedOn.String(), GraceMonths: l.GraceMonths, PublishOn: l.PublishOn.String(), FixedTerm: l.FixedTerm, TermYears: l.TermYears,
		EndsOn: dateOut(l.EndsOn), DocumentNo: l.DocumentNo, Note: l.Note, Status: l.Status, TriggerKind: l.TriggerKind, TriggerOn: dateOut(l.TriggerOn),
		DeletedOn: dateOut(l.DeletedOn), DeleteGround: l.DeleteGround, DeleteDueOn: dateOut(l.DeleteDueOn), DeletedOnTime: l.DeletedOnTime,
		DeleteNote: l.DeleteNote, Due: sanctionDueOut(l.Due), CreatedByName: l.CreatedByName, CreatedAt: l.CreatedAt}
	for _, g := range l.Grounds {
		o.Grounds = append(o.Grounds, int(g))
	}
	return o
}

// GuaranteeOut is a guarantee recorded for a debtor.
type GuaranteeOut struct {
	ID          string `json:"id"`
	PartyID     string `json:"party_id"`
	Guarantor   string `json:"guarantor"`
	AmountFen   int64  `json:"amount_fen"`
	Description string `json:"description,omitempty"`
	AcceptedOn  string `json:"accepted_on"`
}

func guaranteeOut(g *sanctions.Guarantee) GuaranteeOut {
	return GuaranteeOut{ID: g.ID.String(), PartyID: g.PartyID.String(), Guarantor: g.Guarantor, AmountFen: g.AmountFen, Description: g.Description,
		AcceptedOn: g.AcceptedOn.String()}
}

// CorrectionOut is a correction request or 复议 (SX-6).
type CorrectionOut struct {
	ID              string `json:"id"`
	ListingID       string `json:"listing_id"`
	Kind            string `json:"kind" enum:"correction,review"`
	ReviewsID       string `json:"reviews_id,omitempty"`
	FiledOn         string `json:"filed_on"`
	Applicant       string `json:"applicant"`
	Request         string `json:"request"`
	DecideDue       string `json:"decide_due"`
	Status          string `json:"status" enum:"filed,decided,corrected"`
	Outcome         string `json:"outcome,omitempty"`
	DecidedOn       string `json:"decided_on,omitempty"`
	DecidedOnTime   *bool  `json:"decided_on_time,omitempty"`
	DecisionNote    string `json:"decision_note,omitempty"`
	CorrectDue      string `json:"correct_due,omitempty"`
	CorrectedOn     string `json:"corrected_on,omitempty"`
	CorrectedOnTime *bool  `json:"corrected_on_time,omitempty"`
}

func correctionOut(k *sanctions.Correction) CorrectionOut {
	o := CorrectionOut{ID: k.ID.String(), ListingID: k.ListingID.String(), Kind: k.Kind, FiledOn: k.FiledOn.String(), Applicant: k.Applicant,
		Request: k.Request, DecideDue: k.DecideDue.String(), Status: k.Status, Outcome: k.Outcome, DecidedOn: dateOut(k.DecidedOn),
		DecidedOnTime: k.DecidedOnTime, DecisionNote: k.DecisionNote, CorrectDue: dateOut(k.CorrectDue), CorrectedOn: dateOut(k.CorrectedOn),
		CorrectedOnTime: k.CorrectedOnTime}
	if k.ReviewsID != uuid.Nil {
		o.ReviewsID = k.ReviewsID.String()
	}
	return o
}

// BanItemOut is one banned item (XG-2).
type BanItemOut struct {
	Code     string `json:"code"`
	Label    string `json:"label"`
	Rule     string `json:"rule"`
	Citation string `json:"citation"`
}

// CaseSanctionsOut is a case's sanctions.
type CaseSanctionsOut struct {
	CaseID         string           `json:"case_id"`
	CaseNo         string           `json:"case_no"`
	ReportOrders   []ReportOrderOut `json:"report_orders" nullable:"false"`
	Restrictions   []RestrictionOut `json:"restrictions" nullable:"false"`
	Listings       []ListingOut     `json:"dishonest_listings" nullable:"false"`
	Guarantees     []GuaranteeOut   `json:"guarantees" nullable:"false"`
	Corrections    []CorrectionOut  `json:"corrections" nullable:"false"`
	OutstandingFen int64            `json:"outstanding_fen" doc:"尚未履行金额（申请执行金额减执行到位金额）"`
	ControlledFen  int64            `json:"controlled_fen" doc:"本案在控财产（冻结金额、查封财产的登记价值）"`
	GuaranteedFen  int64            `json:"guaranteed_fen"`
	BanItems       []BanItemOut     `json:"ban_items" nullable:"false" doc:"限制消费令禁止的事项（XG-2）"`
	Warnings       []string         `json:"warnings" nullable:"false"`
}

func caseSanctionsOut(v *sanctions.CaseView) CaseSanctionsOut {
	o := CaseSanctionsOut{CaseID: v.CaseID.String(), CaseNo: v.CaseNo, ReportOrders: []ReportOrderOut{}, Restrictions: []RestrictionOut{},
		Listings: []ListingOut{}, Guarantees: []GuaranteeOut{}, Corrections: []CorrectionOut{}, OutstandingFen: v.Coverage.OutstandingFen,
		ControlledFen: v.Coverage.ControlledFen, GuaranteedFen: v.Coverage.GuaranteedFen, BanItems: []BanItemOut{}, Warnings: []string{}}
	for _, r := range v.ReportOrders {
		o.ReportOrders = append(o.ReportOrders, reportOrderOut(r))
	}
	for _, r := range v.Restrictions {
		o.Restrictions = append(o.Restrictions, restrictionOut(r))
	}
	for _, l := range v.Listings {
		o.Listings = append(o.Listings, listingOut(l))
	}
	for _, g := range v.Guarantees {
		o.Guarantees = append(o.Guarantees, guaranteeOut(g))
	}
	for _, k := range v.Corrections {
		o.Corrections = append(o.Corrections, correctionOut(k))
	}
	for _, b := range v.BanItems {
		o.BanItems = append(o.BanItems, BanItemOut(b))
	}
	o.Warnings = append(o.Warnings, v.Warnings...)
	return o
}

// QueueItemOut is a listing due for deletion or a restriction due for lifting.
type QueueItemOut struct {
	Kind      string         `json:"kind" enum:"dishonest_listing,restriction"`
	ID        string         `json:"id"`
	CaseID    string         `json:"case_id"`
	CaseNo    string         `json:"case_no"`
	PartyName string         `json:"party_name"`
	IDNumber  string         `json:"id_number,omitempty" doc:"已脱敏"`
	DecidedOn string         `json:"decided_on"`
	Due       SanctionDueOut `json:"due"`
}

// SanctionListParams filter a searchable list.
type SanctionListParams struct {
	ListParams
	Q      string `query:"q" maxLength:"100" doc:"姓名或名称（部分），或完整的身份证号码、统一社会信用代码"`
	CaseNo string `query:"case_no" maxLength:"60" doc:"案号"`
	All    bool   `query:"all" doc:"包括已删除、已解除的记录"`
}

func (p SanctionListParams) filter() sanctions.Filter {
	return sanctions.Filter{Query: p.Q, CaseNo: p.CaseNo, All: p.All}
}

// fen reads an amount in fen that must not be negative.
func fen(v int64, field string) (int64, error) {
	if v < 0 {
		return 0, apperr.InvalidField("invalid_amount", field, "金额（分）不能为负")
	}
	return v, nil
}

func (h *handlers) sanctions(a huma.API) {
	// Reads.
	vo := op(http.MethodGet, "/cases/{id}/sanctions", "caseSanctions", "案件的惩戒措施：报告财产令、限制消费令、失信名单、担保、纠正申请", sanctionsTag)
	vo.Errors = append(vo.Errors, 404)
	huma.Register(a, vo, func(ctx context.Context, in *idPath) (*Body[CaseSanctionsOut], error) {
		id, err := parseID(in.ID, "path.id")
		if err != nil {
			return nil, err
		}
		v, err := sanctions.ForCase(ctx, h.DB, id)
		if err != nil {
			return nil, err
		}
		return body(caseSanctionsOut(v)), nil
	})
	huma.Register(a, op(http.MethodGet, "/dishonest-listings", "searchDishonestListings", "失信被执行人名单（本院及辖区），按姓名、证件号码、案号查询", sanctionsTag),
		func(ctx context.Context, in *SanctionListParams) (*Body[List[ListingOut]], error) {
			pg, err := sanctions.SearchListings(ctx, h.DB, in.filter(), in.request())
			if err != nil {
				return nil, err
			}
			return body(listOf(pg, listingOut)), nil
		})
	huma.Register(a, op(http.MethodGet, "/restrictions", "searchRestrictions", "限制消费人员名单（本院及辖区），含单位的法定代表人等关联人员", sanctionsTag),
		func(ctx context.Context, in *SanctionListParams) (*Body[List[RestrictionOut]], error) {
			pg, err := sanctions.SearchRestrictions(ctx, h.DB, in.filter(), in.request())
			if err != nil {
				return nil, err
			}
			return body(listOf(pg, restrictionOut)), nil
		})
	huma.Register(a, op(http.MethodGet, "/sanctions/queue", "sanctionsQueue", "待删除的失信信息与待解除的限制消费令，按应办日期排列（SX-5）", sanctionsTag),
		func(ctx context.Context, in *ListParams) (*Body[List[QueueItemOut]], error) {
			pg, err := sanctions.Queue(ctx, h.DB, in.request())
			if err != nil {
				return nil, err
			}
			return body(listOf(pg, func(it *sanctions.QueueItem) QueueItemOut {
				return QueueItemOut{Kind: it.Kind, ID: it.ID.String(), CaseID: it.CaseID.String(), CaseNo: it.CaseNo, PartyName: it.PartyName,
					IDNumber: it.MaskedID(), DecidedOn: it.DecidedOn.String(), Due: *sanctionDueOut(&it.Due)}
			})), nil
		})
	huma.Register(a, op(http.MethodGet, "/consumption-ban-items", "consumptionBanItems", "限制消费令禁止的事项（XG-2）", sanctionsTag),
		func(ctx context.Context, _ *struct{}) (*Body[[]BanItemOut], error) {
			items, err := sanctions.BanItems(ctx, h.DB)
			if err != nil {
				return nil, err
			}
			out := make([]BanItemOut, 0, len(items))
			for _, b := range items {
				out = append(out, BanItemOut(b))
			}
			return body(out), nil
		})

	// Report orders.
	type sxIssueReportInput struct {
		ID   string `path:"id"`
		Body struct {
			PartyID    string `json:"party_id" doc:"被执行人"`
			IssuedOn   string `json:"issued_on" doc:"发出日期 YYYY-MM-DD"`
			DueOn      string `json:"due_on" doc:"报告期限 YYYY-MM-DD"`
			DocumentNo string `json:"document_no,omitempty" maxLength:"100"`
		}
	}
	o := op(http.MethodPost, "/cases/{id}/report-orders", "issueReportOrder", "发出报告财产令（记录执行措施，终本条件 ZB-1、ZB-2）", sanctionsTag)
	o.Errors = append(o.Errors, 404)
	huma.Register(a, o, func(ctx context.Context, in *sxIssueReportInput) (*Body[ReportOrderOut], error) {
		party, err := parseID(in.Body.PartyID, "body.party_id")
		if err != nil {
			return nil, err
		}
		issued, err := date(in.Body.IssuedOn, "body.issued_on")
		if err != nil {
			return nil, err
		}
		due, err := date(in.Body.DueOn, "body.due_on")
		if err != nil {
			return nil, err
		}
		return change(ctx, h.DB, in.ID, func(ctx context.Context, tx *store.Tx, id uuid.UUID) (*sanctions.ReportOrder, error) {
			return sanctions.IssueReportOrder(ctx, tx, id, sanctions.ReportOrderInput{PartyID: party, IssuedOn: issued, DueOn: due,
				DocumentNo: in.Body.DocumentNo})
		}, reportOrderOut)
	})
	type sxReportInput struct {
		ID   string `path:"id"`
		Body struct {
			ReportedOn string `json:"reported_on"`
			Summary    string `json:"summary" maxLength:"2000"`
		}
	}
	o = op(http.MethodPost, "/report-orders/{id}/report", "recordPropertyReport", "登记被执行人的财产报告", sanctionsTag)
	o.DefaultStatus = http.StatusOK
	o.Errors = append(o.Errors, 404)
	huma.Register(a, o, func(ctx context.Context, in *sxReportInput) (*Body[ReportOrderOut], error) {
		on, err := date(in.Body.ReportedOn, "body.reported_on")
		if err != nil {
			return nil, err
		}
		return change(ctx, h.DB, in.ID, func(ctx context.Context, tx *store.Tx, id uuid.UUID) (*sanctions.ReportOrder, error) {
			return sanctions.RecordReport(ctx, tx, id, sanctions.ReportInput{ReportedOn: on, Summary: in.Body.Summary})
		}, reportOrderOut)
	})
	type sxVerifyInput struct {
		ID   string `path:"id"`
		Body struct {
			VerifiedOn string `json:"verified_on"`
			Verdict    string `json:"verdict" enum:"consistent,false,late,not_reported"`
			Note       string `json:"note,omitempty" maxLength:"1000"`
		}
	}
	o = op(http.MethodPost, "/report-orders/{id}/verification", "verifyPropertyReport", "核查财产报告（如实的记录“核查财产报告”措施，ZB-2）", sanctionsTag)
	o.DefaultStatus = http.StatusOK
	o.Errors = append(o.Errors, 404)
	huma.Register(a, o, func(ctx context.Context, in *sxVerifyInput) (*Body[ReportOrderOut], error) {
		on, err := date(in.Body.VerifiedOn, "body.verified_on")
		if err != nil {
			return nil, err
		}
		return change(ctx, h.DB, in.ID, func(ctx context.Context, tx *store.Tx, id uuid.UUID) (*sanctions.ReportOrder, error) {
			return sanctions.VerifyReport(ctx, tx, id, sanctions.VerifyInput{VerifiedOn: on, Verdict: in.Body.Verdict, Note: in.Body.Note})
		}, reportOrderOut)
	})
	type sxPenaltyInput struct {
		ID   string `path:"id"`
		Body struct {
			PenaltyOn     string `json:"penalty_on"`
			FineFen       int64  `json:"fine_fen,omitempty" doc:"罚款（分）"`
			DetentionDays int    `json:"detention_days,omitempty" doc:"拘留天数（1–15）"`
			Note          string `json:"note,omitempty" maxLength:"1000"`
		}
	}
	o = op(http.MethodPost, "/report-orders/{id}/penalty", "penalisePropertyReport", "记录对逾期、虚假或拒不报告的罚款、拘留（ZB-2）", sanctionsTag)
	o.DefaultStatus = http.StatusOK
	o.Errors = append(o.Errors, 404)
	huma.Register(a, o, func(ctx context.Context, in *sxPenaltyInput) (*Body[ReportOrderOut], error) {
		on, err := date(in.Body.PenaltyOn, "body.penalty_on")
		if err != nil {
			return nil, err
		}
		amount, err := fen(in.Body.FineFen, "body.fine_fen")
		if err != nil {
			return nil, err
		}
		return change(ctx, h.DB, in.ID, func(ctx context.Context, tx *store.Tx, id uuid.UUID) (*sanctions.ReportOrder, error) {
			return sanctions.PenaliseReport(ctx, tx, id, sanctions.PenaltyInput{On: on, FineFen: amount, DetentionDays: in.Body.DetentionDays,
				Note: in.Body.Note})
		}, reportOrderOut)
	})

	// Restrictions and guarantees.
	type sxPersonIn struct {
		Role     string `json:"role" enum:"legal_rep,principal,responsible,controller"`
		Name     string `json:"name" maxLength:"100"`
		IDNumber string `json:"id_number,omitempty" maxLength:"20"`
	}
	type sxRestrictionInput struct {
		ID   string `path:"id"`
		Body struct {
			PartyID     string       `json:"party_id"`
			DecidedOn   string       `json:"decided_on"`
			GraceMonths int          `json:"grace_months,omitempty" doc:"宽限期（月，0 或 1–3，SX-4）"`
			DocumentNo  string       `json:"document_no,omitempty" maxLength:"100"`
			Note        string       `json:"note,omitempty" maxLength:"1000"`
			Persons     []sxPersonIn `json:"persons,omitempty" maxItems:"20" doc:"单位被执行人的关联人员（XG-3）；未列法定代表人的，取案件登记的法定代表人"`
		}
	}
	o = op(http.MethodPost, "/cases/{id}/restrictions", "issueRestriction", "发出限制消费令（单位的同时限制其法定代表人等，XG-3；记录执行措施 ZB-1）", sanctionsTag)
	o.Errors = append(o.Errors, 404)
	huma.Register(a, o, func(ctx context.Context, in *sxRestrictionInput) (*Body[RestrictionOut], error) {
		party, err := parseID(in.Body.PartyID, "body.party_id")
		if err != nil {
			return nil, err
		}
		decided, err := date(in.Body.DecidedOn, "body.decided_on")
		if err != nil {
			return nil, err
		}
		var persons []sanctions.BoundPerson
		for _, p := range in.Body.Persons {
			persons = append(persons, sanctions.BoundPerson{Role: p.Role, Name: p.Name, IDNumber: p.IDNumber})
		}
		return change(ctx, h.DB, in.ID, func(ctx context.Context, tx *store.Tx, id uuid.UUID) (*sanctions.Restriction, error) {
			return sanctions.IssueRestriction(ctx, tx, id, sanctions.RestrictionInput{PartyID: party, DecidedOn: decided, GraceMonths: in.Body.GraceMonths,
				DocumentNo: in.Body.DocumentNo, Note: in.Body.Note, Persons: persons})
		}, restrictionOut)
	})
	type sxLiftInput struct {
		ID   string `path:"id"`
		Body struct {
			Ground   string `json:"ground" enum:"performed,guarantee,consent,other"`
			LiftedOn string `json:"lifted_on"`
			Note     string `json:"note,omitempty" maxLength:"1000"`
		}
	}
	o = op(http.MethodPost, "/restrictions/{id}/lifting", "liftRestriction", "解除限制消费令（履行完毕应当解除；提供担保或申请执行人同意可以解除，XG-4）", sanctionsTag)
	o.DefaultStatus = http.StatusOK
	o.Errors = append(o.Errors, 404)
	huma.Register(a, o, func(ctx context.Context, in *sxLiftInput) (*Body[RestrictionOut], error) {
		on, err := date(in.Body.LiftedOn, "body.lifted_on")
		if err != nil {
			return nil, err
		}
		return change(ctx, h.DB, in.ID, func(ctx context.Context, tx *store.Tx, id uuid.UUID) (*sanctions.Restriction, error) {
			return sanctions.LiftRestriction(ctx, tx, id, sanctions.LiftInput{Ground: in.Body.Ground, On: on, Note: in.Body.Note})
		}, restrictionOut)
	})
	type sxGuaranteeInput struct {
		ID   string `path:"id"`
		Body struct {
			PartyID     string `json:"party_id"`
			Guarantor   string `json:"guarantor" maxLength:"100"`
			AmountFen   int64  `json:"amount_fen" doc:"担保金额（分）"`
			Description string `json:"description,omitempty" maxLength:"1000"`
			AcceptedOn  string `json:"accepted_on"`
		}
	}
	o = op(http.MethodPost, "/cases/{id}/guarantees", "recordGuarantee", "登记被执行人提供的担保（SX-2、XG-4）", sanctionsTag)
	o.Errors = append(o.Errors, 404)
	huma.Register(a, o, func(ctx context.Context, in *sxGuaranteeInput) (*Body[GuaranteeOut], error) {
		party, err := parseID(in.Body.PartyID, "body.party_id")
		if err != nil {
			return nil, err
		}
		on, err := date(in.Body.AcceptedOn, "body.accepted_on")
		if err != nil {
			return nil, err
		}
		return change(ctx, h.DB, in.ID, func(ctx context.Context, tx *store.Tx, id uuid.UUID) (*sanctions.Guarantee, error) {
			return sanctions.RecordGuarantee(ctx, tx, id, sanctions.GuaranteeInput{PartyID: party, Guarantor: in.Body.Guarantor, AmountFen: in.Body.AmountFen,
				Description: in.Body.Description, AcceptedOn: on})
		}, guaranteeOut)
	})

	// 失信.
	type sxListingInput struct {
		ID   string `path:"id"`
		Body struct {
			PartyID     string `json:"party_id"`
			Grounds     []int  `json:"grounds" minItems:"1" maxItems:"6" doc:"SX-1 第（一）至（六）项"`
			Serious     bool   `json:"serious,omitempty" doc:"情节严重（可延长期限，SX-3）"`
			ExtraYears  int    `json:"extra_years,omitempty" doc:"延长的年数（1–3，SX-3）"`
			DecidedOn   string `json:"decided_on"`
			GraceMonths int    `json:"grace_months,omitempty" doc:"宽限期（月，0 或 1–3，SX-4）"`
			DocumentNo  string `json:"document_no,omitempty" maxLength:"100"`
			Note        string `json:"note,omitempty" maxLength:"1000"`
		}
	}
	o = op(http.MethodPost, "/cases/{id}/dishonest-listings", "listDishonest",
		"纳入失信被执行人名单（未成年人、有充分担保或查封冻结财产足以清偿的不得纳入，SX-2；记录执行措施 ZB-1）", sanctionsTag)
	o.Errors = append(o.Errors, 404)
	huma.Register(a, o, func(ctx context.Context, in *sxListingInput) (*Body[ListingOut], error) {
		party, err := parseID(in.Body.PartyID, "body.party_id")
		if err != nil {
			return nil, err
		}
		decided, err := date(in.Body.DecidedOn, "body.decided_on")
		if err != nil {
			return nil, err
		}
		var grounds []legal.DishonestGround
		for i, g := range in.Body.Grounds {
			if g < 1 || g > 6 {
				return nil, apperr.InvalidField("invalid_grounds", "body.grounds["+strconv.Itoa(i)+"]", "失信情形应为 1 至 6（SX-1）")
			}
			grounds = append(grounds, legal.DishonestGround(g))
		}
		return change(ctx, h.DB, in.ID, func(ctx context.Context, tx *store.Tx, id uuid.UUID) (*sanctions.Listing, error) {
			return sanctions.ListDishonest(ctx, tx, id, sanctions.ListingInput{PartyID: party, Grounds: grounds, Serious: in.Body.Serious,
				ExtraYears: in.Body.ExtraYears, DecidedOn: decided, GraceMonths: in.Body.GraceMonths, DocumentNo: in.Body.DocumentNo, Note: in.Body.Note})
		}, listingOut)
	})
	type sxNotDueInput struct {
		ID   string `path:"id"`
		Body struct {
			PartyID   string `json:"party_id"`
			DecidedOn string `json:"decided_on"`
			Note      string `json:"note" maxLength:"900" doc:"审查情况"`
		}
	}
	o = op(http.MethodPost, "/cases/{id}/dishonest-not-due", "recordDishonestNotDue", "记录经审查被执行人不符合纳入失信名单的条件（终本条件 ZB-1）", sanctionsTag)
	o.Errors = append(o.Errors, 404)
	huma.Register(a, o, func(ctx context.Context, in *sxNotDueInput) (*Body[MeasureOut], error) {
		party, err := parseID(in.Body.PartyID, "body.party_id")
		if err != nil {
			return nil, err
		}
		on, err := date(in.Body.DecidedOn, "body.decided_on")
		if err != nil {
			return nil, err
		}
		return change(ctx, h.DB, in.ID, func(ctx context.Context, tx *store.Tx, id uuid.UUID) (*cases.Measure, error) {
			return sanctions.RecordNotDue(ctx, tx, id, sanctions.NotDueInput{PartyID: party, DecidedOn: on, Note: in.Body.Note})
		}, measureOut)
	})
	type sxExtendInput struct {
		ID   string `path:"id"`
		Body struct {
			Years  int    `json:"years" doc:"延长的年数"`
			Reason string `json:"reason" maxLength:"1000"`
		}
	}
	o = op(http.MethodPost, "/dishonest-listings/{id}/extension", "extendDishonestListing", "延长失信期限（情节严重或多项失信行为，SX-3）", sanctionsTag)
	o.DefaultStatus = http.StatusOK
	o.Errors = append(o.Errors, 404)
	huma.Register(a, o, func(ctx context.Context, in *sxExtendInput) (*Body[ListingOut], error) {
		return change(ctx, h.DB, in.ID, func(ctx context.Context, tx *store.Tx, id uuid.UUID) (*sanctions.Listing, error) {
			return sanctions.ExtendListing(ctx, tx, id, sanctions.ExtendInput{Years: in.Body.Years, Reason: in.Body.Reason})
		}, listingOut)
	})
	type sxTriggerInput struct {
		ID   string `path:"id"`
		Body struct {
			Kind string `json:"kind" enum:"settlement_performed,applicant_request,suspended,performed"`
			On   string `json:"on"`
			Note string `json:"note,omitempty" maxLength:"1000"`
		}
	}
	o = op(http.MethodPost, "/dishonest-listings/{id}/trigger", "recordDeletionTrigger", "记录应删除失信信息的事由（3 个工作日内删除，SX-5）", sanctionsTag)
	o.DefaultStatus = http.StatusOK
	o.Errors = append(o.Errors, 404)
	huma.Register(a, o, func(ctx context.Context, in *sxTriggerInput) (*Body[ListingOut], error) {
		on, err := date(in.Body.On, "body.on")
		if err != nil {
			return nil, err
		}
		return change(ctx, h.DB, in.ID, func(ctx context.Context, tx *store.Tx, id uuid.UUID) (*sanctions.Listing, error) {
			return sanctions.RecordTrigger(ctx, tx, id, sanctions.TriggerInput{Kind: in.Body.Kind, On: on, Note: in.Body.Note})
		}, listingOut)
	})
	type sxDeleteInput struct {
		ID   string `path:"id"`
		Body struct {
			Ground string `json:"ground,omitempty" doc:"默认取删除事由；或 term_expired（期限届满）、corrected（纠正错误）"`
			On     string `json:"on,omitempty" doc:"删除日期，默认今天"`
			Note   string `json:"note,omitempty" maxLength:"1000"`
		}
	}
	o = op(http.MethodPost, "/dishonest-listings/{id}/deletion", "deleteDishonestListing", "删除失信信息（记录是否在 3 个工作日内，SX-5）", sanctionsTag)
	o.DefaultStatus = http.StatusOK
	o.Errors = append(o.Errors, 404)
	huma.Register(a, o, func(ctx context.Context, in *sxDeleteInput) (*Body[ListingOut], error) {
		on, err := date(in.Body.On, "body.on")
		if err != nil {
			return nil, err
		}
		return change(ctx, h.DB, in.ID, func(ctx context.Context, tx *store.Tx, id uuid.UUID) (*sanctions.Listing, error) {
			return sanctions.DeleteListing(ctx, tx, id, sanctions.DeleteInput{Ground: in.Body.Ground, On: on, Note: in.Body.Note})
		}, listingOut)
	})

	// Corrections (SX-6).
	type sxCorrectionInput struct {
		ID   string `path:"id"`
		Body struct {
			Kind      string `json:"kind" enum:"correction,review"`
			ReviewsID string `json:"reviews_id,omitempty" doc:"复议针对的纠正申请"`
			FiledOn   string `json:"filed_on"`
			Applicant string `json:"applicant" maxLength:"100"`
			Request   string `json:"request" maxLength:"2000"`
		}
	}
	o = op(http.MethodPost, "/dishonest-listings/{id}/corrections", "fileDishonestCorrection", "登记失信信息纠正申请或复议（SX-6）", sanctionsTag)
	o.Errors = append(o.Errors, 404)
	huma.Register(a, o, func(ctx context.Context, in *sxCorrectionInput) (*Body[CorrectionOut], error) {
		reviews, err := parseOptionalID(in.Body.ReviewsID, "body.reviews_id")
		if err != nil {
			return nil, err
		}
		on, err := date(in.Body.FiledOn, "body.filed_on")
		if err != nil {
			return nil, err
		}
		return change(ctx, h.DB, in.ID, func(ctx context.Context, tx *store.Tx, id uuid.UUID) (*sanctions.Correction, error) {
			return sanctions.FileCorrection(ctx, tx, id, sanctions.CorrectionInput{Kind: in.Body.Kind, ReviewsID: reviews, FiledOn: on,
				Applicant: in.Body.Applicant, Request: in.Body.Request})
		}, correctionOut)
	})
	type sxDecideInput struct {
		ID   string `path:"id"`
		Body struct {
			Outcome string `json:"outcome" enum:"correct,reject"`
			On      string `json:"on"`
			Note    string `json:"note" maxLength:"1000"`
		}
	}
	o = op(http.MethodPost, "/dishonest-corrections/{id}/decision", "decideDishonestCorrection", "对纠正申请或复议作出决定（15 日内，SX-6）", sanctionsTag)
	o.DefaultStatus = http.StatusOK
	o.Errors = append(o.Errors, 404)
	huma.Register(a, o, func(ctx context.Context, in *sxDecideInput) (*Body[CorrectionOut], error) {
		on, err := date(in.Body.On, "body.on")
		if err != nil {
			return nil, err
		}
		return change(ctx, h.DB, in.ID, func(ctx context.Context, tx *store.Tx, id uuid.UUID) (*sanctions.Correction, error) {
			return sanctions.DecideCorrection(ctx, tx, id, sanctions.DecisionInput{Outcome: in.Body.Outcome, On: on, Note: in.Body.Note})
		}, correctionOut)
	})
	type sxCorrectedInput struct {
		ID   string `path:"id"`
		Body struct {
			On   string `json:"on"`
			Note string `json:"note" maxLength:"1000"`
		}
	}
	o = op(http.MethodPost, "/dishonest-corrections/{id}/correction", "markDishonestCorrected", "记录已更正失信信息（3 个工作日内，SX-6）", sanctionsTag)
	o.DefaultStatus = http.StatusOK
	o.Errors = append(o.Errors, 404)
	huma.Register(a, o, func(ctx context.Context, in *sxCorrectedInput) (*Body[CorrectionOut], error) {
		on, err := date(in.Body.On, "body.on")
		if err != nil {
			return nil, err
		}
		return change(ctx, h.DB, in.ID, func(ctx context.Context, tx *store.Tx, id uuid.UUID) (*sanctions.Correction, error) {
			return sanctions.MarkCorrected(ctx, tx, id, sanctions.CorrectedInput{On: on, Note: in.Body.Note})
		}, correctionOut)
	})
}
