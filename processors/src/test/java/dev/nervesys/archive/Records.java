package dev.nervesys.archive;

import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Random;

/** Seeded telemetry records in the shared NDJSON shape, with a payload of chosen entropy. */
public final class Records {

    private Records() {
    }

    public static List<String> telemetry(String run, int from, int count, int randomBytes, long seed) {
        Random rnd = new Random(seed + from);
        List<String> out = new ArrayList<>(count);
        byte[] pad = new byte[randomBytes];
        for (int i = from; i < from + count; i++) {
            rnd.nextBytes(pad);
            out.add("{\"run_id\":\"" + run + "\",\"source\":\"engine\",\"type\":\"update\",\"frame\":" + i
                    + ",\"time\":\"2025-12-10T12:00:00." + String.format("%09d", i % 1_000_000_000) + "Z\",\"seq\":" + i
                    + ",\"fields\":{\"rpm\":" + (1000 + rnd.nextInt(5000)) + ".5,\"blob\":\""
                    + Base64.getEncoder().encodeToString(pad) + "\"}}");
        }
        return out;
    }

    public static String body(List<String> lines) {
        return String.join("\n", lines) + "\n";
    }
}
