package dev.nervesys.spi;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A declarative route table for an {@link HttpApi} on the live server's port: method plus path
 * pattern ({@code /runs/{id}/export}, a {@code {name}} matches one decoded segment) to a handler, so
 * an API reads like its REST definition. A path no pattern matches answers 404, a path matched under
 * another method 405 with {@code Allow}. Not Camel's REST DSL: that needs a Camel HTTP consumer, and
 * this port is the live server's own Netty server (docs/runs.md, docs/live.md).
 */
public final class HttpRoutes {

    /** What a handler gets: the method, the decoded target, the path's {@code {name}} values, the body. */
    public record Request(String method, RequestTarget target, Map<String, String> params, byte[] body) {

        public String param(String name) {
            return params.get(name);
        }

        public String query(String name) {
            return target.query().get(name);
        }
    }

    @FunctionalInterface
    public interface Handler {
        HttpApi.Answer handle(Request request) throws Exception;
    }

    private record Route(String method, String pattern, String[] parts, Handler handler) {
    }

    private final List<Route> routes = new ArrayList<>();

    public HttpRoutes route(String method, String pattern, Handler handler) {
        String[] parts = pattern.replaceAll("^/+|/+$", "").split("/");
        routes.add(new Route(method, pattern, parts, handler));
        return this;
    }

    /** {@code GET /runs/{id}} lines, in table order (docs, tests). */
    public List<String> describe() {
        return routes.stream().map(r -> r.method + " " + r.pattern).toList();
    }

    /** Whether a decoded path belongs to the table (any method). */
    public boolean matches(List<String> segments) {
        return routes.stream().anyMatch(r -> bind(r, segments) != null);
    }

    /** Runs the handler of the first route matching method and path; 404/405 when none does. */
    public HttpApi.Answer dispatch(String method, RequestTarget target, byte[] body) throws Exception {
        Set<String> allowed = new LinkedHashSet<>();
        for (Route r : routes) {
            Map<String, String> params = bind(r, target.segments());
            if (params == null) {
                continue;
            }
            if (r.method.equalsIgnoreCase(method)) {
                return r.handler.handle(new Request(method, target, params, body == null ? new byte[0] : body));
            }
            allowed.add(r.method);
        }
        if (allowed.isEmpty()) {
            return error(404, "no such resource: " + RequestTarget.printable(target.path()));
        }
        HttpApi.Answer a = error(405, String.join(", ", allowed) + " only");
        return new HttpApi.Answer(a.status(), a.contentType(), Map.of("Allow", String.join(", ", allowed)), a.body(), null);
    }

    private static Map<String, String> bind(Route r, List<String> segments) {
        if (segments.size() != r.parts.length) {
            return null;
        }
        Map<String, String> params = new LinkedHashMap<>();
        for (int i = 0; i < r.parts.length; i++) {
            String p = r.parts[i];
            if (p.startsWith("{") && p.endsWith("}")) {
                params.put(p.substring(1, p.length() - 1), segments.get(i));
            } else if (!p.equals(segments.get(i))) {
                return null;
            }
        }
        return params;
    }

    /** {@code {"error": message}} with the status. */
    public static HttpApi.Answer error(int status, String message) {
        return HttpApi.Answer.bytes(status, "application/json",
                JsonNodeFactory.instance.objectNode().put("error", message).toString().getBytes(StandardCharsets.UTF_8));
    }
}
