package dev.nervesys.bootstrap.it.console;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nervesys.bootstrap.it.runs.Chromium;
import java.time.Duration;

/** What every browser test of the console does on its pages: log in, wait for a view, read the page's errors. */
final class ConsolePage {

    private static final ObjectMapper JSON = new ObjectMapper();

    private ConsolePage() {
    }

    /** The JavaScript errors and CSP violations the page collected (errors.js); empty when none. */
    static String errors(Chromium chrome) throws Exception {
        JsonNode e = chrome.script("return window.nervesysErrors");
        return e.isArray() && e.isEmpty() ? "" : e.toString();
    }

    /** Fills and submits the login form (clearing an earlier error, so a test can wait for the next one). */
    static void login(Chromium chrome, String user, String password) throws Exception {
        chrome.script("document.querySelector('#login-user').value = " + js(user) + ";"
                + "document.querySelector('#login-password').value = " + js(password) + ";"
                + "document.querySelector('#login-error').textContent = '';"
                + "document.querySelector('#login-submit').click();");
    }

    /** Waits until the page shows {@code view} with its data loaded. */
    static void waitFor(Chromium chrome, String view) {
        waitFor(chrome, view, Duration.ofSeconds(30));
    }

    /** Waits at most {@code atMost} until the page shows {@code view} with its data loaded. */
    static void waitFor(Chromium chrome, String view, Duration atMost) {
        await().atMost(atMost).pollInterval(Duration.ofMillis(50)).ignoreExceptions().until(() -> chrome.script(
                "return document.body.dataset.view + ' ' + document.body.dataset.loaded").asText().equals(view + " true"));
    }

    private static String js(String s) throws JsonProcessingException {
        return JSON.writeValueAsString(s);
    }
}
