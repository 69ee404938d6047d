package assets

import (
	"context"
	"encoding/json"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/assets/agency"
	"github.com/zhixing-court/zhixing/internal/ruleparams"
	"github.com/zhixing-court/zhixing/internal/store"
)

// Read helpers for the pages: what the case page shows next to CaseView and
// the defaults of its forms, with the rules Place and change apply.

// MaxTermMonths is the longest term TERM-1 allows for a class of property
// under the rule values v (a control form's default).
func MaxTermMonths(v ruleparams.Values, class agency.TermClass) int { return termMonths(v, class) }

// ControlAmount reports whether a control of an asset of kind k names an
// amount of money (a freeze: up to the amount, or a value limit) and
// whether it must (money the agency can move), as Place checks; a seizure
// names none.
func ControlAmount(k agency.Kind) (takes, required bool) {
	info, _ := agency.Info(k)
	return info.Control == agency.OpFreeze, info.Deduct
}

// ControlRulings returns the number of the ruling (执行裁定书) each control
// of a case was placed under, by control id (cases.read, case in scope).
// Controls placed without one are absent.
func ControlRulings(ctx context.Context, q store.Querier, caseID uuid.UUID) (map[uuid.UUID]string, error) {
	p, err := access.Must(ctx)
	if err != nil {
		return nil, err
	}
	if err := p.Require(access.CasesRead); err != nil {
		return nil, err
	}
	var court uuid.UUID
	if err := q.QueryRow(ctx, `SELECT court_id FROM cases WHERE id = ?`, caseID).Scan(&court); err != nil || !p.Sees(court) {
		if err == nil || store.IsNoRows(err) {
			return nil, apperr.NotFoundf("案件")
		}
		return nil, err
	}
	rows, err := q.Query(ctx, `SELECT control_id, documents FROM agency_requests
		WHERE case_id = ? AND control_id IS NOT NULL AND op IN ('freeze', 'seize') AND documents <> ''`, caseID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[uuid.UUID]string{}
	for rows.Next() {
		var id uuid.UUID
		var docs string
		if err := rows.Scan(&id, &docs); err != nil {
			return nil, err
		}
		var list []agency.Document
		if err := json.Unmarshal([]byte(docs), &list); err != nil {
			return nil, err
		}
		for _, d := range list {
			if d.Kind == "ruling" {
				out[id] = d.Number
			}
		}
	}
	return out, rows.Err()
}
