// Package bank is the connector protocol between zhixing and the bank that
// keeps a court's custody account (执行款专户): payout instructions, their
// results and the account's statement (docs/bank-protocol.md).
//
// zhixing sends payout instructions in batches; each carries zhixing's own
// reference (the payout's id), which makes a repeated send harmless: the bank
// acknowledges a reference it already has as a duplicate and never pays it
// twice. Results (settled, returned, failed) come back asynchronously and
// are polled from a cursor. The statement lists every line on the account —
// money in (a debtor's payment quoting a case's virtual account number, an
// auction platform's transfer) and money out — for matching and for the
// daily reconciliation (FUND-8). Requests are signed like the agency
// protocol (HMAC-SHA256 over "<unix time>.<body>", agency.Sign).
package bank

import (
	"context"
	"time"
)

// Paths of the bank's HTTP interface, below its base URL.
const (
	PathInstructions = "/v1/instructions" // POST: a batch of instructions (Batch) → Acks
	PathResults      = "/v1/results"      // GET ?after=<cursor>&limit=<n> → Results
	PathStatement    = "/v1/statement"    // GET ?account=<no>&date=YYYY-MM-DD → Statement
)

// Limits of one message.
const (
	MaxBatch     = 500     // instructions per POST
	MaxBodyBytes = 8 << 20 // bytes per message, either way
	PollDefault  = 500     // results per page when limit is 0 or absent
	PollMax      = 1000    // results per page at most
)

// Batch is the body of a POST to PathInstructions.
type Batch struct {
	Instructions []Instruction `json:"instructions"`
}

// Acks is the answer to a Batch: one Ack per instruction, in order.
type Acks struct {
	Acks []Ack `json:"acks"`
}

// Reason codes: the stable, machine-readable side of Ack.Reason and
// Result.Reason (which are Chinese sentences for people).
const (
	CodeInvalid           = "invalid"            // rejected: a field missing or malformed
	CodeUnknownAccount    = "unknown_account"    // rejected: not a custody account of this bank (or of this connection)
	CodeChanged           = "changed"            // duplicate: the reference was taken with other contents; the first ones stand
	CodeInsufficientFunds = "insufficient_funds" // failed: the custody account's balance was short
	CodeAccountFrozen     = "account_frozen"     // failed: the custody account is frozen or suspended
	CodePayeeReturned     = "payee_returned"     // returned: the payee's bank sent the money back (closed account, name mismatch)
)

// Instruction asks the bank to pay from the custody account.
type Instruction struct {
	// Ref is zhixing's reference for the payout: the same payout always
	// carries the same Ref, however often it is sent.
	Ref string `json:"ref"`
	// Account is the custody account paid from.
	Account string `json:"account"`
	// Payee: name, account number and bank (开户行).
	PayeeName    string `json:"payee_name"`
	PayeeAccount string `json:"payee_account"`
	PayeeBank    string `json:"payee_bank"`
	AmountFen    int64  `json:"amount_fen"`
	// Purpose is the remittance text the payee sees (the case number).
	Purpose string `json:"purpose"`
}

// AckStatus is the bank's receipt of one instruction.
type AckStatus string

const (
	AckAccepted  AckStatus = "accepted"  // taken; a result follows
	AckDuplicate AckStatus = "duplicate" // the reference was already taken: nothing new happens
	AckRejected  AckStatus = "rejected"  // refused outright (malformed, unknown account); no result follows
)

// Ack answers one instruction of a batch, in order.
type Ack struct {
	Ref    string    `json:"ref"`
	Status AckStatus `json:"status"`
	Reason string    `json:"reason,omitempty"`
	Code   string    `json:"code,omitempty"` // Code… constants, for rejections and changed duplicates
}

// ResultStatus is how an accepted instruction ended.
type ResultStatus string

const (
	Settled  ResultStatus = "settled"  // paid to the payee
	Returned ResultStatus = "returned" // paid, then sent back by the payee's bank (closed account, name mismatch)
	Failed   ResultStatus = "failed"   // not paid (insufficient funds, account frozen)
)

// Result is the end of one instruction. An instruction has one result,
// settled or failed, except that a settled payout the payee's bank sends
// back later gets a second one, returned: settled then returned match the
// debit and then the credit on the statement.
type Result struct {
	Seq     int64        `json:"seq"` // the cursor position: increasing
	Ref     string       `json:"ref"`
	Status  ResultStatus `json:"status"`
	BankRef string       `json:"bank_ref,omitempty"` // the bank's transaction number: the ID of the statement line (settled, returned)
	Reason  string       `json:"reason,omitempty"`
	Code    string       `json:"code,omitempty"` // Code… constants, for failed and returned
	// AmountFen is the amount paid (settled) or sent back (returned).
	AmountFen int64     `json:"amount_fen,omitempty"`
	At        time.Time `json:"at"`
}

// Results is a page of results after a cursor.
type Results struct {
	Results []Result `json:"results"`
	// Next is the cursor to ask from next time (the last Seq, or the same
	// cursor when nothing new).
	Next int64 `json:"next"`
}

// Direction is the side of a statement line.
type Direction string

const (
	Credit Direction = "credit" // money in
	Debit  Direction = "debit"  // money out
)

// Line is one line of the custody account's statement.
type Line struct {
	// ID is the bank's unique number of the line (流水号): importing the
	// same line twice is harmless.
	ID        string    `json:"id"`
	Date      string    `json:"date"` // booking date, YYYY-MM-DD (Asia/Shanghai)
	Direction Direction `json:"direction"`
	AmountFen int64     `json:"amount_fen"`
	// Counterparty: who paid (credit) or was paid (debit).
	CounterpartyName    string `json:"counterparty_name"`
	CounterpartyAccount string `json:"counterparty_account"`
	// Memo is the payer's remittance text (附言): a debtor quotes the case's
	// virtual account number or case number here.
	Memo string `json:"memo"`
	// VirtualAccount is the sub-account number the money was sent to, when
	// the payer used it as the destination (the bank's virtual-account
	// service); empty otherwise.
	VirtualAccount string `json:"virtual_account,omitempty"`
	// InstructionRef is zhixing's reference for a debit that paid an
	// instruction (or a credit that returned one).
	InstructionRef string    `json:"instruction_ref,omitempty"`
	At             time.Time `json:"at"`
}

// Statement is the statement of one account for one day.
type Statement struct {
	Account    string `json:"account"`
	Date       string `json:"date"`
	OpeningFen int64  `json:"opening_fen"`
	ClosingFen int64  `json:"closing_fen"`
	Lines      []Line `json:"lines"`
}

// Client is zhixing's side of the protocol. The HTTP client implements it
// against the bank (or its simulator); tests may use the simulator directly.
type Client interface {
	Send(ctx context.Context, batch []Instruction) ([]Ack, error)
	Results(ctx context.Context, after int64, limit int) (Results, error)
	Statement(ctx context.Context, account string, date string) (Statement, error)
}
