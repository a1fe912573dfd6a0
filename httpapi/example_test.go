package httpapi_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/httpapi"
	"github.com/numberdesk/numberdesk/numbers"
	"github.com/numberdesk/numberdesk/staff"
	"github.com/numberdesk/numberdesk/store/memstore"
)

// The API in an existing server: the vendor's session says who sent a
// request, the store says what they may do.
func ExampleNew() {
	ctx := context.Background()
	st := memstore.New() // or sqlstore.New(db, sqlstore.Postgres)
	nums, err := numbers.NewService(numbers.Config{Store: st})
	if err != nil {
		log.Fatal(err)
	}
	people := staff.NewService(staff.Config{Store: st, Numbers: nums})
	_, owner, err := people.CreateTenant(ctx, staff.TenantRequest{Name: "Muster GmbH",
		Owner: staff.Person{FirstName: "Olga", LastName: "Owner", Email: "olga@muster.example"}})
	if err != nil {
		log.Fatal(err)
	}
	sessions := map[string]*staff.Employee{"s3cr3t": owner} // the vendor's session store

	api, err := httpapi.New(httpapi.Config{
		Store: st, Numbers: nums, Staff: people,
		Auth: httpapi.AuthenticatorFunc(func(r *http.Request) (numberdesk.TenantID, numberdesk.StaffID, error) {
			c, err := r.Cookie("session")
			if err != nil || sessions[c.Value] == nil {
				return "", "", httpapi.ErrUnauthenticated
			}
			e := sessions[c.Value]
			return e.Tenant, e.ID, nil
		}),
	})
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle(httpapi.Prefix, http.NewCrossOriginProtection().Handler(api))

	r := httptest.NewRequest(http.MethodGet, "/api/v1/numbers", nil)
	r.AddCookie(&http.Cookie{Name: "session", Value: "s3cr3t"})
	w := httptest.NewRecorder()
	mux.ServeHTTP(w, r)
	fmt.Print(w.Code, " ", w.Body.String())
	// Output: 200 {"items":[],"next_cursor":"","total":0,"total_is_lower_bound":false}
}
