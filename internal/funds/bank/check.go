package bank

import (
	"errors"
	"fmt"
)

// Valid reports whether a is one of the acknowledgement statuses.
func (a AckStatus) Valid() bool {
	switch a {
	case AckAccepted, AckDuplicate, AckRejected:
		return true
	}
	return false
}

// Valid reports whether r is one of the result statuses.
func (r ResultStatus) Valid() bool {
	switch r {
	case Settled, Returned, Failed:
		return true
	}
	return false
}

// Label is the status's Chinese name.
func (r ResultStatus) Label() string {
	switch r {
	case Settled:
		return "已支付"
	case Returned:
		return "已退汇"
	case Failed:
		return "支付失败"
	}
	return string(r)
}

// Valid reports whether d is Credit or Debit.
func (d Direction) Valid() bool { return d == Credit || d == Debit }

// Label is the direction's Chinese name.
func (d Direction) Label() string {
	switch d {
	case Credit:
		return "收入"
	case Debit:
		return "支出"
	}
	return string(d)
}

// ErrStatement is wrapped by Check's errors.
var ErrStatement = errors.New("bank: inconsistent statement")

// Check verifies that a statement is whole: every line is of its day, has
// an ID (unique), a direction and an amount above zero, and the opening
// balance plus the credits less the debits is the closing balance. zhixing
// reconciles only against statements that pass.
func (s Statement) Check() error {
	seen := make(map[string]bool, len(s.Lines))
	bal := s.OpeningFen
	for i, l := range s.Lines {
		switch {
		case l.ID == "":
			return fmt.Errorf("%w: line %d has no id", ErrStatement, i)
		case seen[l.ID]:
			return fmt.Errorf("%w: line id %q twice", ErrStatement, l.ID)
		case l.Date != s.Date:
			return fmt.Errorf("%w: line %s booked on %s, not %s", ErrStatement, l.ID, l.Date, s.Date)
		case !l.Direction.Valid():
			return fmt.Errorf("%w: line %s has direction %q", ErrStatement, l.ID, l.Direction)
		case l.AmountFen <= 0:
			return fmt.Errorf("%w: line %s has amount %d", ErrStatement, l.ID, l.AmountFen)
		}
		seen[l.ID] = true
		if l.Direction == Credit {
			bal += l.AmountFen
		} else {
			bal -= l.AmountFen
		}
	}
	if bal != s.ClosingFen {
		return fmt.Errorf("%w: opening %d plus credits less debits is %d, closing is %d", ErrStatement, s.OpeningFen, bal, s.ClosingFen)
	}
	return nil
}
