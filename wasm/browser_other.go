//go:build !(js && wasm)

package wasm

import (
	"context"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/numberdesk/numberdesk/httpapi/client"
)

// Outside the browser there is no server mode: no fetch, no localStorage,
// no change feed.
var (
	transport client.Transport
	memory    Memory
)

func toLogin()               {}
func logout(context.Context) {}

type feed struct{}

func startFeed(app.Context) *feed { return nil }
func (*feed) stop()               {}
