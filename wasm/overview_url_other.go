//go:build !(js && wasm)

package wasm

import "github.com/maxence-charriere/go-app/v10/pkg/app"

// Outside the browser there is no history: the overview's URL helpers do
// nothing.

func pushURL(string) {}
func historyBack()   {}

func watchHistory(app.Context, func(app.Context)) func() { return func() {} }
