package assets

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/audit"
	"github.com/zhixing-court/zhixing/internal/cases"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/supervise"
)

// Preservation measures (TERM-5): a freeze or seizure placed in a 执保 case
// becomes a measure of the enforcement case once the creditor applies for
// enforcement, automatically and with its term running on. zhixing carries
// it when the enforcement case is filed (and again on request, for one
// placed or answered later): the enforcement case gets a control of its own
// that continues the preservation one (carried_from) in the same place in
// the registry, rank and term unchanged, and the preservation control ends.
// The agency is not asked again: nothing changes at the agency.

// carrySelect finds the preservation controls binding the assets of a
// case's respondents that were placed for one of its applicants, on assets
// the case does not hold yet. Its four parameters are the case's id.
const carrySelect = `SELECT c.id FROM controls c JOIN assets a ON a.id = c.asset_id
	WHERE c.preservation AND c.status IN ('active', 'waiting') AND c.case_id <> ?
	AND a.party_id IN (SELECT party_id FROM case_parties WHERE case_id = ? AND role = 'respondent')
	AND EXISTS (SELECT 1 FROM case_parties pa WHERE pa.case_id = c.case_id AND pa.role = 'applicant'
		AND pa.party_id IN (SELECT party_id FROM case_parties WHERE case_id = ? AND role = 'applicant'))
	AND NOT EXISTS (SELECT 1 FROM controls h WHERE h.case_id = ? AND h.asset_id = c.asset_id AND h.status IN ('requested', 'active', 'waiting'))
	ORDER BY c.created_at, c.id`

// Carried is what carrying preservation measures into a case did.
type Carried struct {
	Controls []*Control // the case's new controls
	// Skipped names preservation controls left for later because a
	// renewal, release or deduction is still at the agency.
	Skipped []string
}

// CarryAtFiling carries the preservation measures of a case's parties into
// the case just filed (TERM-5), in the filing transaction. byName is who
// filed it.
func CarryAtFiling(ctx context.Context, tx *store.Tx, c *cases.Case, byName string) (*Carried, error) {
	out := &Carried{}
	if c.CaseType != "first_enforcement" {
		return out, nil
	}
	rows, err := tx.Query(ctx, carrySelect, c.ID, c.ID, c.ID, c.ID)
	if err != nil {
		return nil, err
	}
	ids, err := store.ScanAll(rows, func(sc store.Scanner) (uuid.UUID, error) {
		var id uuid.UUID
		return id, sc.Scan(&id)
	})
	if err != nil {
		return nil, err
	}
	now := time.Now().UTC()
	for _, id := range ids {
		old, err := getControl(ctx, tx, id, true)
		if err != nil {
			return nil, err
		}
		if !old.Status.Held() {
			continue
		}
		as, err := loadAsset(ctx, tx, old.AssetID)
		if err != nil {
			return nil, err
		}
		var pending, held int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM agency_requests WHERE control_id = ? AND status IN ('queued', 'sent')`,
			old.ID).Scan(&pending); err != nil {
			return nil, err
		}
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM controls WHERE case_id = ? AND asset_id = ? AND status IN ('requested', 'active', 'waiting')`,
			c.ID, old.AssetID).Scan(&held); err != nil {
			return nil, err
		}
		if held > 0 {
			// A duplicate preservation of an asset the case already holds
			// (TERM-5): it stays with its preservation case.
			continue
		}
		if pending > 0 {
			out.Skipped = append(out.Skipped, old.CaseNo+" "+as.describe())
			if err := cases.AppendEvents(ctx, tx, c.ID, cases.Event{Kind: "control.carry_waiting", Summary: fmt.Sprintf(
				"保全措施 %s（%s）尚有事项在协执单位办理，办理完毕后可在本案“承接保全措施”（TERM-5）", as.describe(), old.CaseNo)}); err != nil {
				return nil, err
			}
			continue
		}
		ctl := *old
		ctl.ID, ctl.CourtID, ctl.CaseID, ctl.CaseNo = store.NewID(), c.CourtID, c.ID, c.CaseNo
		ctl.Preservation, ctl.CarriedFrom, ctl.DuplicateOf = false, old.ID, uuid.Nil
		ctl.Reason = "财产保全措施自动转为执行措施，期限连续计算（TERM-5）"
		ctl.RequestedByName, ctl.CreatedAt, ctl.UpdatedAt = byName, now, now
		if _, err := tx.Exec(ctx, `INSERT INTO controls (id, court_id, case_id, asset_id, op, status, amount_asked_fen, amount_fen, deducted_fen,
			term_class, term_to, effective_at, rank, agency_ref, preservation, carried_from, warned_days, reason, requested_by_name,
			created_at, updated_at)
			SELECT ?, ?, ?, asset_id, op, status, amount_asked_fen, amount_fen, 0, term_class, term_to, effective_at, rank, agency_ref,
			FALSE, id, warned_days, ?, ?, ?, ? FROM controls WHERE id = ?`,
			ctl.ID, ctl.CourtID, ctl.CaseID, ctl.Reason, byName, now, now, old.ID); err != nil {
			return nil, err
		}
		ctl.DeductedFen = 0
		if _, err := tx.Exec(ctx, `UPDATE controls SET status = 'released', ended_at = ?, end_reason = ?, updated_at = ? WHERE id = ?`,
			now, "已转为 "+c.CaseNo+" 的执行措施（TERM-5）", now, old.ID); err != nil {
			return nil, err
		}
		if err := supervise.Touch(ctx, tx, supervise.Subject{Kind: supervise.SubjectControl, ID: ctl.ID},
			supervise.Subject{Kind: supervise.SubjectControl, ID: old.ID}); err != nil {
			return nil, err
		}
		what := old.Op.Label() + " " + as.describe()
		place := "首封"
		if old.Rank > 1 {
			place = fmt.Sprintf("轮候第 %d 位", old.Rank)
		}
		summary := fmt.Sprintf("%s 的保全措施转为本案执行措施：%s，%s，期限至 %s（连续计算，TERM-5）", old.CaseNo, what, place, old.TermTo)
		if err := cases.AppendEvents(ctx, tx, old.CaseID, cases.Event{Kind: "control.carried",
			Summary: what + " 已转为 " + c.CaseNo + " 的执行措施（TERM-5）"}); err != nil {
			return nil, err
		}
		if err := logControl(ctx, tx, &ctl, c.CaseNo, "control.carried", summary, audit.Changes{
			"carried_from": {To: old.ID}, "from_case": {To: old.CaseNo}, "rank": {To: old.Rank}, "term_to": {To: old.TermTo}}); err != nil {
			return nil, err
		}
		out.Controls = append(out.Controls, &ctl)
	}
	return out, nil
}

// CarryPreservation carries into a case the preservation measures its
// applicants obtained against its respondents that are not carried yet
// (assets.control): the on-demand form of what filing does.
func CarryPreservation(ctx context.Context, tx *store.Tx, caseID uuid.UUID) (*Carried, error) {
	p, c, err := openCase(ctx, tx, caseID)
	if err != nil {
		return nil, err
	}
	return CarryAtFiling(ctx, tx, c, p.DisplayName)
}

// duplicatePreservation returns a preservation control of another case of
// the same applicant that already binds the asset (TERM-5: flag duplicate
// preservation), or uuid.Nil.
func duplicatePreservation(ctx context.Context, tx *store.Tx, caseID, assetID uuid.UUID) (uuid.UUID, string, error) {
	var id uuid.UUID
	var caseNo string
	err := tx.QueryRow(ctx, `SELECT c.id, k.case_no FROM controls c JOIN cases k ON k.id = c.case_id
		WHERE c.asset_id = ? AND c.preservation AND c.status IN ('requested', 'active', 'waiting') AND c.case_id <> ?
		AND EXISTS (SELECT 1 FROM case_parties pa WHERE pa.case_id = c.case_id AND pa.role = 'applicant'
			AND pa.party_id IN (SELECT party_id FROM case_parties WHERE case_id = ? AND role = 'applicant'))
		ORDER BY c.created_at, c.id LIMIT 1`, assetID, caseID, caseID).Scan(&id, &caseNo)
	if store.IsNoRows(err) {
		return uuid.Nil, "", nil
	}
	return id, strings.TrimSpace(caseNo), err
}
