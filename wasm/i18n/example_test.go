package i18n_test

import (
	"fmt"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/wasm/i18n"
)

// A screen registers its texts from its own file and renders them in the
// current language; SDK errors keep their German message unless an English
// text is registered for their Code and Field.
func Example() {
	i18n.Register(map[i18n.Key]i18n.Text{
		"example.selected":           {DE: "{1} ausgewählt", EN: "{1} selected"},
		"err.precondition.example_n": {DE: "-", EN: "This number cannot be activated yet."},
	})
	defer i18n.SetLang(i18n.DE)
	err := numberdesk.E(numberdesk.CodePrecondition, "op", "example_n", "Die Rufnummer kann erst ab dem Portierungstermin aktiviert werden.")
	for _, l := range i18n.Langs {
		i18n.SetLang(l)
		fmt.Println(i18n.T("example.selected", "3"), "|", i18n.Error(err))
	}
	// Output:
	// 3 ausgewählt | Die Rufnummer kann erst ab dem Portierungstermin aktiviert werden.
	// 3 selected | This number cannot be activated yet.
}
