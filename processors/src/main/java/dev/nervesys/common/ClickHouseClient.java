package dev.nervesys.common;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;

/**
 * ClickHouse's HTTP interface with the JDK client, created once. Version 18.16 has no query
 * parameters, so the few values put into SQL go through {@link #quote}, never raw.
 *
 * <p>Hand-written over the JDK client because ClickHouse 18.16's only common ground with today's
 * clients is its HTTP interface (the official Java client cannot talk to it), and RowBinary through it
 * reaches 0.86–0.88 of ClickHouse's own insert (docs/benchmarks.md, "Runs, ClickHouse, live view").
 */
public final class ClickHouseClient {

    private final HttpClient http;
    private final String url;
    private final String database;
    private final String auth;
    private final Duration timeout;

    public ClickHouseClient(String url, String database, String user, String password, Duration timeout) {
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).version(HttpClient.Version.HTTP_1_1).build();
        this.url = url;
        this.database = database;
        this.timeout = timeout;
        this.auth = user == null ? null : "Basic " + Base64.getEncoder().encodeToString(
                (user + ":" + (password == null ? "" : password)).getBytes(StandardCharsets.UTF_8));
    }

    /** The HTTP URL this client talks to (for messages: it carries no credentials, those go in headers). */
    public String url() {
        return url;
    }

    public String database() {
        return database;
    }

    /** A backquoted, escaped identifier of a table in the configured database. */
    public String table(String name) {
        return "`" + database.replace("\\", "\\\\").replace("`", "\\`") + "`.`" + name + "`";
    }

    /** A ClickHouse string literal: backslash escapes for {@code \ '} and control characters. */
    public static String quote(String value) {
        StringBuilder b = new StringBuilder(value.length() + 2).append('\'');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '\\' -> b.append("\\\\");
                case '\'' -> b.append("\\'");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                case '\0' -> b.append("\\0");
                default -> b.append(c);
            }
        }
        return b.append('\'').toString();
    }

    private HttpRequest.Builder request(String query) {
        String q = query == null ? "" : "?query=" + URLEncoder.encode(query, StandardCharsets.UTF_8);
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url + "/" + q)).timeout(timeout);
        if (auth != null) {
            b.header("Authorization", auth);
        }
        return b;
    }

    /** Runs a statement (DDL or a small SELECT) and returns the answer's text. */
    public String execute(String sql) throws IOException, ClickHouseException {
        return execute(sql, Map.of());
    }

    /** Runs a statement with ClickHouse settings for this query only (URL parameters: every version reads them). */
    public String execute(String sql, Map<String, String> settings) throws IOException, ClickHouseException {
        HttpRequest.Builder b = request(null);
        if (!settings.isEmpty()) {
            StringBuilder u = new StringBuilder(url).append("/?");
            settings.forEach((k, v) -> u.append(URLEncoder.encode(k, StandardCharsets.UTF_8)).append('=')
                    .append(URLEncoder.encode(v, StandardCharsets.UTF_8)).append('&'));
            b.uri(URI.create(u.substring(0, u.length() - 1)));
        }
        HttpResponse<String> r = send(b.POST(HttpRequest.BodyPublishers.ofString(sql)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new ClickHouseException(r.statusCode(), r.body());
        }
        return r.body();
    }

    /** One INSERT of JSONEachRow lines; returns once ClickHouse confirmed it (200). */
    public void insert(String table, byte[] jsonEachRow, int offset, int length) throws IOException, ClickHouseException {
        HttpResponse<String> r = send(request("INSERT INTO " + table(table) + " FORMAT JSONEachRow")
                .header("Content-Type", "application/x-ndjson")
                .POST(HttpRequest.BodyPublishers.ofByteArray(jsonEachRow, offset, length)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new ClickHouseException(r.statusCode(), r.body());
        }
    }

    /**
     * One INSERT of RowBinary rows of the named columns (in their order); returns once ClickHouse
     * confirmed it (200). The caller guarantees the columns' types (see ClickHouseSchema#rowBinaryFits).
     */
    public void insertRowBinary(String table, String columns, byte[] rows, int offset, int length) throws IOException, ClickHouseException {
        HttpResponse<String> r = send(request("INSERT INTO " + table(table) + " (" + columns + ") FORMAT RowBinary")
                .header("Content-Type", "application/octet-stream")
                .POST(HttpRequest.BodyPublishers.ofByteArray(rows, offset, length)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new ClickHouseException(r.statusCode(), r.body());
        }
    }

    /** A SELECT whose answer is streamed: the caller closes the stream. */
    public InputStream stream(String sql) throws IOException, ClickHouseException {
        // 64-bit integers unquoted in JSON output (frames are UInt64)
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url + "/?output_format_json_quote_64bit_integers=0"))
                .timeout(timeout);
        if (auth != null) {
            b.header("Authorization", auth);
        }
        HttpResponse<InputStream> r = send(b.POST(HttpRequest.BodyPublishers.ofString(sql)).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        if (r.statusCode() != 200) {
            try (InputStream in = r.body()) {
                throw new ClickHouseException(r.statusCode(), new String(in.readAllBytes(), StandardCharsets.UTF_8));
            }
        }
        return r.body();
    }

    /** {@code /ping} answers "Ok." while the server runs. */
    public boolean ping(Duration within) {
        try {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url + "/ping")).timeout(within).GET();
            return http.send(b.build(), HttpResponse.BodyHandlers.ofString()).body().startsWith("Ok");
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler) throws IOException {
        try {
            return http.send(request, handler);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }
}
