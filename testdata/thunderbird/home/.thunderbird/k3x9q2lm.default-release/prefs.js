// Mozilla User Preferences
user_pref("mail.accountmanager.accounts", "account1,account2,account3");
user_pref("mail.accountmanager.localfoldersserver", "server1");
user_pref("mail.server.server1.directory-rel", "[ProfD]Mail/Local Folders");
user_pref("mail.server.server1.hostname", "Local Folders");
user_pref("mail.server.server1.name", "Local Folders");
user_pref("mail.server.server1.type", "none");
user_pref("mail.server.server2.directory-rel", "[ProfD]Mail/pop.example.com");
user_pref("mail.server.server2.hostname", "pop.example.com");
user_pref("mail.server.server2.type", "pop3");
user_pref("mail.server.server3.directory-rel", "[ProfD]ImapMail/imap.example.com");
user_pref("mail.server.server3.type", "imap");
