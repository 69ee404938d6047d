// Command pgcheck is a CI helper: it checks that a PostgreSQL server answers,
// and creates or drops a scratch database for the smoke run.
//
//	pgcheck URL                 exit 0 when the server answers
//	pgcheck -create NAME URL    create database NAME, print its URL
//	pgcheck -drop NAME URL      drop database NAME
package main

import (
	"context"
	"flag"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"time"

	"github.com/jackc/pgx/v5"
)

func main() {
	create := flag.String("create", "", "database to create")
	drop := flag.String("drop", "", "database to drop")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: pgcheck [-create NAME | -drop NAME] URL")
		os.Exit(2)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, flag.Arg(0))
	if err != nil {
		fmt.Fprintln(os.Stderr, "pgcheck:", err)
		os.Exit(1)
	}
	defer conn.Close(ctx)
	name := *create + *drop
	if name != "" && !regexp.MustCompile(`^[a-z_][a-z0-9_]{0,62}$`).MatchString(name) {
		fmt.Fprintln(os.Stderr, "pgcheck: bad database name", name)
		os.Exit(2)
	}
	switch {
	case *create != "":
		if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
			fmt.Fprintln(os.Stderr, "pgcheck:", err)
			os.Exit(1)
		}
		u, _ := url.Parse(flag.Arg(0))
		u.Path = "/" + name
		fmt.Println(u.String())
	case *drop != "":
		if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			fmt.Fprintln(os.Stderr, "pgcheck:", err)
			os.Exit(1)
		}
	default:
		var v string
		if err := conn.QueryRow(ctx, "SHOW server_version").Scan(&v); err != nil {
			fmt.Fprintln(os.Stderr, "pgcheck:", err)
			os.Exit(1)
		}
		fmt.Println("PostgreSQL", v)
	}
}
