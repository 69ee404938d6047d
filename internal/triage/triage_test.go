package triage_test

import (
	"encoding/csv"
	"math"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/zhixing-court/zhixing/internal/triage"
)

func TestFormatYuan(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		fen  int64
		want string
	}{
		{0, "¥0.00"},
		{5, "¥0.05"},
		{100, "¥1.00"},
		{123456, "¥1,234.56"},
		{-5, "-¥0.05"},
		{-123456, "-¥1,234.56"},
		{99_999_999, "¥999,999.99"},
		{50_000_000, "¥500,000.00"},
		{100_000_000_000, "¥1,000,000,000.00"},
		{math.MaxInt64, "¥92,233,720,368,547,758.07"},
		{math.MinInt64, "-¥92,233,720,368,547,758.08"},
	} {
		if got := triage.FormatYuan(tc.fen); got != tc.want {
			t.Errorf("FormatYuan(%d) = %q, want %q", tc.fen, got, tc.want)
		}
	}
}

// TestFactNamesMatchFacts keeps the fact table in step with the Facts struct.
func TestFactNamesMatchFacts(t *testing.T) {
	t.Parallel()
	infos := triage.FactNames()
	typ := reflect.TypeFor[triage.Facts]()
	if typ.NumField() != len(infos) {
		t.Fatalf("Facts has %d fields, FactNames lists %d", typ.NumField(), len(infos))
	}
	if typ.NumMethod() != 0 || reflect.PointerTo(typ).NumMethod() != 0 {
		t.Errorf("Facts must have no methods: they would be callable from rules")
	}
	for i, info := range infos {
		f := typ.Field(i)
		if tag := f.Tag.Get("expr"); tag != info.Name {
			t.Errorf("field %s: expr tag %q, FactNames[%d].Name %q", f.Name, tag, i, info.Name)
		}
		if tag := f.Tag.Get("json"); tag != info.Name {
			t.Errorf("field %s: json tag %q, want %q", f.Name, tag, info.Name)
		}
		var want string
		switch {
		case f.Type.Kind() == reflect.String:
			want = triage.TypeString
		case f.Type.Kind() == reflect.Bool:
			want = triage.TypeBool
		case f.Type.Kind() == reflect.Int64 && strings.HasSuffix(info.Name, "_fen"):
			want = triage.TypeMoney
		case f.Type.Kind() == reflect.Int:
			want = triage.TypeInt
		}
		if info.Type != want {
			t.Errorf("%s: Type %q, want %q", info.Name, info.Type, want)
		}
		if info.Label == "" {
			t.Errorf("%s: no label", info.Name)
		}
		if (info.Values != nil) != (info.Type == triage.TypeString) {
			t.Errorf("%s: Values %v for type %s", info.Name, info.Values, info.Type)
		}
	}
	// The result is a copy.
	infos[0].Values[0] = "changed"
	if triage.FactNames()[0].Values[0] == "changed" {
		t.Error("FactNames shares its slices")
	}
}

func readSeed(t *testing.T, path string) []map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]string
	for _, rec := range recs[1:] {
		m := map[string]string{}
		for i, h := range recs[0] {
			m[h] = rec[i]
		}
		out = append(out, m)
	}
	return out
}

// TestSeedsAgree checks the lanes and case types against org's seed data,
// which this package may not import.
func TestSeedsAgree(t *testing.T) {
	t.Parallel()
	kinds := map[string]string{}
	for _, r := range readSeed(t, "../org/seed/team_kinds.csv") {
		kinds[r["code"]] = r["name"]
	}
	for _, l := range triage.Lanes() {
		if kinds[l.Code] != l.Name {
			t.Errorf("lane %s %q: seed team kind name %q", l.Code, l.Name, kinds[l.Code])
		}
		if triage.LaneName(l.Code) != l.Name {
			t.Errorf("LaneName(%q) = %q", l.Code, triage.LaneName(l.Code))
		}
	}
	if got := triage.LaneName("adjudication"); got != "" {
		t.Errorf("LaneName(adjudication) = %q: not a triage lane", got)
	}

	var seedTypes []string
	for _, r := range readSeed(t, "../org/seed/case_types.csv") {
		seedTypes = append(seedTypes, r["code"])
	}
	var caseTypes []string
	for _, f := range triage.FactNames() {
		if f.Name == "case_type" {
			caseTypes = f.Values
		}
	}
	slices.Sort(seedTypes)
	slices.Sort(caseTypes)
	if !slices.Equal(seedTypes, caseTypes) {
		t.Errorf("case_type values %v, seed %v", caseTypes, seedTypes)
	}
}

func TestFunctions(t *testing.T) {
	t.Parallel()
	fns := triage.Functions()
	for _, bad := range []string{"now", "date", "duration", "all", "filter", "map", "repeat", "toJSON"} {
		if slices.Contains(fns, bad) {
			t.Errorf("Functions() allows %s", bad)
		}
	}
	if !slices.Contains(fns, "len") {
		t.Errorf("Functions() = %v, want len among them", fns)
	}
}
