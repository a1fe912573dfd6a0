// Command hello is the go-app hello world built the naive way, the yardstick
// of the size report: one main for server and client (so the wasm links
// net/http and the handler), built with default flags. It lives under
// testdata so that it is not part of the module's packages.
package main

import (
	"log"
	"net/http"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

type hello struct {
	app.Compo
	name string
}

func (h *hello) Render() app.UI {
	return app.Div().Body(
		app.H1().ID("title").Text("Hello, World!"),
		app.Input().ID("name").Value(h.name).OnChange(h.ValueTo(&h.name)),
		app.P().ID("greet").Text("hi "+h.name),
	)
}

func main() {
	app.Route("/", func() app.Composer { return &hello{} })
	app.RunWhenOnBrowser()

	http.Handle("/", &app.Handler{Name: "Hello", Description: "A hello world"})
	if err := http.ListenAndServe("127.0.0.1:8000", nil); err != nil {
		log.Fatal(err)
	}
}
