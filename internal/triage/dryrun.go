package triage

import (
	"cmp"
	"slices"
)

// MaxMoveExamples is how many example indexes a Move keeps.
const MaxMoveExamples = 5

// Move counts the cases that change lane between two rule sets.
type Move struct {
	From, To string // lane codes
	Count    int
	Examples []int // up to MaxMoveExamples indexes into the facts, ascending
}

// DryRunResult compares the lanes two rule sets give the same cases.
type DryRunResult struct {
	Total  int               // cases compared
	Moved  int               // cases whose lane changes
	Moves  []Move            // by Count descending, then From, then To
	ByLane map[string][2]int // lane → {cases under current, cases under proposed}; every lane is present
}

// DryRun evaluates every case under the current and the proposed rule set
// and reports which cases would change lane. A nil rule set sends every case
// to lane "" (no rule set yet).
func DryRun(current, proposed *Compiled, facts []Facts) DryRunResult {
	res := DryRunResult{Total: len(facts), ByLane: make(map[string][2]int, len(lanes)+1)}
	for _, l := range lanes {
		res.ByLane[l.Code] = [2]int{}
	}
	type key struct{ from, to string }
	moves := map[key]*Move{}
	for i := range facts {
		from, to := current.lane(&facts[i]), proposed.lane(&facts[i])
		c := res.ByLane[from]
		c[0]++
		res.ByLane[from] = c
		p := res.ByLane[to]
		p[1]++
		res.ByLane[to] = p
		if from == to {
			continue
		}
		res.Moved++
		m := moves[key{from, to}]
		if m == nil {
			m = &Move{From: from, To: to}
			moves[key{from, to}] = m
		}
		m.Count++
		if len(m.Examples) < MaxMoveExamples {
			m.Examples = append(m.Examples, i)
		}
	}
	for _, m := range moves {
		res.Moves = append(res.Moves, *m)
	}
	slices.SortFunc(res.Moves, func(a, b Move) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.From, b.From), cmp.Compare(a.To, b.To))
	})
	return res
}

// lane is the lane c gives f, "" for a nil c.
func (c *Compiled) lane(f *Facts) string {
	if c == nil {
		return ""
	}
	idx, _ := c.decide(f)
	return c.rules[idx].Lane
}
