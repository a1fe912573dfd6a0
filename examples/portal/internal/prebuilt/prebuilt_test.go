package prebuilt

import (
	"os"
	"path/filepath"
	"testing"
)

func TestFromModuleRoot(t *testing.T) {
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	root := filepath.Clean(filepath.Join(wd, "../../../.."))
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("no go.mod in %s", root)
	}
	if got, want := FromModuleRoot("examples/portal/web/app.wasm"), filepath.Join(root, "examples/portal/web/app.wasm"); got != want {
		t.Errorf("FromModuleRoot(relative) = %s, want %s", got, want)
	}
	if got := FromModuleRoot("/abs/x"); got != "/abs/x" {
		t.Errorf("FromModuleRoot(/abs/x) = %s", got)
	}
}
