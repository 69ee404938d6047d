package api

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/funds"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/massclaim"
	"github.com/zhixing-court/zhixing/internal/store"
)

const massTag = "涉众案款发放"

// CampaignOut is a mass-claim campaign.
type CampaignOut struct {
	ID                string `json:"id"`
	CaseID            string `json:"case_id,omitempty"`
	CaseNo            string `json:"case_no,omitempty"`
	Title             string `json:"title"`
	JudgmentNo        string `json:"judgment_no"`
	Status            string `json:"status" enum:"draft,open,closed"`
	RegistrationUntil string `json:"registration_until"`
	Victims           int    `json:"victims,omitempty"`
	VictimLossFen     int64  `json:"victim_loss_fen,omitempty"`
	CarriedFen        int64  `json:"carried_fen,omitempty" doc:"上一轮按比例取整后的余款，留待下轮（MASS-6）"`
}

func campaignOut(m *massclaim.Campaign, staff bool) CampaignOut {
	o := CampaignOut{ID: m.ID.String(), Title: m.Title, JudgmentNo: m.JudgmentNo, Status: m.Status, RegistrationUntil: m.RegistrationUntil.String()}
	if staff {
		o.CaseID, o.CaseNo, o.Victims, o.VictimLossFen, o.CarriedFen = m.CaseID.String(), m.CaseNo, m.Victims, m.VictimLossFen, m.CarriedFen
	}
	return o
}

// ClaimOut is a participant's claim; the staff see the ID number and phone,
// the participant their own claim only.
type ClaimOut struct {
	ID             string    `json:"id"`
	Name           string    `json:"name"`
	IDNumber       string    `json:"id_number" doc:"工作人员可见全号；本人页面为脱敏号码"`
	Phone          string    `json:"phone,omitempty"`
	ClaimedFen     int64     `json:"claimed_fen"`
	PayeeAccountNo string    `json:"payee_account_no"`
	PayeeBank      string    `json:"payee_bank"`
	Status         string    `json:"status" enum:"registered,eligible,ineligible,confirmed,objected,final"`
	StatusLabel    string    `json:"status_label"`
	ReviewedFen    int64     `json:"reviewed_fen" doc:"法院审核认定的金额"`
	ReviewNote     string    `json:"review_note,omitempty"`
	Objection      string    `json:"objection,omitempty"`
	DecisionNote   string    `json:"decision_note,omitempty"`
	FinalFen       int64     `json:"final_fen" doc:"确认或复核后的金额"`
	PaidFen        int64     `json:"paid_fen" doc:"各轮已分得的金额"`
	CreatedAt      time.Time `json:"created_at"`
}

func claimOut(c *massclaim.Claim, staff bool) ClaimOut {
	o := ClaimOut{ID: c.ID.String(), Name: c.Name, IDNumber: c.IDNumber, ClaimedFen: c.ClaimedFen, PayeeAccountNo: c.PayeeAccountNo,
		PayeeBank: c.PayeeBank, Status: c.Status, StatusLabel: c.StatusLabel(), ReviewedFen: c.ReviewedFen, ReviewNote: c.ReviewNote,
		Objection: c.Objection, DecisionNote: c.DecisionNote, FinalFen: c.FinalFen, PaidFen: c.PaidFen, CreatedAt: c.CreatedAt}
	if staff {
		o.Phone = c.Phone
	} else {
		o.IDNumber = massclaim.MaskID(c.IDNumber)
		o.PayeeAccountNo = funds.MaskAccount(c.PayeeAccountNo)
	}
	return o
}

// RoundOut is a payout round.
type RoundOut struct {
	ID         string `json:"id"`
	Seq        int    `json:"seq"`
	AmountFen  int64  `json:"amount_fen"`
	PaidFen    int64  `json:"paid_fen"`
	CarriedFen int64  `json:"carried_fen"`
	Claims     int    `json:"claims"`
	BatchID    string `json:"batch_id" doc:"本轮的批量发放，按 FUND-6 整批审批（POST /payout-batches/{id}/approvals）；各笔见 GET /payouts?batch_id="`
}

func (h *handlers) massclaims(a huma.API) {
	type massCreateInput struct {
		ID   string `path:"id"`
		Body struct {
			DebtorPartyID     string `json:"debtor_party_id"`
			Title             string `json:"title" maxLength:"200"`
			JudgmentNo        string `json:"judgment_no" maxLength:"100"`
			RegistrationUntil string `json:"registration_until" doc:"登记截止日期 YYYY-MM-DD"`
		}
	}
	co := op(http.MethodPost, "/cases/{id}/campaigns", "createCampaign", "建立涉众案款发放（MASS-1）", massTag)
	co.Errors = append(co.Errors, 404)
	huma.Register(a, co, func(ctx context.Context, in *massCreateInput) (*Body[CampaignOut], error) {
		debtor, err := parseID(in.Body.DebtorPartyID, "body.debtor_party_id")
		if err != nil {
			return nil, err
		}
		until, err := legal.ParseDate(in.Body.RegistrationUntil)
		if err != nil {
			return nil, apperr.InvalidField("invalid_date", "body.registration_until", "登记截止日期应为 YYYY-MM-DD")
		}
		return change(ctx, h.DB, in.ID, func(ctx context.Context, tx *store.Tx, id uuid.UUID) (*massclaim.Campaign, error) {
			return massclaim.CreateCampaign(ctx, tx, id, massclaim.CampaignInput{DebtorPartyID: debtor, Title: in.Body.Title, JudgmentNo: in.Body.JudgmentNo,
				RegistrationUntil: until})
		}, func(m *massclaim.Campaign) CampaignOut { return campaignOut(m, true) })
	})
	gc := op(http.MethodGet, "/campaigns/{id}", "getCampaign", "一项涉众案款发放", massTag)
	gc.Errors = append(gc.Errors, 404)
	huma.Register(a, gc, func(ctx context.Context, in *idPath) (*Body[CampaignOut], error) {
		id, err := parseID(in.ID, "path.id")
		if err != nil {
			return nil, err
		}
		m, err := massclaim.GetCampaign(ctx, h.DB, id)
		if err != nil {
			return nil, err
		}
		return body(campaignOut(m, true)), nil
	})
	type massVictimsInput struct {
		ID   string `path:"id"`
		Body struct {
			CSV string `json:"csv" maxLength:"50000000" doc:"被害人名单（CSV，表头：身份证号,姓名,损失金额）"`
		}
	}
	vo := op(http.MethodPost, "/campaigns/{id}/victims", "importVictims", "导入判决认定的被害人名单（发布前；有错误的文件整体不导入）", massTag)
	vo.DefaultStatus = http.StatusOK
	vo.Errors = append(vo.Errors, 404)
	vo.MaxBodyBytes = 64 << 20
	type massImported struct {
		Victims int `json:"victims"`
	}
	huma.Register(a, vo, func(ctx context.Context, in *massVictimsInput) (*Body[massImported], error) {
		return change(ctx, h.DB, in.ID, func(ctx context.Context, tx *store.Tx, id uuid.UUID) (int, error) {
			return massclaim.ImportVictims(ctx, tx, id, strings.NewReader(in.Body.CSV))
		}, func(n int) massImported { return massImported{n} })
	})
	oo := op(http.MethodPost, "/campaigns/{id}/opening", "openCampaign", "发布：开始网上登记", massTag)
	oo.DefaultStatus = http.StatusOK
	oo.Errors = append(oo.Errors, 404)
	huma.Register(a, oo, func(ctx context.Context, in *idPath) (*Body[CampaignOut], error) {
		return change(ctx, h.DB, in.ID, massclaim.Open, func(m *massclaim.Campaign) CampaignOut { return campaignOut(m, true) })
	})
	type massClaimsInput struct {
		ID     string `path:"id"`
		Status string `query:"status" enum:"registered,eligible,ineligible,confirmed,objected,final"`
		ListParams
	}
	huma.Register(a, op(http.MethodGet, "/campaigns/{id}/claims", "listClaims", "登记名单（分页，可按状态筛选）", massTag),
		func(ctx context.Context, in *massClaimsInput) (*Body[List[ClaimOut]], error) {
			id, err := parseID(in.ID, "path.id")
			if err != nil {
				return nil, err
			}
			pg, err := massclaim.Claims(ctx, h.DB, id, in.Status, in.request())
			if err != nil {
				return nil, err
			}
			return body(listOf(pg, func(c *massclaim.Claim) ClaimOut { return claimOut(c, true) })), nil
		})
	ro := op(http.MethodPost, "/campaigns/{id}/review", "reviewClaims", "按被害人名单批量审核全部待审登记（MASS-3）", massTag)
	ro.DefaultStatus = http.StatusOK
	ro.Errors = append(ro.Errors, 404)
	type massReviewed struct {
		Eligible   int `json:"eligible"`
		Ineligible int `json:"ineligible"`
	}
	huma.Register(a, ro, func(ctx context.Context, in *idPath) (*Body[massReviewed], error) {
		return change(ctx, h.DB, in.ID, func(ctx context.Context, tx *store.Tx, id uuid.UUID) (massReviewed, error) {
			e, i, err := massclaim.ReviewByList(ctx, tx, id)
			return massReviewed{e, i}, err
		}, func(r massReviewed) massReviewed { return r })
	})
	type massDecideInput struct {
		ID   string `path:"id"`
		Body struct {
			FinalFen int64  `json:"final_fen"`
			Note     string `json:"note" maxLength:"1000"`
		}
	}
	do := op(http.MethodPost, "/claims/{id}/decision", "decideClaimObjection", "复核登记人的异议，确定金额（MASS-5）", massTag)
	do.DefaultStatus = http.StatusOK
	do.Errors = append(do.Errors, 404, 409)
	huma.Register(a, do, func(ctx context.Context, in *massDecideInput) (*Body[ClaimOut], error) {
		return change(ctx, h.DB, in.ID, func(ctx context.Context, tx *store.Tx, id uuid.UUID) (*massclaim.Claim, error) {
			return massclaim.DecideObjection(ctx, tx, id, in.Body.FinalFen, in.Body.Note)
		}, func(c *massclaim.Claim) ClaimOut { return claimOut(c, true) })
	})
	type massRoundInput struct {
		ID   string `path:"id"`
		Body struct {
			AmountFen int64 `json:"amount_fen,omitempty" doc:"本轮发放的总额；不填为代管的全部款项"`
		}
	}
	rdo := op(http.MethodPost, "/campaigns/{id}/rounds", "payRound", "按比例发放一轮（MASS-6）：各人损失 × 比例，向下取整到分，余款留待下轮", massTag)
	rdo.Errors = append(rdo.Errors, 404, 409)
	huma.Register(a, rdo, func(ctx context.Context, in *massRoundInput) (*Body[RoundOut], error) {
		return change(ctx, h.DB, in.ID, func(ctx context.Context, tx *store.Tx, id uuid.UUID) (*massclaim.Round, error) {
			return massclaim.PayRound(ctx, tx, id, in.Body.AmountFen)
		}, func(r *massclaim.Round) RoundOut {
			return RoundOut{ID: r.ID.String(), Seq: r.Seq, AmountFen: r.AmountFen, PaidFen: r.PaidFen, CarriedFen: r.CarriedFen, Claims: r.Claims,
				BatchID: r.BatchID.String()}
		})
	})

	// The public side: no sign-in; a participant reaches only their own
	// claim, through the link registration gave them (MASS-7).
	pub := func(method, path, id, summary string) huma.Operation {
		o := op(method, "/public"+path, id, summary, massTag)
		o.Security = nil
		return o
	}
	gp := pub(http.MethodGet, "/campaigns/{id}", "getPublicCampaign", "公开：涉众案款发放的名称、判决与登记截止日期")
	gp.Errors = append(gp.Errors, 404)
	huma.Register(a, gp, func(ctx context.Context, in *idPath) (*Body[CampaignOut], error) {
		id, err := parseID(in.ID, "path.id")
		if err != nil {
			return nil, err
		}
		m, err := massclaim.PublicCampaign(ctx, h.DB, id)
		if err != nil {
			return nil, err
		}
		return body(campaignOut(m, false)), nil
	})
	type massCodeInput struct {
		ID   string `path:"id"`
		Body struct {
			Phone string `json:"phone" maxLength:"20"`
		}
	}
	cp := pub(http.MethodPost, "/campaigns/{id}/codes", "sendRegistrationCode", "公开：向手机发送登记验证码（每号码每分钟一次）")
	cp.DefaultStatus = http.StatusAccepted
	cp.Errors = append(cp.Errors, 404)
	type massSent struct {
		Sent bool `json:"sent"`
	}
	huma.Register(a, cp, func(ctx context.Context, in *massCodeInput) (*Body[massSent], error) {
		id, err := parseID(in.ID, "path.id")
		if err != nil {
			return nil, err
		}
		if err := h.DB.Transact(ctx, func(ctx context.Context, tx *store.Tx) error { return massclaim.SendCode(ctx, tx, id, in.Body.Phone) }); err != nil {
			return nil, err
		}
		return body(massSent{true}), nil
	})
	type massRegisterInput struct {
		ID   string `path:"id"`
		Body struct {
			IDNumber       string `json:"id_number" maxLength:"30"`
			Name           string `json:"name" maxLength:"50"`
			Phone          string `json:"phone" maxLength:"20"`
			Code           string `json:"code" maxLength:"10"`
			ClaimedFen     int64  `json:"claimed_fen"`
			Evidence       string `json:"evidence,omitempty" maxLength:"2000" doc:"损失的说明与凭证"`
			PayeeAccountNo string `json:"payee_account_no" maxLength:"50" doc:"本人名下的收款账户"`
			PayeeBank      string `json:"payee_bank" maxLength:"100"`
		}
	}
	type massRegistered struct {
		Claim ClaimOut `json:"claim"`
		Token string   `json:"token" doc:"查看本人登记进度的凭证，只显示这一次，请妥善保存"`
	}
	rp := pub(http.MethodPost, "/campaigns/{id}/claims", "registerClaim", "公开：登记（实名、身份证号校验、手机验证码；每个身份证号只能登记一次）")
	rp.Errors = append(rp.Errors, 404, 429)
	huma.Register(a, rp, func(ctx context.Context, in *massRegisterInput) (*Body[massRegistered], error) {
		id, err := parseID(in.ID, "path.id")
		if err != nil {
			return nil, err
		}
		var out massRegistered
		err = h.DB.Transact(ctx, func(ctx context.Context, tx *store.Tx) error {
			c, token, err := massclaim.Register(ctx, tx, id, massclaim.RegisterInput{IDNumber: in.Body.IDNumber, Name: in.Body.Name, Phone: in.Body.Phone,
				Code: in.Body.Code, ClaimedFen: in.Body.ClaimedFen, Evidence: in.Body.Evidence, PayeeAccountNo: in.Body.PayeeAccountNo,
				PayeeBank: in.Body.PayeeBank})
			if err == nil {
				out = massRegistered{claimOut(c, false), token}
			}
			return err
		})
		if massclaim.IsWrongCode(err) {
			if rerr := h.DB.Transact(ctx, func(ctx context.Context, tx *store.Tx) error {
				return massclaim.RecordWrongCode(ctx, tx, id, in.Body.Phone)
			}); rerr != nil {
				return nil, rerr
			}
		}
		if err != nil {
			return nil, err
		}
		return body(out), nil
	})
	type massLinkInput struct {
		ID   string `path:"id"`
		Body struct {
			IDNumber string `json:"id_number" maxLength:"30"`
			Phone    string `json:"phone" maxLength:"20"`
			Code     string `json:"code" maxLength:"10" doc:"先用 POST /public/campaigns/{id}/codes 向登记时的手机取得验证码"`
		}
	}
	type massLink struct {
		Token string `json:"token" doc:"新的查看凭证；原凭证即时失效"`
	}
	lp := pub(http.MethodPost, "/campaigns/{id}/links", "reissueClaimLink", "公开：遗失查看凭证时重新取得（身份证号、登记时的手机号与新验证码；原凭证失效）")
	lp.DefaultStatus = http.StatusOK
	lp.Errors = append(lp.Errors, 404)
	huma.Register(a, lp, func(ctx context.Context, in *massLinkInput) (*Body[massLink], error) {
		id, err := parseID(in.ID, "path.id")
		if err != nil {
			return nil, err
		}
		token, err := store.TransactValue(ctx, h.DB, func(ctx context.Context, tx *store.Tx) (string, error) {
			return massclaim.ReissueLink(ctx, tx, id, in.Body.IDNumber, in.Body.Phone, in.Body.Code)
		})
		if massclaim.IsWrongCode(err) {
			if rerr := h.DB.Transact(ctx, func(ctx context.Context, tx *store.Tx) error {
				return massclaim.RecordWrongCode(ctx, tx, id, in.Body.Phone)
			}); rerr != nil {
				return nil, rerr
			}
		}
		if err != nil {
			return nil, err
		}
		return body(massLink{token}), nil
	})
	type massTokenPath struct {
		Token string `path:"token" maxLength:"100"`
	}
	tp := pub(http.MethodGet, "/claims/{token}", "getOwnClaim", "公开：本人登记的进度（凭登记时取得的凭证）")
	tp.Errors = append(tp.Errors, 404)
	huma.Register(a, tp, func(ctx context.Context, in *massTokenPath) (*Body[ClaimOut], error) {
		c, err := massclaim.ClaimByToken(ctx, h.DB, in.Token)
		if err != nil {
			return nil, err
		}
		return body(claimOut(c, false)), nil
	})
	type massAnswerInput struct {
		Token string `path:"token" maxLength:"100"`
		Body  struct {
			Confirm   bool   `json:"confirm" doc:"true：确认法院审核的金额；false：提出异议（须写明理由）"`
			Objection string `json:"objection,omitempty" maxLength:"1000"`
		}
	}
	ap := pub(http.MethodPost, "/claims/{token}/answer", "answerOwnClaim", "公开：确认金额或提出异议（MASS-4）")
	ap.DefaultStatus = http.StatusOK
	ap.Errors = append(ap.Errors, 404, 409)
	huma.Register(a, ap, func(ctx context.Context, in *massAnswerInput) (*Body[ClaimOut], error) {
		c, err := store.TransactValue(ctx, h.DB, func(ctx context.Context, tx *store.Tx) (*massclaim.Claim, error) {
			return massclaim.Answer(ctx, tx, in.Token, in.Body.Confirm, in.Body.Objection)
		})
		if err != nil {
			return nil, err
		}
		return body(claimOut(c, false)), nil
	})
	type massPayeeInput struct {
		Token string `path:"token"`
		Body  struct {
			PayeeAccountNo string `json:"payee_account_no" maxLength:"40"`
			PayeeBank      string `json:"payee_bank" maxLength:"100"`
		}
	}
	pp := pub(http.MethodPost, "/claims/{token}/payee", "changeOwnPayee", "公开：更改本人的收款账户（发放未到账时），此后的发放付至新账户")
	pp.DefaultStatus = http.StatusOK
	pp.Errors = append(pp.Errors, 404, 409)
	huma.Register(a, pp, func(ctx context.Context, in *massPayeeInput) (*Body[ClaimOut], error) {
		c, err := store.TransactValue(ctx, h.DB, func(ctx context.Context, tx *store.Tx) (*massclaim.Claim, error) {
			return massclaim.ChangePayee(ctx, tx, in.Token, in.Body.PayeeAccountNo, in.Body.PayeeBank)
		})
		if err != nil {
			return nil, err
		}
		return body(claimOut(c, false)), nil
	})
	rep := op(http.MethodPost, "/campaigns/{id}/repayments", "repayCampaign",
		"未到账款项重新发放：各参与人分户中因发放失败或被退回而留存的款项，一批付至其登记（或更改后）的账户，整批审批（FUND-6）", massTag)
	rep.Errors = append(rep.Errors, 404, 409)
	huma.Register(a, rep, func(ctx context.Context, in *idPath) (*Body[PayoutBatchOut], error) {
		return change(ctx, h.DB, in.ID, func(ctx context.Context, tx *store.Tx, id uuid.UUID) (*funds.PayoutBatch, error) {
			return massclaim.Repay(ctx, tx, id)
		}, payoutBatchOut)
	})
}
