package agencies

import (
	"encoding/json"
	"maps"

	"github.com/zhixing-court/zhixing/internal/assets/agency"
)

type holdRecord struct {
	T  string           `json:"t"`
	A  string           `json:"a"`
	K  agency.Kind      `json:"k"`
	ID string           `json:"id"`
	H  []agency.Holding `json:"h"`
	Fx []*asset         `json:"fx,omitempty"`
}

// locateRegistry finds the shard and registry of kind k at agency code.
func (s *Sim) locateRegistry(k agency.Kind, code string) (*shard, registry) {
	if ag := s.agencies[code]; ag != nil {
		if reg, ok := ag.regs[k]; ok {
			return ag.shard, reg
		}
		return ag.shard, registry{Code: code, Name: ag.entry.Name, Region: ag.entry.Region}
	}
	return s.registryShard(code), registry{Code: code, Name: code}
}

// SetHoldings replaces what subject idNumber holds of kind at agencyCode
// (for an agency that only carries out controls, at the registry it works
// on). Refs identify the assets; ValueFen is the balance or the indicated
// value. For money and other balances an AvailableFen strictly between 0 and
// ValueFen means that the difference is frozen by other courts already;
// otherwise AvailableFen is ignored and computed. An empty list means the
// subject holds nothing there. Controls already placed on assets with the
// same Ref stay, and money that became available goes to waiting freezes.
func (s *Sim) SetHoldings(kind agency.Kind, agencyCode, idNumber string, hs []agency.Holding) {
	sh, reg := s.locateRegistry(kind, agencyCode)
	if sh == nil {
		s.log.Warn("SetHoldings：未模拟该协执单位", "agency", agencyCode)
		return
	}
	cp := make([]agency.Holding, len(hs))
	for i, h := range hs {
		h.Attributes = maps.Clone(h.Attributes)
		if h.Kind == "" {
			h.Kind = kind
		}
		if h.Institution == "" {
			h.Institution = reg.Name
		}
		cp[i] = h
	}
	sh.mu.Lock()
	sh.overrides[overrideKey(reg.Code, kind, idNumber)] = cp
	var fx []*asset
	for _, h := range s.holdingsOf(sh, reg, kind, idNumber, true) {
		if a := sh.assets[assetKey(reg.Code, kind, h.Ref)]; a != nil && settle(a, &h) {
			fx = append(fx, a)
		}
	}
	var off int64
	var err error
	if s.journal != nil {
		var b []byte
		if b, err = json.Marshal(holdRecord{T: "hold", A: reg.Code, K: kind, ID: idNumber, H: cp, Fx: fx}); err == nil {
			off, err = s.journal.Append(append(b, '\n'))
		}
	}
	sh.mu.Unlock()
	if err == nil {
		err = s.journal.Sync(off)
	}
	s.fail(err)
}

// Holdings returns what subject holds of kind at agencyCode as an inquiry
// would report it now (for tests and demos; nothing is journaled).
func (s *Sim) Holdings(kind agency.Kind, agencyCode string, subject agency.Subject) []agency.Holding {
	sh, reg := s.locateRegistry(kind, agencyCode)
	if sh == nil {
		return nil
	}
	sh.mu.Lock()
	defer sh.mu.Unlock()
	hs := s.holdingsOf(sh, reg, kind, subject.IDNumber, subject.Kind != "organization")
	out := make([]agency.Holding, 0, len(hs))
	for i := range hs {
		out = append(out, view(&hs[i], sh.assets[assetKey(reg.Code, kind, hs[i].Ref)]))
	}
	return out
}
