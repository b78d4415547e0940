package dev.nervesys.spi;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The run registry (bean {@code runRegistry}, docs/runs.md) as the capabilities that see records
 * go by report to it: the live view for each committed batch, the ClickHouse shipper for each
 * shipped one. A run starts with its first record.
 */
public interface RunTracker {

    /** Records arrived for these runs: run id to the receive time (epoch ms) of the newest one. */
    void seen(Map<String, Long> lastReceivedByRun);

    /** This agent's runs as JSON, newest first, without asking ClickHouse (the live UI's list). */
    List<ObjectNode> snapshot();

    /** A bean that reports runs it saw to whoever registers (the ClickHouse shipper). */
    interface Feed {

        void onRunsSeen(Consumer<Map<String, Long>> listener);
    }
}
