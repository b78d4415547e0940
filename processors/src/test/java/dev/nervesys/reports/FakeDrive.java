package dev.nervesys.reports;


import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The parts of the Drive v3 API the reports use, in memory, on a local port: the OAuth token
 * endpoint, files.list with q (name, parent, folder mime type, trashed), files.create of folders,
 * multipart and resumable uploads (with Content-Range chunks and 308 answers), files.delete.
 * Everything received is recorded for the test's assertions. {@link #failUploads} makes uploads
 * answer 503. Shared with the bootstrap tests through the processors test jar.
 */
public final class FakeDrive implements AutoCloseable {

    public record StoredFile(String id, String name, String parent, String mimeType, byte[] bytes, String uploadType) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpServer server;
    public final Map<String, StoredFile> files = Collections.synchronizedMap(new LinkedHashMap<>());
    public final List<String> requests = Collections.synchronizedList(new ArrayList<>());
    public final List<String> deleted = Collections.synchronizedList(new ArrayList<>());
    public final AtomicInteger tokenRequests = new AtomicInteger();
    public volatile boolean failUploads;
    /** The public key of the one service account this Drive knows (RS256 JWT grants are checked against it). */
    public volatile java.security.PublicKey serviceAccountKey;
    /** The claims of the last accepted service-account grant. */
    public volatile com.fasterxml.jackson.databind.JsonNode lastGrantClaims;
    /** Holds every upload request this long before answering: a slow Drive or a busy machine. */
    public volatile long uploadDelayMillis;
    private final AtomicInteger ids = new AtomicInteger();
    private final Map<String, Object[]> sessions = Collections.synchronizedMap(new LinkedHashMap<>());

    public FakeDrive() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", this::handle);
        server.start();
    }

    public String rootUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/";
    }

    public String tokenUrl() {
        return rootUrl() + "token";
    }

    public List<StoredFile> in(String parent) {
        synchronized (files) {
            return files.values().stream().filter(f -> parent.equals(f.parent())).toList();
        }
    }

    public StoredFile folder(String name, String parent) {
        synchronized (files) {
            return files.values().stream().filter(f -> f.name().equals(name) && f.parent().equals(parent)
                    && DriveDelivery.FOLDER_MIME.equals(f.mimeType())).findFirst().orElse(null);
        }
    }

    /** An RS256 JWT signed by the service account's private key, as Google's token endpoint checks it. */
    private boolean serviceAccountGrant(String jwt) {
        try {
            String[] parts = jwt.split("\\.");
            java.security.Signature sig = java.security.Signature.getInstance("SHA256withRSA");
            sig.initVerify(serviceAccountKey);
            sig.update((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
            if (!sig.verify(java.util.Base64.getUrlDecoder().decode(parts[2]))) {
                return false;
            }
            lastGrantClaims = JSON.readTree(java.util.Base64.getUrlDecoder().decode(parts[1]));
            return true;
        } catch (Exception e) {
            return false;
        }
    }

    private void handle(HttpExchange ex) throws IOException {
        try {
            String method = ex.getRequestMethod();
            String path = ex.getRequestURI().getPath();
            Map<String, String> query = query(ex.getRequestURI().getRawQuery());
            byte[] body = ex.getRequestBody().readAllBytes();
            if ("gzip".equalsIgnoreCase(ex.getRequestHeaders().getFirst("Content-Encoding"))) {
                body = new java.util.zip.GZIPInputStream(new java.io.ByteArrayInputStream(body)).readAllBytes();
            }
            requests.add(method + " " + path + (query.containsKey("uploadType") ? " " + query.get("uploadType") : "")
                    + (ex.getRequestHeaders().containsKey("Content-Range") ? " " + ex.getRequestHeaders().getFirst("Content-Range") : ""));
            if (path.equals("/token")) {
                tokenRequests.incrementAndGet();
                String form = new String(body, StandardCharsets.UTF_8);
                if (form.contains("grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer")) {
                    if (!serviceAccountGrant(query(form).get("assertion"))) {
                        send(ex, 400, "{\"error\":\"invalid_grant\"}");
                        return;
                    }
                } else if (!form.contains("grant_type=refresh_token") || !form.contains("refresh_token=rt-secret")) {
                    send(ex, 400, "{\"error\":\"invalid_grant\"}");
                    return;
                }
                send(ex, 200, "{\"access_token\":\"at-1\",\"token_type\":\"Bearer\",\"expires_in\":3600}");
                return;
            }
            if (!"Bearer at-1".equals(ex.getRequestHeaders().getFirst("Authorization"))) {
                send(ex, 401, "{\"error\":{\"code\":401,\"message\":\"no token\"}}");
                return;
            }
            if (path.startsWith("/upload/drive/v3/files")) {
                if (uploadDelayMillis > 0) {
                    try {
                        Thread.sleep(uploadDelayMillis);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                if (failUploads) {
                    send(ex, 503, "{\"error\":{\"code\":503,\"message\":\"Backend Error\"}}");
                    return;
                }
                upload(ex, method, query, body);
                return;
            }
            if (path.equals("/drive/v3/files") && method.equals("GET")) {
                list(ex, query.getOrDefault("q", ""));
                return;
            }
            if (path.equals("/drive/v3/files") && method.equals("POST")) {
                ObjectNode meta = (ObjectNode) JSON.readTree(body);
                StoredFile f = store(meta, new byte[0], "metadata");
                send(ex, 200, JSON.writeValueAsString(Map.of("id", f.id())));
                return;
            }
            if (path.startsWith("/drive/v3/files/") && method.equals("DELETE")) {
                String id = path.substring("/drive/v3/files/".length());
                deleted.add(id);
                send(ex, files.remove(id) == null ? 404 : 204, null);
                return;
            }
            send(ex, 404, "{\"error\":{\"code\":404,\"message\":\"not here\"}}");
        } catch (RuntimeException e) {
            send(ex, 500, "{\"error\":{\"code\":500,\"message\":\"" + e.getClass().getSimpleName() + "\"}}");
        }
    }

    private void upload(HttpExchange ex, String method, Map<String, String> query, byte[] body) throws IOException {
        String type = query.get("uploadType");
        if ("multipart".equals(type)) {
            String ct = ex.getRequestHeaders().getFirst("Content-Type");
            String boundary = ct.substring(ct.indexOf("boundary=") + 9).replace("\"", "");
            List<byte[]> parts = multipart(body, boundary);
            ObjectNode meta = (ObjectNode) JSON.readTree(parts.get(0));
            StoredFile f = store(meta, parts.get(1), "multipart");
            send(ex, 200, fileJson(f));
        } else if ("resumable".equals(type) && method.equals("POST")) {
            String session = "s" + ids.incrementAndGet();
            sessions.put(session, new Object[] {JSON.readTree(body), new ByteArrayOutputStream()});
            ex.getResponseHeaders().add("Location", rootUrl() + "upload/drive/v3/files?uploadType=resumable&upload_id=" + session);
            send(ex, 200, null);
        } else if ("resumable".equals(type) && method.equals("PUT")) {
            Object[] s = sessions.get(query.get("upload_id"));
            if (s[1] instanceof StoredFile done) { // a status query after the last chunk
                send(ex, 200, fileJson(done));
                return;
            }
            ByteArrayOutputStream data = (ByteArrayOutputStream) s[1];
            data.write(body);
            String range = ex.getRequestHeaders().getFirst("Content-Range"); // bytes a-b/total or bytes */total
            Matcher m = Pattern.compile("bytes (\\d+)-(\\d+)/(\\d+|\\*)").matcher(range == null ? "" : range);
            if (m.matches() && !m.group(3).equals("*") && Long.parseLong(m.group(2)) + 1 < Long.parseLong(m.group(3))) {
                ex.getResponseHeaders().add("Range", "bytes=0-" + m.group(2));
                send(ex, 308, null);
                return;
            }
            StoredFile f = store((ObjectNode) s[0], data.toByteArray(), "resumable");
            s[1] = f;
            send(ex, 200, fileJson(f));
        } else {
            send(ex, 400, "{\"error\":{\"code\":400,\"message\":\"uploadType\"}}");
        }
    }

    private StoredFile store(ObjectNode meta, byte[] bytes, String how) {
        String parent = meta.has("parents") ? meta.get("parents").get(0).asText() : "root";
        StoredFile f = new StoredFile("id" + ids.incrementAndGet(), meta.get("name").asText(), parent,
                meta.has("mimeType") ? meta.get("mimeType").asText() : "", bytes, how);
        files.put(f.id(), f);
        return f;
    }

    private void list(HttpExchange ex, String q) throws IOException {
        String name = match(q, "name = '((?:\\\\'|[^'])*)'");
        String parent = match(q, "'([^']*)' in parents");
        String mime = match(q, "mimeType = '([^']*)'");
        List<Map<String, String>> out = new ArrayList<>();
        synchronized (files) {
            for (StoredFile f : files.values()) {
                if ((name == null || f.name().equals(name.replace("\\'", "'"))) && (parent == null || f.parent().equals(parent))
                        && (mime == null || f.mimeType().equals(mime))) {
                    out.add(Map.of("id", f.id(), "name", f.name()));
                }
            }
        }
        send(ex, 200, JSON.writeValueAsString(Map.of("files", out)));
    }

    private static String match(String s, String regex) {
        Matcher m = Pattern.compile(regex).matcher(s);
        return m.find() ? m.group(1) : null;
    }

    private static String fileJson(StoredFile f) throws IOException {
        return JSON.writeValueAsString(Map.of("id", f.id(), "name", f.name(), "mimeType", f.mimeType()));
    }

    private static List<byte[]> multipart(byte[] body, String boundary) {
        String text = new String(body, StandardCharsets.ISO_8859_1);
        String sep = "--" + boundary;
        List<byte[]> parts = new ArrayList<>();
        for (String part : text.split(Pattern.quote(sep))) {
            int start = part.indexOf("\r\n\r\n");
            if (start < 0 || part.startsWith("--")) {
                continue;
            }
            String content = part.substring(start + 4);
            if (content.endsWith("\r\n")) {
                content = content.substring(0, content.length() - 2);
            }
            parts.add(content.getBytes(StandardCharsets.ISO_8859_1));
        }
        return parts;
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> m = new LinkedHashMap<>();
        if (raw != null) {
            for (String kv : raw.split("&")) {
                int i = kv.indexOf('=');
                if (i > 0) {
                    m.put(URLDecoder.decode(kv.substring(0, i), StandardCharsets.UTF_8), URLDecoder.decode(kv.substring(i + 1), StandardCharsets.UTF_8));
                }
            }
        }
        return m;
    }

    private static void send(HttpExchange ex, int status, String json) throws IOException {
        byte[] b = json == null ? new byte[0] : json.getBytes(StandardCharsets.UTF_8);
        if (json != null) {
            ex.getResponseHeaders().add("Content-Type", "application/json; charset=UTF-8");
        }
        ex.sendResponseHeaders(status, b.length == 0 ? -1 : b.length);
        if (b.length > 0) {
            ex.getResponseBody().write(b);
        }
        ex.close();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
