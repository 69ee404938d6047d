package legal

import (
	"strings"
	"testing"
)

// TERM-6: exempt property is flagged with its reason.
func TestExemptReason(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		kind   string
		person bool
		attrs  map[string]string
		want   string // substring; "" means not exempt
	}{
		{"TERM-6 ordinary deposit", "bank_deposit", true, nil, ""},
		{"TERM-6 household necessity", "vehicle", true, map[string]string{"use": "household_necessity"}, "家庭生活必需物品"},
		{"TERM-6 disability aid of a person", "vehicle", true, map[string]string{"use": "disability_aid"}, "残疾人辅助工具"},
		{"TERM-6 medal", "other", false, map[string]string{"use": "medal"}, "勋章"},
		{"TERM-6 school items", "other", true, map[string]string{"use": "school"}, "义务教育"},
		{"TERM-6 unpublished work", "other", true, map[string]string{"use": "unpublished_work"}, "未公开的发明"},
		{"TERM-6 only home of a person", "real_estate", true, map[string]string{"only_home": "true"}, "唯一住房"},
		{"TERM-6 only home flag ignored for an organization", "real_estate", false, map[string]string{"only_home": "true"}, ""},
		{"TERM-6 second home", "real_estate", true, map[string]string{"only_home": "false"}, ""},
		{"TERM-6 pension of a person keeps living costs", "social_security", true, nil, "最低生活保障"},
		{"TERM-6 organization's social security account", "social_security", false, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := ExemptReason(tt.kind, tt.person, tt.attrs)
			if tt.want == "" && got != "" || tt.want != "" && !strings.Contains(got, tt.want) {
				t.Errorf("ExemptReason(%q, %v, %v) = %q, want containing %q", tt.kind, tt.person, tt.attrs, got, tt.want)
			}
		})
	}
}
