package agencies

import (
	"container/heap"
	"maps"
	"strconv"
	"time"

	"github.com/zhixing-court/zhixing/internal/assets/agency"
	"github.com/zhixing-court/zhixing/internal/legal"
)

// asset is the state of one asset that controls touched. Its JSON form is
// what the journal stores after every change (replay sets it back as is).
type asset struct {
	Key      string    `json:"k"`
	Deducted int64     `json:"deducted,omitempty"` // money moved to courts so far
	Controls []control `json:"controls,omitempty"` // active, in order of effect: rank = prior controls + index + 1
	// Expired maps the references of controls whose term ran out to their
	// last day.
	Expired map[string]string `json:"expired,omitempty"`
}

// control is a freeze or seizure in force on an asset.
type control struct {
	Ref     string    `json:"ref"`
	Request string    `json:"request"`
	Op      agency.Op `json:"op"`
	Court   string    `json:"court,omitempty"`
	CaseNo  string    `json:"case_no,omitempty"`
	Asked   int64     `json:"asked,omitempty"`  // amount the court wants frozen (what is still wanted after deductions)
	Frozen  int64     `json:"frozen,omitempty"` // amount actually frozen under it (balance kinds)
	TermTo  string    `json:"term_to,omitempty"`
	At      time.Time `json:"at"`
}

func assetKey(reg string, k agency.Kind, ref string) string {
	return reg + "|" + string(k) + "|" + ref
}

func overrideKey(reg string, k agency.Kind, id string) string {
	return reg + "|" + string(k) + "|" + id
}

func (a *asset) find(ref string) int {
	for i := range a.Controls {
		if a.Controls[i].Ref == ref {
			return i
		}
	}
	return -1
}

func (a *asset) frozen() int64 {
	var n int64
	for _, c := range a.Controls {
		n += c.Frozen
	}
	return n
}

// balance is the money left in a balance asset.
func balance(h *hold, a *asset) int64 {
	if a == nil {
		return h.ValueFen
	}
	return max(0, h.ValueFen-a.Deducted)
}

// available is the money of a balance asset nobody has frozen.
func available(h *hold, a *asset) int64 {
	var f int64
	if a != nil {
		f = a.frozen()
	}
	return max(0, balance(h, a)-h.priorFen-f)
}

// settle gives the money nobody has frozen to the controls still waiting for
// some, in order of rank: a waiting freeze (轮候冻结) takes effect when an
// earlier one is lifted.
func settle(a *asset, h *hold) bool {
	if !balanceKind(h.Kind) {
		return false
	}
	avail := available(h, a)
	changed := false
	for i := range a.Controls {
		if avail <= 0 {
			break
		}
		c := &a.Controls[i]
		if want := c.Asked - c.Frozen; want > 0 {
			x := min(want, avail)
			c.Frozen += x
			avail -= x
			changed = true
		}
	}
	return changed
}

// expire ends the controls whose term ran out before today and lets the
// waiting ones take effect. It reports whether anything changed.
func expire(a *asset, h *hold, today string) bool {
	changed := false
	kept := a.Controls[:0]
	for _, c := range a.Controls {
		if c.TermTo != "" && c.TermTo < today {
			if a.Expired == nil {
				a.Expired = map[string]string{}
			}
			a.Expired[c.Ref] = c.TermTo
			changed = true
			continue
		}
		kept = append(kept, c)
	}
	a.Controls = kept
	if changed {
		settle(a, h)
	}
	return changed
}

// view is a holding as an inquiry reports it now: the balance after
// deductions, what is available, and how many controls weigh on it.
func view(h *hold, a *asset) agency.Holding {
	out := h.Holding
	out.Attributes = maps.Clone(h.Attributes)
	info, _ := agency.Info(h.Kind)
	controls := h.priorCount
	if a != nil {
		controls += len(a.Controls)
	}
	switch {
	case balanceKind(h.Kind):
		out.ValueFen = balance(h, a)
		out.AvailableFen = available(h, a)
		if frozen := out.ValueFen - out.AvailableFen; frozen > 0 {
			setAttr(&out, "frozen_fen", strconv.FormatInt(frozen, 10))
		}
	case info.Control != "":
		out.AvailableFen = h.ValueFen
		if h.priorCount > 0 {
			out.AvailableFen = 0
		}
		if a != nil {
			for _, c := range a.Controls {
				if c.Asked > 0 {
					out.AvailableFen -= c.Asked
				} else {
					out.AvailableFen = 0 // seized whole
				}
			}
		}
		out.AvailableFen = max(0, out.AvailableFen)
	default:
		out.AvailableFen = 0
	}
	if controls > 0 {
		setAttr(&out, "controls", strconv.Itoa(controls))
	}
	return out
}

func setAttr(h *agency.Holding, k, v string) {
	if h.Attributes == nil {
		h.Attributes = map[string]string{}
	}
	h.Attributes[k] = v
}

// pendingItem is an accepted request waiting for its answer.
type pendingItem struct {
	due   time.Time
	order uint64
	ag    *agencyState
	req   agency.Request
}

type pendingHeap []*pendingItem

func (h pendingHeap) Len() int { return len(h) }
func (h pendingHeap) Less(i, j int) bool {
	if !h[i].due.Equal(h[j].due) {
		return h[i].due.Before(h[j].due)
	}
	return h[i].order < h[j].order
}
func (h pendingHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *pendingHeap) Push(x any)   { *h = append(*h, x.(*pendingItem)) }
func (h *pendingHeap) Pop() any {
	old := *h
	it := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	return it
}

var _ heap.Interface = (*pendingHeap)(nil)

// holdingsOf returns what subject id holds of kind k in reg (an override if
// one is set, else the generated assets). Called with sh.mu held.
func (s *Sim) holdingsOf(sh *shard, reg registry, k agency.Kind, id string, person bool) []hold {
	if hs, ok := sh.overrides[overrideKey(reg.Code, k, id)]; ok {
		out := make([]hold, len(hs))
		for i, h := range hs {
			out[i] = hold{Holding: h}
			if balanceKind(k) && h.AvailableFen > 0 && h.AvailableFen < h.ValueFen {
				out[i].priorFen = h.ValueFen - h.AvailableFen
				out[i].priorCount = 1
			}
		}
		return out
	}
	return generate(s.opts.Seed, reg, k, id, person)
}

// today is the legal date (Asia/Shanghai) at t.
func today(t time.Time) string { return legal.Today(t).String() }

// idSet is a set of request ids. Ids in the canonical form of a UUID (what
// zhixing sends) take 16 bytes; others are kept as strings.
type idSet struct {
	uuids map[[16]byte]struct{}
	other map[string]struct{}
}

// canonicalUUID parses a UUID in its canonical lower-case form only, so that
// two ids differing in anything are never taken for one.
func canonicalUUID(id string) ([16]byte, bool) {
	var u [16]byte
	if len(id) != 36 || id[8] != '-' || id[13] != '-' || id[18] != '-' || id[23] != '-' {
		return u, false
	}
	j := 0
	for i := 0; i < 36; i += 2 {
		if i == 8 || i == 13 || i == 18 || i == 23 {
			i--
			continue
		}
		hi, ok1 := hexVal(id[i])
		lo, ok2 := hexVal(id[i+1])
		if !ok1 || !ok2 {
			return u, false
		}
		u[j] = hi<<4 | lo
		j++
	}
	return u, j == 16
}

func hexVal(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	}
	return 0, false
}

func (m *idSet) has(id string) bool {
	if u, ok := canonicalUUID(id); ok {
		_, found := m.uuids[u]
		return found
	}
	_, found := m.other[id]
	return found
}

func (m *idSet) add(id string) {
	if u, ok := canonicalUUID(id); ok {
		if m.uuids == nil {
			m.uuids = map[[16]byte]struct{}{}
		}
		m.uuids[u] = struct{}{}
		return
	}
	if m.other == nil {
		m.other = map[string]struct{}{}
	}
	m.other[id] = struct{}{}
}
