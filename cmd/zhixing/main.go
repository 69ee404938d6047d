// Command zhixing is the enforcement-affairs platform in one binary.
//
//	zhixing serve                 run the server (SQLite in ./zhixing-data by default)
//	zhixing migrate               bring the database up to date
//	zhixing user add|list|reset-password|disable|enable
//	zhixing audit verify          check every audit chain
//	zhixing version
//
// Configuration comes from ZHIXING_* environment variables and flags; see
// `zhixing help`.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}
