package sqlstore_test

import (
	"context"
	"database/sql"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/routing"
	"github.com/numberdesk/numberdesk/store/sqlstore"
)

// A store over an SQLite file: open it with SQLiteDSN (the program imports
// the driver: _ "modernc.org/sqlite"), migrate, and use it like any store.
func Example() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "numberdesk")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	db, err := sql.Open("sqlite", sqlstore.SQLiteDSN(filepath.Join(dir, "numberdesk.db")))
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(4) // readers alongside the one writer
	s := sqlstore.New(db, sqlstore.SQLite)
	if err := s.Migrate(ctx); err != nil {
		log.Fatal(err)
	}

	tenant := numberdesk.NewTenantID()
	n := &numbers.Number{ID: numberdesk.NewNumberID(), Tenant: tenant, E164: "+4922112345610", Base: "+49221123456",
		Extension: "10", Origin: numbers.OriginNew, Status: numbers.StatusNew, UsageType: routing.UsageVoice}
	if err := s.CreateNumbers(ctx, n); err != nil {
		log.Fatal(err)
	}

	// A command: read, change and record the change in one transaction.
	err = s.InTx(ctx, func(ctx context.Context) error {
		c, err := s.FindNumberByID(ctx, tenant, n.ID)
		if err != nil {
			return err
		}
		c.Status = numbers.StatusActive
		if err := s.UpdateNumbers(ctx, c); err != nil {
			return err
		}
		return numberdesk.AppendEvent(ctx, s, "number.activated", numberdesk.System(tenant), c.UpdatedAt, c.ID, nil)
	})
	if err != nil {
		log.Fatal(err)
	}

	page, total, err := s.FindNumbers(ctx, tenant, numbers.Filter{Digits: "12345610"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(total, page[0].Display(), page[0].Status, page[0].Version)

	// n still has version 1: a stale write.
	fmt.Println(numberdesk.ErrorCode(s.UpdateNumbers(ctx, n)))
	// Output:
	// 1 0221 123456-10 active 2
	// conflict
}

// A store over PostgreSQL (the program imports the driver:
// _ "github.com/jackc/pgx/v5/stdlib").
func ExampleNew_postgres() {
	db, err := sql.Open("pgx", "postgres://numberdesk@db.example.com/numberdesk?sslmode=verify-full")
	if err != nil {
		log.Fatal(err)
	}
	s := sqlstore.New(db, sqlstore.Postgres)
	if err := s.Migrate(context.Background()); err != nil {
		log.Fatal(err)
	}
	// One store serves every service.
	if _, err := numbers.NewService(numbers.Config{Store: s}); err != nil {
		log.Fatal(err)
	}
}
