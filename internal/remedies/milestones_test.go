package remedies_test

import (
	"testing"

	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/remedies"
)

func TestMilestones(t *testing.T) {
	t.Parallel()
	today := d("2025-02-10")
	// OBJ-1 met late, OBJ-2 still open past its day, OBJ-5 open.
	r := &remedies.Remedy{Kind: remedies.Objection, State: remedies.Registered, RegisteredOn: d("2025-01-24"),
		Clock: legal.RemedyClock{RegisterBy: d("2025-01-23"), DecideBy: d("2025-02-05"), OverallBy: d("2025-02-20")}}
	tests := []struct {
		rule, code, status string
		late               bool
	}{
		{"OBJ-1", "register", "2025-01-24 完成，逾期 1 日", true},
		{"OBJ-2", "decide", "已超期 5 日", true},
		{"OBJ-5", "overall", "剩余 10 日", false},
	}
	ms := r.Milestones()
	if len(ms) != len(tests) {
		t.Fatalf("%d milestones, want %d", len(ms), len(tests))
	}
	for i, tt := range tests {
		m := ms[i]
		if m.Rule != tt.rule || m.Code != tt.code || m.Status(today) != tt.status || m.Late(today) != tt.late {
			t.Errorf("%s: %s %q late %v; want %s %q late %v", tt.rule, m.Code, m.Status(today), m.Late(today), tt.code, tt.status, tt.late)
		}
	}
	// 不予受理: only the OBJ-1 milestone, met by the ruling.
	r = &remedies.Remedy{Kind: remedies.Outsider, State: remedies.NotAccepted, DecidedOn: d("2025-01-22"),
		Clock: legal.RemedyClock{RegisterBy: d("2025-01-23"), DecideBy: d("2025-02-05"), OverallBy: d("2025-02-20")}}
	if ms := r.Milestones(); len(ms) != 1 || ms[0].Status(today) != "2025-01-22 完成，按期" {
		t.Fatalf("not accepted: %+v", ms)
	}
	// A 复议: forwarding (OBJ-3) due today; the decision clock not started.
	r = &remedies.Remedy{Kind: remedies.Review, State: remedies.Filed, Clock: legal.RemedyClock{ForwardBy: today}}
	if ms := r.Milestones(); len(ms) != 1 || ms[0].Rule != "OBJ-3" || ms[0].Status(today) != "今日到期" {
		t.Fatalf("review: %+v", ms)
	}
	// XF-1: logged and closed on time.
	r = &remedies.Remedy{Kind: remedies.Complaint, State: remedies.Served, RegisteredOn: d("2024-09-30"), DecidedOn: d("2024-10-30"),
		Clock: legal.RemedyClock{RegisterBy: d("2024-10-10"), DecideBy: d("2024-11-13")}}
	if ms := r.Milestones(); len(ms) != 2 || ms[0].Rule != "XF-1" || ms[1].Late(today) {
		t.Fatalf("complaint: %+v", ms)
	}
}
