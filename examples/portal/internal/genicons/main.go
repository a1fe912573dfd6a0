// Command genicons writes the portal's PWA icons (PNG 192, 512, maskable
// 512, and SVG) into a directory: a phone keypad in white on the portal's
// blue. The icons are committed; run it again only to change them:
//
//	go run ./examples/portal/internal/genicons -out examples/portal/web
package main

import (
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"log"
	"os"
	"path/filepath"
	"strings"
)

var (
	blue  = color.RGBA{0x0b, 0x5c, 0xad, 0xff}
	white = color.RGBA{0xff, 0xff, 0xff, 0xff}
)

func main() {
	out := flag.String("out", "examples/portal/web", "directory to write the icons to")
	flag.Parse()
	icons := []struct {
		name     string
		size     int
		maskable bool
	}{
		{"icon-192.png", 192, false},
		{"icon-512.png", 512, false},
		{"icon-maskable.png", 512, true},
	}
	for _, ic := range icons {
		if err := writePNG(filepath.Join(*out, ic.name), keypad(ic.size, ic.maskable)); err != nil {
			log.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(*out, "icon.svg"), []byte(svg()), 0o644); err != nil {
		log.Fatal(err)
	}
}

// keypad draws a rounded blue square (full bleed for a maskable icon, whose
// safe zone is the inner 80 %) with a 3×4 keypad of white dots.
func keypad(size int, maskable bool) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, size, size))
	s := float64(size)
	radius := s * 0.18
	if maskable {
		radius = 0
	}
	for y := 0; y < size; y++ {
		for x := 0; x < size; x++ {
			if inRoundedSquare(float64(x)+0.5, float64(y)+0.5, s, radius) {
				img.Set(x, y, blue)
			}
		}
	}
	// The keypad fits into the maskable safe zone in both variants.
	dot := s * 0.055
	for row := 0; row < 4; row++ {
		for col := 0; col < 3; col++ {
			cx := s*0.5 + float64(col-1)*s*0.16
			cy := s*0.5 + (float64(row)-1.5)*s*0.14
			for y := int(cy - dot - 1); y <= int(cy+dot+1); y++ {
				for x := int(cx - dot - 1); x <= int(cx+dot+1); x++ {
					dx, dy := float64(x)+0.5-cx, float64(y)+0.5-cy
					if dx*dx+dy*dy <= dot*dot {
						img.Set(x, y, white)
					}
				}
			}
		}
	}
	return img
}

func inRoundedSquare(x, y, s, r float64) bool {
	if r == 0 {
		return true
	}
	cx := min(max(x, r), s-r)
	cy := min(max(y, r), s-r)
	dx, dy := x-cx, y-cy
	return dx*dx+dy*dy <= r*r
}

func svg() string {
	var b strings.Builder
	b.WriteString(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100">` + "\n")
	b.WriteString(`<rect width="100" height="100" rx="18" fill="#0b5cad"/>` + "\n")
	for row := 0; row < 4; row++ {
		for col := 0; col < 3; col++ {
			fmt.Fprintf(&b, `<circle cx="%g" cy="%g" r="5.5" fill="#fff"/>`+"\n", 50+float64(col-1)*16, 50+(float64(row)-1.5)*14)
		}
	}
	b.WriteString("</svg>\n")
	return b.String()
}

func writePNG(name string, img image.Image) error {
	f, err := os.Create(name)
	if err != nil {
		return err
	}
	if err := png.Encode(f, img); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
