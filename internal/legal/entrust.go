package legal

// EntrustedMatterDue is the last day for the receiving court to report on a
// matter entrusted to it (事项委托, CLOCK-12) on sent: the node limit of
// milestone "entrusted_matter" (days, calendar or working as the milestone
// says, the value in force at the receiving court on the day sent), counted
// from the day after sent (PER-1); a last day on a rest day rolls to the
// next working day under PER-6 (an internal clock).
func EntrustedMatterDue(cal *Calendar, sent Date, days int, working bool, rules PeriodRules) Date {
	return NodeDeadline(cal, sent, days, working, rules)
}

// EntrustedMatterOnTime reports whether a matter done on done was done by
// its due day (MET-10: 期限内办结).
func EntrustedMatterOnTime(done, due Date) bool { return !done.IsZero() && !done.After(due) }

// EntrustedMatterOverdue reports whether a matter still open on today is
// past its due day (flagged in both courts' lists).
func EntrustedMatterOverdue(due, today Date) bool { return today.After(due) }
