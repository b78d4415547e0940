package dev.nervesys.alerts;

import jakarta.mail.PasswordAuthentication;
import org.apache.camel.component.mail.MailAuthenticator;

/**
 * Bean {@code alertsMailAuthenticator}: the SMTP credentials of the alert mails, from the
 * environment ({@code NERVESYS_SMTP_USER}, {@code NERVESYS_SMTP_PASSWORD}) so that they never
 * appear in an endpoint URI, a route or the console. Without a user, mail is sent unauthenticated.
 */
public final class MailCredentials extends MailAuthenticator {

    private final String user;
    private final String password;

    public MailCredentials(String user, String password) {
        this.user = user;
        this.password = password;
    }

    @Override
    public PasswordAuthentication getPasswordAuthentication() {
        return new PasswordAuthentication(user, password);
    }

    @Override
    public String toString() {
        return "MailCredentials[" + (user == null ? "none" : "user set") + "]";
    }
}
