package textutil_test

import (
	"strings"
	"testing"

	"github.com/zhixing-court/zhixing/internal/textutil"
)

func TestWriteTableAlignsChinese(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	err := textutil.WriteTable(&b, "  ", [][]string{
		{"角色", "用户名", "法院"},
		{"系统管理员", "admin", "最高人民法院"},
		{"协执单位操作员", "agency", "佛山市三水区人民法院"},
	})
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(b.String(), "\n"), "\n")
	// The third column starts at the same display column on every line.
	var col []int
	for _, l := range lines {
		i := strings.LastIndex(l, "  ")
		col = append(col, textutil.Width(l[:i+2]))
	}
	if col[0] != col[1] || col[1] != col[2] {
		t.Fatalf("columns start at %v:\n%s", col, b.String())
	}
	if textutil.Width("三水a") != 5 {
		t.Fatalf("Width(三水a) = %d", textutil.Width("三水a"))
	}
}
