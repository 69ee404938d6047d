package assets

import (
	"context"
	"encoding/json"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/assets/agency"
	"github.com/zhixing-court/zhixing/internal/page"
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

// SettledTransfers lists the transfer requests (TERM-4) of the caller's
// courts that are no longer waiting for an answer — agreed, refused or
// withdrawn —, the latest first (assets.control). The worklist shows them
// after the pending ones (Transfers with TransferPending); Incoming as in
// TransferFilter.
func SettledTransfers(ctx context.Context, q store.Querier, incoming bool, req page.Request) (page.Page[*Transfer], error) {
	p, err := access.Must(ctx)
	if err != nil {
		return page.Page[*Transfer]{}, err
	}
	if err := p.Require(access.AssetsControl); err != nil {
		return page.Page[*Transfer]{}, err
	}
	col := "t.requesting_court_id"
	if incoming {
		col = "t.holding_court_id"
	}
	cond, args := p.CourtFilter(col)
	return store.PageByID(ctx, q, req, transferSelect+` WHERE `+cond+` AND t.status <> 'pending'`, args, "t.id", true, scanTransfer,
		func(t *Transfer) uuid.UUID { return t.ID })
}

// AssetRef names an asset: its kind, reference and institution. Pages mask
// account numbers, which Transfer.AssetName gives whole.
type AssetRef struct {
	Kind        agency.Kind
	Ref         string
	Institution string
}

// TransferAssets returns the assets the transfer requests name, by asset
// id. The requests were read in the caller's scope (Transfers, GetTransfer),
// so nothing else is checked.
func TransferAssets(ctx context.Context, q store.Querier, ts []*Transfer) (map[uuid.UUID]AssetRef, error) {
	out := map[uuid.UUID]AssetRef{}
	if len(ts) == 0 {
		return out, nil
	}
	var ids []any
	marks := ""
	for _, t := range ts {
		if _, ok := out[t.AssetID]; ok {
			continue
		}
		out[t.AssetID] = AssetRef{}
		ids = append(ids, t.AssetID)
		if marks != "" {
			marks += ", "
		}
		marks += "?"
	}
	rows, err := q.Query(ctx, `SELECT id, kind, ref, institution FROM assets WHERE id IN (`+marks+`)`, ids...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id uuid.UUID
		var a AssetRef
		if err := rows.Scan(&id, &a.Kind, &a.Ref, &a.Institution); err != nil {
			return nil, err
		}
		out[id] = a
	}
	return out, rows.Err()
}
