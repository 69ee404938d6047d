// Package agency is the connector protocol between zhixing and the agencies
// that assist enforcement (协助执行单位): banks, registries, payment
// companies, the market regulator, the police. docs/agency-protocol.md is its
// specification for the people who build the other side; this package is its
// Go form, used by zhixing's dispatcher and by the simulator (internal/sim).
//
// The exchange, in short:
//
//   - zhixing POSTs a batch of Requests to an agency (POST {base}/requests).
//     Each request carries an id chosen by zhixing (a UUID) that makes a
//     retry harmless: an agency that has seen the id answers "duplicate" and
//     does not act again — it never freezes the same money twice for one
//     request. The agency acknowledges every request of the batch at once
//     (Ack) and works on it asynchronously.
//   - When a request is done the agency POSTs its Result to the request's
//     callback URL. Results are idempotent too: zhixing keeps the first result
//     of a request and ignores repeats.
//   - Polling is the fallback when callbacks are lost: GET {base}/results
//     ?after=<cursor> lists the agency's results in the order it produced them.
//   - Every message in either direction is signed (Sign, Verify): an HMAC-SHA256
//     over a timestamp and the body with the key the two sides share.
//   - An agency that is overloaded answers 429 with Retry-After; zhixing also
//     limits its own rate per agency.
package agency

import (
	"time"
)

// Op is what a request asks the agency to do.
type Op string

const (
	OpInquire Op = "inquire" // 查询: report what the subject holds
	OpFreeze  Op = "freeze"  // 冻结: deposits, payment accounts, securities, equity, funds
	OpSeize   Op = "seize"   // 查封/扣押: real estate, vehicles, ships
	OpDeduct  Op = "deduct"  // 扣划: move frozen money to the court's account
	OpRenew   Op = "renew"   // 续行冻结/查封 before the term ends (TERM-2)
	OpRelease Op = "release" // 解除冻结/查封
	OpLocate  Op = "locate"  // 查找下落: person search with the police
)

// Ops lists every operation.
var Ops = []Op{OpInquire, OpFreeze, OpSeize, OpDeduct, OpRenew, OpRelease, OpLocate}

// Label is the operation's Chinese name.
func (o Op) Label() string {
	switch o {
	case OpInquire:
		return "查询"
	case OpFreeze:
		return "冻结"
	case OpSeize:
		return "查封"
	case OpDeduct:
		return "扣划"
	case OpRenew:
		return "续行"
	case OpRelease:
		return "解除"
	case OpLocate:
		return "查找下落"
	}
	return string(o)
}

// Valid reports whether o is one of Ops.
func (o Op) Valid() bool {
	switch o {
	case OpInquire, OpFreeze, OpSeize, OpDeduct, OpRenew, OpRelease, OpLocate:
		return true
	}
	return false
}

// Control reports whether o places, changes or lifts a control on an asset.
func (o Op) Control() bool {
	switch o {
	case OpFreeze, OpSeize, OpDeduct, OpRenew, OpRelease:
		return true
	}
	return false
}

// Subject is the person or organization a request is about.
type Subject struct {
	Kind     string `json:"kind"` // "person" or "organization"
	Name     string `json:"name"`
	IDNumber string `json:"id_number"` // resident ID or 统一社会信用代码
}

// Document is a legal instrument that backs a request: the ruling (裁定书)
// and the assistance notice (协助执行通知书). URL, when set, is where the
// agency's operator can open it.
type Document struct {
	Kind   string `json:"kind"` // "ruling", "assistance_notice"
	Number string `json:"number"`
	Title  string `json:"title"`
	URL    string `json:"url,omitempty"`
}

// Request is one instruction to an agency.
type Request struct {
	ID     string `json:"id"`     // chosen by zhixing; the idempotency key
	Agency string `json:"agency"` // the agency's code
	Kind   Kind   `json:"kind"`   // the asset kind asked about
	Op     Op     `json:"op"`
	// Court and case on whose behalf the request is made, and why (INV-4).
	Court       string  `json:"court"`
	CourtName   string  `json:"court_name"`
	CaseNo      string  `json:"case_no"`
	Purpose     string  `json:"purpose"`
	RequestedBy string  `json:"requested_by"`
	Subject     Subject `json:"subject"`
	// For controls: the asset (its reference at the agency, as reported by an
	// inquiry), the amount to freeze or deduct (fen), the term's last day
	// (YYYY-MM-DD, Asia/Shanghai) for freeze, seize and renew, and the
	// agency's reference of the control being renewed, deducted or released.
	AssetRef   string     `json:"asset_ref,omitempty"`
	AmountFen  int64      `json:"amount_fen,omitempty"`
	TermTo     string     `json:"term_to,omitempty"`
	ControlRef string     `json:"control_ref,omitempty"`
	Documents  []Document `json:"documents,omitempty"`
	// CallbackURL is where the agency POSTs the Result.
	CallbackURL string    `json:"callback_url"`
	SentAt      time.Time `json:"sent_at"`
}

// Batch is the body of POST {base}/requests.
type Batch struct {
	Requests []Request `json:"requests"`
}

// AckStatus is an agency's answer on receiving a request.
type AckStatus string

const (
	AckAccepted  AckStatus = "accepted"  // will be worked on; the Result follows
	AckDuplicate AckStatus = "duplicate" // already received; nothing new is done (its Result is or will be available)
	AckRejected  AckStatus = "rejected"  // malformed or not for this agency; Reason says why; no Result follows
)

// Ack acknowledges one request of a batch.
type Ack struct {
	ID     string    `json:"id"`
	Status AckStatus `json:"status"`
	Reason string    `json:"reason,omitempty"`
}

// Acks is the body of the answer to POST {base}/requests, one per request
// in the batch's order.
type Acks struct {
	Acks []Ack `json:"acks"`
}

// ResultStatus is how a request ended.
type ResultStatus string

const (
	ResultDone     ResultStatus = "done"     // carried out as asked (or, for an inquiry, answered)
	ResultPartial  ResultStatus = "partial"  // carried out for less than asked: a freeze of less money than asked
	ResultNotFound ResultStatus = "notfound" // the subject or asset is unknown to the agency
	ResultFailed   ResultStatus = "failed"   // refused or impossible; Message says why
)

// Valid reports whether s is a known status.
func (s ResultStatus) Valid() bool {
	switch s {
	case ResultDone, ResultPartial, ResultNotFound, ResultFailed:
		return true
	}
	return false
}

// Holding is an asset an inquiry found.
type Holding struct {
	Ref         string `json:"ref"` // the agency's reference: account number, certificate number, plate
	Kind        Kind   `json:"kind"`
	Institution string `json:"institution"` // bank branch, registry, company whose shares
	Description string `json:"description"`
	// ValueFen is the balance of an account, or the agency's indication of
	// value (0 when it gives none); AvailableFen what is not already frozen.
	ValueFen     int64             `json:"value_fen"`
	AvailableFen int64             `json:"available_fen"`
	Attributes   map[string]string `json:"attributes,omitempty"` // kind-specific: area, address, VIN, share ratio…
}

// ControlResult is the outcome of a control request.
type ControlResult struct {
	Ref         string    `json:"ref"`          // the agency's reference of the control
	AmountFen   int64     `json:"amount_fen"`   // actually frozen or deducted
	EffectiveAt time.Time `json:"effective_at"` // when it took effect at the agency
	TermTo      string    `json:"term_to,omitempty"`
	// Rank is the control's place on the asset at the agency: 1 for the
	// first seizure (首封), 2 and more for waiting seizures (轮候).
	Rank int `json:"rank,omitempty"`
	// ReceiptRef is the transfer's reference for a deduction: the money
	// arrives in the court's custody account under it.
	ReceiptRef string `json:"receipt_ref,omitempty"`
}

// Location is the answer to a person search.
type Location struct {
	Found   bool   `json:"found"`
	Address string `json:"address,omitempty"`
	Note    string `json:"note,omitempty"`
}

// Result is an agency's answer to one request.
type Result struct {
	RequestID  string         `json:"request_id"`
	Agency     string         `json:"agency"`
	Status     ResultStatus   `json:"status"`
	Message    string         `json:"message,omitempty"`
	Holdings   []Holding      `json:"holdings,omitempty"`
	Control    *ControlResult `json:"control,omitempty"`
	Location   *Location      `json:"location,omitempty"`
	AnsweredAt time.Time      `json:"answered_at"`
	// Seq orders an agency's results for polling; set by the agency.
	Seq int64 `json:"seq"`
}

// Results is the body of a callback and of the answer to GET {base}/results.
// Next is the cursor for the next poll.
type Results struct {
	Results []Result `json:"results"`
	Next    int64    `json:"next,omitempty"`
}

// Maximum sizes the two sides accept.
const (
	MaxBatch     = 500     // requests per POST
	MaxBodyBytes = 8 << 20 // bytes per message
)
