package server

import (
	"github.com/numberdesk/numberdesk/brand"
	"github.com/numberdesk/numberdesk/notify/smtpmail"
)

// brand is the App's brand: Config.Brand, or brand.Default().
func (c AppConfig) brand() *brand.Brand {
	if c.Brand != nil {
		return c.Brand
	}
	return brand.Default()
}

// brandMail returns what the brand b changes in the mail notifier's
// configuration: the sender's address and name where the -smtp URL left
// them at their defaults (its from= and name= win), the subject prefix
// and the footer's signature. For brand.Default it changes nothing.
func brandMail(b *brand.Brand) func(*smtpmail.Config) {
	return func(c *smtpmail.Config) {
		if b.Mail.From != "" && c.From == DefaultFrom {
			c.From = b.Mail.From
		}
		if b.Mail.FromName != "" && c.FromName == "NumberDesk" {
			c.FromName = b.Mail.FromName
		}
		c.SubjectPrefix = b.Mail.SubjectPrefix
		if b.Mail.Signature != smtpmail.DefaultSignature {
			c.Signature = b.Mail.Signature
		}
	}
}
