// Package assets is online asset inquiry and control (网络查控, DOMAIN.md
// §4): inquiries of a case's respondents at every agency, the assets the
// agencies report, the controls placed on them (freeze, seizure) with their
// order across cases and courts (首封/轮候) and terms, and the dispatcher
// that carries every request to its agency through the connector protocol
// (package agency) and takes the answers back.
//
// Every message is first a row of agency_requests, written in the
// transaction of the change that causes it (a filing, a click, a re-query);
// the Dispatcher sends due rows in batches, per agency, at the agency's rate,
// retries failures with backoff and gives up after MaxAttempts (the
// dead-letter list). The request id is the row's id, so a retry after a lost
// answer is a duplicate the agency ignores. Answers arrive by callback
// (Callback) or, when callbacks are lost, by polling; either way ApplyResults
// keeps the first answer of a request and ignores repeats.
package assets

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/assets/agency"
	"github.com/zhixing-court/zhixing/internal/audit"
	"github.com/zhixing-court/zhixing/internal/store"
)

// Agency is an assisting agency as zhixing knows it.
type Agency struct {
	ID         uuid.UUID
	Code       string
	Name       string
	Kinds      []agency.Kind
	Inquire    bool
	Control    bool
	Channel    agency.Channel
	Region     string
	Endpoint   string // base URL; "" = the configured simulator
	KeyID      string
	Secret     string // "" = the simulator's key
	RatePerSec int
	Active     bool
	PollCursor int64
}

// Serves reports whether a serves kind.
func (a *Agency) Serves(k agency.Kind) bool {
	for _, x := range a.Kinds {
		if x == k {
			return true
		}
	}
	return false
}

// ServesCourt reports whether a serves the court with the given code: a
// national agency serves every court, a regional one the courts whose code
// starts with its region.
func (a *Agency) ServesCourt(courtCode string) bool {
	return a.Region == "" || strings.HasPrefix(courtCode, a.Region)
}

const agencyColumns = `id, code, name, kinds, inquire, control, channel, region, endpoint, key_id, secret, rate_per_sec, active, poll_cursor`

func scanAgency(sc interface{ Scan(...any) error }) (Agency, error) {
	var a Agency
	var kinds string
	err := sc.Scan(&a.ID, &a.Code, &a.Name, &kinds, &a.Inquire, &a.Control, &a.Channel, &a.Region, &a.Endpoint, &a.KeyID,
		&a.Secret, &a.RatePerSec, &a.Active, &a.PollCursor)
	for k := range strings.FieldsSeq(kinds) {
		a.Kinds = append(a.Kinds, agency.Kind(k))
	}
	return a, err
}

// Agencies returns every agency, active or not, by code.
func Agencies(ctx context.Context, q store.Querier) ([]Agency, error) {
	rows, err := q.Query(ctx, `SELECT `+agencyColumns+` FROM agencies ORDER BY code`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Agency
	for rows.Next() {
		a, err := scanAgency(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// Seeds returns the agency directory as reference data.
func Seeds() []store.Seed {
	dir := agency.Directory()
	v := 0
	for _, e := range dir {
		v = max(v, e.Since)
	}
	return []store.Seed{{Name: "agencies", Version: v, Digest: agency.DirectoryDigest(),
		Load: func(ctx context.Context, tx *store.Tx, from, to int) error {
			now := time.Now().UTC()
			for _, e := range dir {
				if e.Since <= from || e.Since > to {
					continue
				}
				kinds := make([]string, len(e.Kinds))
				for i, k := range e.Kinds {
					kinds[i] = string(k)
				}
				res, err := tx.Exec(ctx, `INSERT INTO agencies (id, code, name, kinds, inquire, control, channel, region, rate_per_sec,
					active, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, TRUE, ?, ?) ON CONFLICT (code) DO NOTHING`,
					store.NewID(), e.Code, e.Name, strings.Join(kinds, " "), e.Inquire, e.Control, string(e.Channel), e.Region,
					e.RatePerSec, now, now)
				if err != nil {
					return err
				}
				if n, _ := res.RowsAffected(); n == 0 {
					continue
				}
				if err := audit.Log(ctx, tx, audit.Entry{CourtID: audit.Platform, Action: "agency.created", ObjectType: "agency",
					ObjectID: e.Code, Summary: "载入协执单位 " + e.Name + "（" + e.Channel.Label() + "）",
					Changes: audit.Changes{"kinds": {To: kinds}, "region": {To: e.Region}}}); err != nil {
					return err
				}
			}
			return nil
		}}}
}

// RequestStatus is where a message to an agency stands.
type RequestStatus string

const (
	RequestQueued   RequestStatus = "queued"   // waiting to be sent (or sent and not acknowledged: it will be sent again)
	RequestSent     RequestStatus = "sent"     // acknowledged (or delivered to the agency portal); waiting for the answer
	RequestAnswered RequestStatus = "answered" // the agency answered
	RequestRejected RequestStatus = "rejected" // the agency refused it as malformed or not its business
	RequestDead     RequestStatus = "dead"     // undeliverable after MaxAttempts: on the dead-letter list
)

// Label is the status's Chinese name.
func (s RequestStatus) Label() string {
	switch s {
	case RequestQueued:
		return "待发送"
	case RequestSent:
		return "等待答复"
	case RequestAnswered:
		return "已答复"
	case RequestRejected:
		return "被退回"
	case RequestDead:
		return "无法送达"
	}
	return string(s)
}

// Final reports whether nothing more will happen to a request by itself.
func (s RequestStatus) Final() bool {
	return s == RequestAnswered || s == RequestRejected || s == RequestDead
}

// ResultLabel is the Chinese name of an agency's answer status.
func ResultLabel(s agency.ResultStatus) string {
	switch s {
	case agency.ResultDone:
		return "已办结"
	case agency.ResultPartial:
		return "部分办结"
	case agency.ResultNotFound:
		return "查无"
	case agency.ResultFailed:
		return "未能办理"
	}
	return string(s)
}

func marshal(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // plain structs and maps only
	}
	return string(b)
}

// moneyKinds are the kinds whose available balance counts as money found.
var moneyKinds = func() []any {
	var out []any
	for _, k := range agency.Kinds {
		if k.Money {
			out = append(out, string(k.Kind))
		}
	}
	return out
}()
