// Package wasm is the reference UI of NumberDesk: go-app v10 components that
// work on the SDK through one interface, API. In server mode (the portal's
// server sets EnvAPI) that is Remote, the server's /api/v1 through the
// browser's fetch, as the user of the session cookie; in the browser-only
// mode it is Local, the SDK's rules in the browser on memstore, persisted
// in localStorage. The portal program (examples/portal) calls Routes and
// serves Paths; the components compile natively too, so plain go test
// covers their presenters.
//
// # Layout
//
//   - routes.go: Routes, Paths and the page registry (RegisterPage).
//   - shell.go: Shell, the frame of every route (navigation, language switch,
//     "Demo zurücksetzen" or, in server mode, the account and "Abmelden", the
//     update banner #update-banner, the offline banner #offline-banner).
//   - servermode.go: the mode (ServerMode, Offline), the Remote of the
//     session (no session: the login page), the connection's state and
//     Logout; browser_js.go: fetch, the offline memory in localStorage and
//     the change feed (EventSource on /api/v1/changes, the browser's online
//     and offline events), which the Shell follows while it is mounted.
//   - api.go: API, what the components call (the SDK's operations for the
//     acting user), and Local, its in-browser implementation on the demo;
//     remote.go: Remote, the implementation of server mode over /api/v1
//     (httpapi/client, in the browser through fetch). TestRemoteMatchesLocal
//     holds them to the same results.
//   - backend.go: Do and Read (on Remote or Local), the demo backend
//     (Backend, ResetDemo), the query hooks (/?demo-numbers=N, /?demo=reset)
//     and the language and revision states (UseLang, SetLang,
//     ObserveRevision).
//   - modal.go: Modal (its body the one scroll area, head and foot always
//     in view), GuardedModal (an unsaved-changes guard on Esc, ✕ and
//     "Abbrechen"), ConfirmDialog (the confirmation step of a destructive
//     action, opening on "Abbrechen"), ShowModal (opens a dialog and moves
//     the focus to its first field, else its primary button, else the
//     element marked data-autofocus), CloseModal, FocusByID, FieldErrors
//     (errors next to the field they name, and the error summary of a
//     form).
//   - actions.go: the row actions of the overview (ActionKind, Applies,
//     RowActions) and the dialog registry (RegisterDialog).
//   - overview.go, overview_model.go: the "Rufnummern-Übersicht" at "/".
//   - dlg_*.go: one dialog per file (activate, deactivate and withdraw, swap,
//     assign, e-fax credentials).
//   - package demo: the backend (services, seed, Save/Load); package i18n:
//     the catalog.
//
// # Extension points
//
// Add a screen in its own file; nothing else needs to change:
//
//   - A page: RegisterPage(Page{Path: "/mitarbeiter", Title: "nav.employees",
//     Order: 20, New: func() app.Composer { return &Employees{} }}) in an init
//     function. A page registered at a fixed route (Paths) replaces its
//     placeholder; any other path becomes a new route (call RegisterPage
//     before Routes, i.e. in init).
//   - A dialog of an overview row: RegisterDialog(ActEdit, func(t Target)
//     app.Composer { return &EditDialog{Number: t.Numbers[0]} }). The row shows
//     the action's icon wherever ActionKind.Applies allows it (ActEdit: every
//     number that is not inactive; ActEfax: active fax numbers) once a dialog
//     is registered. The dialog renders Modal(id, title, body, footer), calls
//     ShowModal(ctx, id) in OnMount and CloseModal to close; the close event
//     emits ActionDialogClosed, on which the overview removes it and returns
//     the focus to the icon.
//   - Texts: i18n.Register(map[i18n.Key]i18n.Text{...}) in an init function;
//     render with i18n.T(key, args...). Call UseLang(ctx, &c.lang) in
//     OnMount of every component with texts so that it re-renders when the
//     language changes. i18n.Error(err) gives the UI text of an SDK error.
//   - Data: load in OnMount with Read(ctx, func(ctx, d API) error),
//     change with Do (which saves the demo and bumps the revision), and reload
//     on ObserveRevision (which also fires when another admin changed
//     something, and when the connection is lost or back). Wrap a button
//     that runs or opens a command in command(…): offline it is disabled,
//     saying why. Never touch the backend while prerendering.
//
// Components keep their state in unexported fields: go-app copies a child's
// exported fields (its props) from every re-render of the parent.
//
// go-app reuses elements by position: an optional element (app.If) among
// siblings shifts the ones after it, so an optional dialog, banner or error
// line sits in a slot of its own (dialogSlot), or an open <dialog> could
// turn into a closed one. A deferred function (ctx.Defer, FocusByID,
// ShowModal) is dropped when its context's element has left the DOM: move
// the focus with the component's own context (kept from OnMount), not with
// that of a button the update removes.
//
// Event handlers: go-app keeps a mounted handler when the new one is the same
// function code (it compares code pointers, not captured values), so a
// closure over values that change between renders (a row's ID in a list, a
// rule's index, the current selection) must name them in its scope:
// OnClick(h, app.EventScope(id)). Otherwise a reused row runs the handler of
// the row that was there before.
package wasm
