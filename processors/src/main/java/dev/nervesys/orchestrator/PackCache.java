package dev.nervesys.orchestrator;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The answers of the Git fan-out, computed once and served as bytes (docs/orchestrator.md, "Scale").
 * A push makes the whole fleet ask the same thing at once: the advertisement of the same head, then
 * one upload-pack request with the same {@code want <new>}, {@code have <previous>} and the same
 * capabilities (same client version). JGit's upload-pack would count and compress the same objects
 * for every agent; here the first request of a kind computes the answer and every identical request
 * gets its bytes, concurrent ones waiting for the first instead of computing it again.
 *
 * <p>The key is the commit served as the branch head (a rollout serves canaries and the others
 * different heads) and the SHA-256 of the request body as sent after any gzip (wants, haves, done,
 * capabilities, shallow lines: everything the answer depends on besides the repository). The
 * repository only changes when the mirror fetches, and then {@link #clear} empties the cache, so a
 * cached answer is exactly what upload-pack would compute now. Bounded: answers above
 * {@link #MAX_ANSWER} bytes are not kept, and the cache is emptied when it holds {@link #MAX_ENTRIES}.
 */
final class PackCache {

    static final int MAX_ENTRIES = 256;
    static final int MAX_ANSWER = 8 << 20;

    interface Compute {
        byte[] get() throws Exception;
    }

    private final ConcurrentHashMap<String, CompletableFuture<byte[]>> answers = new ConcurrentHashMap<>();
    private final AtomicLong hits = new AtomicLong();
    private final AtomicLong misses = new AtomicLong();

    /**
     * The answer for {@code request} (null: the ref advertisement) with {@code tip} as the served head,
     * computed by {@code compute} unless an identical request was answered (or is being answered) since
     * the last {@link #clear}.
     */
    byte[] answer(String tip, byte[] request, Compute compute) throws Exception {
        if (tip == null) {
            return compute.get();
        }
        String key = tip + (request == null ? ":refs" : ":" + sha256(request));
        CompletableFuture<byte[]> mine = new CompletableFuture<>();
        CompletableFuture<byte[]> cached = answers.putIfAbsent(key, mine);
        if (cached != null) {
            hits.incrementAndGet();
            try {
                return cached.get();
            } catch (ExecutionException e) {
                // the first request failed (its own client's problem, or the repository's): compute this one itself
                return compute.get();
            }
        }
        misses.incrementAndGet();
        if (answers.size() > MAX_ENTRIES) {
            answers.clear();
        }
        try {
            byte[] answer = compute.get();
            mine.complete(answer);
            if (answer.length > MAX_ANSWER) {
                answers.remove(key, mine);
            }
            return answer;
        } catch (Exception | Error e) {
            answers.remove(key, mine);
            mine.completeExceptionally(e);
            throw e;
        }
    }

    /** Forget every answer (the mirror fetched: the repository changed). */
    void clear() {
        answers.clear();
    }

    long hits() {
        return hits.get();
    }

    long misses() {
        return misses.get();
    }

    private static String sha256(byte[] b) throws NoSuchAlgorithmException {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }
}
