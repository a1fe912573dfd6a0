package smtpmail

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/numberdesk/numberdesk"
	"github.com/numberdesk/numberdesk/efax"
	"github.com/numberdesk/numberdesk/staff"
)

// A vendor's look (Config.SubjectPrefix, Config.Signature) changes the
// subject and the footer's first line of every mail, in text and HTML;
// without one the mail is NumberDesk's, byte for byte.
func TestLook(t *testing.T) {
	n := staff.Notification{Name: "Anna Berg", Category: staff.CategoryOther, Number: "0221 123456-10", Text: "Hallo"}
	d := efax.Delivery{Name: "Anna Berg", To: "anna@muster.example", Number: "0221 123456-20",
		Username: "4922112345620-abcdefgh", Secret: efax.SecretOf("23456789abcdefghjkmnpqrstuvw")}
	plain, err := render("test", n, berlin(t))
	require.NoError(t, err)
	zero, err := render("test", n, berlin(t), look{})
	require.NoError(t, err)
	require.Equal(t, plain, zero, "the zero look is NumberDesk's")
	require.Contains(t, plain.Text, "\n-- \n"+DefaultSignature+"\n")

	lk := look{subjectPrefix: "[Nordwind] ", signature: "Ihr Nordwind-Team · Hotline 040 555 0199 <24/7>"}
	for _, c := range []func() (content, error){
		func() (content, error) { return render("test", n, berlin(t), lk) },
		func() (content, error) { return renderCredentials("test", d, lk) },
	} {
		c, err := c()
		require.NoError(t, err)
		require.True(t, strings.HasPrefix(c.Subject, "[Nordwind] "), c.Subject)
		require.Contains(t, c.Text, "\n-- \nIhr Nordwind-Team · Hotline 040 555 0199 <24/7>\n")
		require.NotContains(t, c.Text, "NumberDesk")
		require.Contains(t, c.HTML, "Ihr Nordwind-Team · Hotline 040 555 0199 &lt;24/7&gt;<br>")
		require.NotContains(t, c.HTML, "NumberDesk")
	}
}

func TestNewRefusesMultiLineLook(t *testing.T) {
	for field, cfg := range map[string]Config{
		"SubjectPrefix": {Host: "127.0.0.1", Port: 25, From: "a@b.example", SubjectPrefix: "[X]\r\nBcc: x@y.example"},
		"Signature":     {Host: "127.0.0.1", Port: 25, From: "a@b.example", Signature: "a\nb"},
	} {
		_, err := New(cfg)
		var e *numberdesk.Error
		require.ErrorAs(t, err, &e)
		require.Equal(t, numberdesk.CodeInvalid, e.Code)
		require.Equal(t, field, e.Field)
	}
}
