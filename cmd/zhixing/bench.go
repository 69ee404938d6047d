package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"

	"github.com/zhixing-court/zhixing/internal/bench"
	"github.com/zhixing-court/zhixing/internal/config"
)

const benchUsage = `用法：zhixing bench intake [--cases N] [--runs N] [--cpuprofile 文件] [--db 连接串] [--data-dir 目录]
  在临时数据库上测量 PERFORMANCE.md 的 P1（立案）：SQLite 在数据目录中新建临时文件，
  PostgreSQL 在 --db 所指服务器上新建临时数据库（需要 CREATEDB 权限）；结束后删除。
  --db 所指的数据库本身不会被读写。
`

func (e *env) bench(args []string) int {
	if len(args) == 0 || args[0] != "intake" {
		fmt.Fprint(e.stderr, benchUsage)
		return exitUsage
	}
	fs := flag.NewFlagSet("zhixing bench intake", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	build := config.Flags(fs, e.getenv, false)
	cases := fs.Int("cases", 1000, "每轮逐件立案的案件数（同数的单行 INSERT 作基准）")
	runs := fs.Int("runs", 3, "轮数；报告取中位数")
	cpuprofile := fs.String("cpuprofile", "", "把测量期间的 CPU 剖析写入此文件（go tool pprof 读取）")
	if err := fs.Parse(args[1:]); err != nil {
		return exitUsage
	}
	cfg, err := build()
	if err != nil {
		fmt.Fprintf(e.stderr, "zhixing: %v\n", err)
		return exitUsage
	}
	if *cases < 1 || *runs < 1 {
		fmt.Fprint(e.stderr, benchUsage)
		return exitUsage
	}
	db, drop, err := bench.Scratch(e.ctx, cfg.DB, cfg.DataDir)
	if err != nil {
		return e.fail("%v", err)
	}
	defer func() {
		if err := drop(); err != nil {
			fmt.Fprintf(e.stderr, "zhixing: 删除临时数据库失败：%v\n", err)
		}
	}()
	fmt.Fprintf(e.stdout, "P1 立案基准：%s，%d 核，每轮 %d 件，%d 轮\n", db.Engine().Label(), runtime.NumCPU(), *cases, *runs)
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			return e.fail("%v", err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return e.fail("%v", err)
		}
		defer pprof.StopCPUProfile()
	}
	rep, err := bench.Intake(e.ctx, db, bench.IntakeOptions{Cases: *cases, Runs: *runs, Progress: e.stdout})
	if err != nil {
		return e.fail("基准中断：%v", err)
	}
	fmt.Fprintf(e.stdout, "\n| engine | measure | per op | rate | ratio to raw | target |\n|---|---|---|---|---|---|\n")
	fmt.Fprintf(e.stdout, "| %s | raw single-row INSERT, one commit each | %s | %.0f/s | 1.00 | |\n", rep.Engine, rep.Raw.PerOp().Round(1000), rep.Raw.Rate())
	fmt.Fprintf(e.stdout, "| %s | full intake of one case, one commit each | %s | %.0f/s | %.2f | ≥ 0.35 |\n", rep.Engine, rep.Single.PerOp().Round(1000), rep.Single.Rate(), rep.SingleRatio())
	fmt.Fprintf(e.stdout, "| %s | bulk intake, one batch of %d | %s | %.0f/s | %.2f | ≥ 1.0 |\n", rep.Engine, *cases, rep.Bulk.PerOp().Round(1000), rep.Bulk.Rate(), rep.BulkRatio())
	return exitOK
}
