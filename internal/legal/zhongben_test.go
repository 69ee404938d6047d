package legal_test

import (
	"slices"
	"testing"
	"time"

	"github.com/zhixing-court/zhixing/internal/legal"
)

// complete is a case meeting every condition of the 终本 gate.
func complete() legal.ZhongbenFacts {
	return legal.ZhongbenFacts{FiledOn: legal.NewDate(2026, time.March, 2), Today: legal.NewDate(2026, time.June, 3),
		NoticeServed: true, ReportOrdered: true, ReportChecked: true, ConsumptionBanned: true, DishonestDecided: true,
		Inquiries: 2, ConductChecked: true, ApplicantConsent: true, Interviewed: true, NoticeOfIntent: true}
}

func codes(list []legal.ZhongbenUnmet) []string {
	var out []string
	for _, u := range list {
		out = append(out, u.Code)
	}
	return out
}

func TestZhongbenGate(t *testing.T) {
	t.Parallel()
	d := legal.DefaultZhongbenRules
	tests := []struct {
		rule  string
		name  string
		edit  func(*legal.ZhongbenFacts)
		rules legal.ZhongbenRules
		want  []string
	}{
		{"ZB-1", "every condition met", func(*legal.ZhongbenFacts) {}, d, nil},
		{"ZB-1 (1)", "no 执行通知书", func(f *legal.ZhongbenFacts) { f.NoticeServed = false }, d, []string{"zb1_notice"}},
		{"ZB-1 (1)", "no 报告财产令", func(f *legal.ZhongbenFacts) { f.ReportOrdered = false }, d, []string{"zb1_report_order"}},
		{"ZB-2", "report not verified", func(f *legal.ZhongbenFacts) { f.ReportChecked = false }, d, []string{"zb2_report_checked"}},
		{"ZB-1 (2)", "no 限制消费令", func(f *legal.ZhongbenFacts) { f.ConsumptionBanned = false }, d, []string{"zb1_consumption_ban"}},
		{"ZB-1 (2)", "失信 not decided", func(f *legal.ZhongbenFacts) { f.DishonestDecided = false }, d, []string{"zb1_dishonest"}},
		{"ZB-3", "no online inquiry", func(f *legal.ZhongbenFacts) { f.Inquiries = 0 }, d, []string{"zb3_no_inquiry"}},
		{"ZB-6", "an inquiry unanswered", func(f *legal.ZhongbenFacts) { f.InquiriesOpen = 1 }, d, []string{"zb6_inquiry_open"}},
		{"ZB-3", "on-site required, none", func(f *legal.ZhongbenFacts) {}, legal.ZhongbenRules{MinMonths: 3, RequireOnSite: true, RequireInterview: true},
			[]string{"zb3_on_site"}},
		{"ZB-3", "on-site required, done", func(f *legal.ZhongbenFacts) { f.OnSiteChecked = true },
			legal.ZhongbenRules{MinMonths: 3, RequireOnSite: true, RequireInterview: true}, nil},
		{"ZB-6", "an asset left uncontrolled", func(f *legal.ZhongbenFacts) { f.Uncontrolled = 2 }, d, []string{"zb6_uncontrolled"}},
		{"ZB-6", "uncontrolled assets allowed by the court", func(f *legal.ZhongbenFacts) { f.Uncontrolled = 2 },
			legal.ZhongbenRules{MinMonths: 3, RequireInterview: true}, nil},
		{"ZB-1 (4)", "exactly 3 months: not more than", func(f *legal.ZhongbenFacts) { f.Today = legal.NewDate(2026, time.June, 2) }, d,
			[]string{"zb1_too_early"}},
		{"ZB-1 (4)", "a day past 3 months", func(f *legal.ZhongbenFacts) { f.Today = legal.NewDate(2026, time.June, 3) }, d, nil},
		{"ZB-1 (4)", "a court's 6 months", func(*legal.ZhongbenFacts) {}, legal.ZhongbenRules{MinMonths: 6, RequireInterview: true},
			[]string{"zb1_too_early"}},
		{"ZB-1 (5)", "debtor's conduct not on file", func(f *legal.ZhongbenFacts) { f.ConductChecked = false }, d, []string{"zb1_conduct"}},
		{"ZB-5", "neither consent nor review", func(f *legal.ZhongbenFacts) { f.ApplicantConsent = false }, d, []string{"zb5_approval"}},
		{"ZB-5", "review without the president", func(f *legal.ZhongbenFacts) { f.ApplicantConsent, f.CollegialReview = false, true }, d,
			[]string{"zb5_approval"}},
		{"ZB-5", "review and the president", func(f *legal.ZhongbenFacts) {
			f.ApplicantConsent, f.CollegialReview, f.PresidentApproval = false, true, true
		}, d, nil},
		{"XG-5", "a restriction not yet in force at closure", func(f *legal.ZhongbenFacts) { f.RestrictionsNotStarted = 1 }, d,
			[]string{"xg5_restriction_start"}},
		{"XG-5", "check turned off by the court", func(f *legal.ZhongbenFacts) { f.RestrictionsNotStarted = 1 },
			legal.ZhongbenRules{MinMonths: 3, RequireInterview: true, BlockUncontrolled: true}, nil},
		{"ZB-6", "no interview", func(f *legal.ZhongbenFacts) { f.Interviewed = false }, d, []string{"zb6_interview"}},
		{"ZB-6", "no 拟终本告知书", func(f *legal.ZhongbenFacts) { f.NoticeOfIntent = false }, d, []string{"zb6_notice_of_intent"}},
		{"ZB-6", "interview not required locally", func(f *legal.ZhongbenFacts) { f.Interviewed, f.NoticeOfIntent = false, false },
			legal.ZhongbenRules{MinMonths: 3}, nil},
		{"ZB-1", "nothing done: all listed at once", func(f *legal.ZhongbenFacts) {
			*f = legal.ZhongbenFacts{FiledOn: f.FiledOn, Today: f.FiledOn.AddDays(10)}
		}, d, []string{"zb1_notice", "zb1_report_order", "zb2_report_checked", "zb1_consumption_ban", "zb1_dishonest", "zb3_no_inquiry",
			"zb1_too_early", "zb1_conduct", "zb5_approval", "zb6_interview", "zb6_notice_of_intent"}},
	}
	for _, tt := range tests {
		t.Run(tt.rule+" "+tt.name, func(t *testing.T) {
			t.Parallel()
			f := complete()
			tt.edit(&f)
			got := legal.ZhongbenGate(f, tt.rules)
			if !slices.Equal(codes(got), tt.want) {
				t.Fatalf("unmet %v, want %v", codes(got), tt.want)
			}
			for _, u := range got {
				if u.Rule == "" || u.Detail == "" {
					t.Errorf("%s without its rule or detail: %+v", u.Code, u)
				}
			}
		})
	}
}
