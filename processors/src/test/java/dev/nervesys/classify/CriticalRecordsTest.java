package dev.nervesys.classify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.nervesys.spi.CriticalRecord;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.camel.CamelContext;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The hand-off to route classify-critical through a real route with the bean as its route policy:
 * the endpoint carries wake-ups only, so the records queued while the route is busy are taken in
 * one exchange; without a running route the classifier is refused (its alert counted as dropped).
 */
class CriticalRecordsTest {

    private final CamelContext camel = new DefaultCamelContext();

    @AfterEach
    void close() throws Exception {
        camel.close();
    }

    private static CriticalRecord critical(int i) {
        return new CriticalRecord(Instant.EPOCH, "errors", "critical", "ERROR", "disk " + i + " failed", "errors");
    }

    @Test
    void recordsQueuedWhileTheRouteIsBusyAreTakenInOneExchangeAndNoneIsLost() throws Exception {
        CriticalRecords hand = new CriticalRecords();
        CountDownLatch busy = new CountDownLatch(1);
        CountDownLatch first = new CountDownLatch(1);
        List<List<CriticalRecord>> takes = new CopyOnWriteArrayList<>();
        camel.getRegistry().bind("criticalRecords", hand);
        camel.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("seda:critical-records?size=100&blockWhenFull=false").routeId("classify-critical")
                        .routePolicyRef("criticalRecords")
                        .process(ex -> {
                            first.countDown();
                            busy.await(10, TimeUnit.SECONDS); // the alert path is slow on its first take
                        })
                        .process(ex -> takes.add(hand.taken(ex)));
            }
        });
        camel.start();
        assertThat(hand.offer(critical(0))).isTrue();
        assertThat(first.await(10, TimeUnit.SECONDS)).isTrue();
        for (int i = 1; i <= 40; i++) {
            assertThat(hand.offer(critical(i))).isTrue();
        }
        assertThat(hand.queued()).isEqualTo(41);
        busy.countDown();
        await().atMost(Duration.ofSeconds(10)).until(() -> takes.stream().mapToInt(List::size).sum() == 41);
        // one wake-up was on its way while the route was busy: all 41 records in one take
        assertThat(takes).hasSize(1);
        assertThat(takes.get(0)).extracting(CriticalRecord::message).first().isEqualTo("disk 0 failed");
        assertThat(takes.get(0)).extracting(CriticalRecord::message).last().isEqualTo("disk 40 failed");
        assertThat(hand.queued()).isZero();

        // the route idle again: the next record wakes it at once
        assertThat(hand.offer(critical(41))).isTrue();
        await().atMost(Duration.ofSeconds(10)).until(() -> takes.size() == 2);
        assertThat(takes.get(1)).extracting(CriticalRecord::message).containsExactly("disk 41 failed");

        // no route takes records: the classifier is refused
        camel.getRouteController().stopRoute("classify-critical");
        assertThat(hand.offer(critical(42))).isFalse();
        camel.getRouteController().startRoute("classify-critical");
        assertThat(hand.offer(critical(43))).isTrue();
        await().atMost(Duration.ofSeconds(10)).until(() -> takes.size() == 3);
        assertThat(takes.get(2)).extracting(CriticalRecord::message).containsExactly("disk 43 failed");
    }
}
