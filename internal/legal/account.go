package legal

import (
	"fmt"
	"strings"
)

// Virtual account numbers (FUND-1, 一案一账号): each party of a case has a
// sub-account of the court's custody account, and a payer quotes its number
// so that the money finds the case without anyone matching it by hand. The
// number is built from the case number so that it can be read aloud and
// checked:
//
//	division (6) | year (4) | case type (2) | case sequence (6+) | party (2) | check digit (1)
//
// The check digit is the Luhn digit over the rest, which catches every
// single-digit slip and most swaps of neighbours when a clerk types a number
// from a bank statement.

// VirtualAccountNo returns the number of a party's sub-account. division is
// the court's GB/T 2260 code, typeNo the case type's number (1–99), seq the
// case's sequence number and party the party's position in the case (1–99).
func VirtualAccountNo(division string, year, typeNo, seq, party int) string {
	body := fmt.Sprintf("%s%04d%02d%06d%02d", division, year, typeNo, seq, party)
	return body + string(rune('0'+luhnDigit(body)))
}

// CheckVirtualAccountNo reports whether s is a well-formed virtual account
// number: digits only, at least 21 of them, with a correct check digit.
func CheckVirtualAccountNo(s string) bool {
	s = strings.TrimSpace(s)
	if len(s) < 21 {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return luhnDigit(s[:len(s)-1]) == int(s[len(s)-1]-'0')
}

// luhnDigit is the Luhn check digit of a string of digits.
func luhnDigit(digits string) int {
	sum := 0
	double := true // the digit left of the check digit is doubled
	for i := len(digits) - 1; i >= 0; i-- {
		d := int(digits[i] - '0')
		if double {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
	}
	return (10 - sum%10) % 10
}
