package dovecottest

import "fmt"

// OAuth2Conf returns a Config.ExtraConf that makes the server accept
// XOAUTH2 and OAUTHBEARER logins through Dovecot's oauth2 passdb, set
// up by the file extFile (write OAuth2Ext into it before Start). The
// password logins stay.
func OAuth2Conf(extFile string) string {
	return fmt.Sprintf(`
# OAuth2 (dovecottest.OAuth2Conf)
auth_mechanisms = plain login xoauth2 oauthbearer
passdb {
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = %s
}
`, extFile)
}

// OAuth2Ext is the oauth2 passdb configuration for an introspection
// endpoint (RFC 7662 style: POST token=..., answered with
// {"active": true, "username": USER} for a good token).
func OAuth2Ext(introspectURL string) string {
	return fmt.Sprintf(`introspection_mode = post
introspection_url = %s
force_introspection = yes
username_attribute = username
active_attribute = active
active_value = true
`, introspectURL)
}
