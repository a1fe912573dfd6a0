package brand_test

import (
	"fmt"

	"github.com/numberdesk/numberdesk/brand"
)

// A vendor's brand file sets what differs from NumberDesk's look; the rest
// is the default. Validate refuses colours that fail WCAG 2.2 AA, saying
// the measured contrast.
func Example() {
	b, err := brand.Parse([]byte(`{"id": "acme", "product": "Acme Voice",
		"colors": {"primary": "#0b5e3a"}, "hotline": {"display": "0800 123 45 67"}}`))
	if err != nil {
		panic(err)
	}
	fmt.Println(b.Name, "|", b.Hotline.Tel, "|", b.Consent, "|", b.Validate())

	b.Colors.Focus = "#ffcc00" // a yellow focus ring on a light page
	fmt.Println(b.Validate())

	white, _ := brand.ParseColor("#fff")
	grey, _ := brand.ParseColor("#777")
	fmt.Printf("%.2f:1\n", brand.Contrast(grey, white))
	// Output:
	// Acme Voice Rufnummernverwaltung | 08001234567 | Rufnummern jetzt kostenpflichtig aktivieren | <nil>
	// brand.Validate: colors.focus: Zu wenig Kontrast für Fokusrahmen auf der Seite: #ffcc00 auf #f6f8fa hat 1,42:1, WCAG 2.2 AA verlangt mindestens 3,00:1 (colors.focus auf colors.background). / Too little contrast for the focus ring on the page: #ffcc00 on #f6f8fa is 1.42:1, WCAG 2.2 AA requires at least 3.00:1 (colors.focus on colors.background).
	// 4.48:1
}
