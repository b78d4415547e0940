package dev.nervesys.bootstrap.console;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import javax.management.Attribute;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanInfo;
import javax.management.MBeanOperationInfo;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.apache.camel.CamelContext;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The same routes in two contexts, one with Camel's assembler, one with ours: every MBean has the same attributes
 * and operations, reads and writes what Camel's does, and runs Hawtio's operations with the same answers, while ours
 * hands out one info per managed class.
 */
class SharedInfoMBeanAssemblerTest {

    private final MBeanServer server = ManagementFactory.getPlatformMBeanServer();
    private CamelContext shared;
    private CamelContext camels;

    @AfterEach
    void stop() {
        for (CamelContext c : new CamelContext[] {shared, camels}) {
            if (c != null) {
                c.stop();
            }
        }
    }

    private CamelContext start(String name, boolean ours) throws Exception {
        DefaultCamelContext c = new DefaultCamelContext();
        c.getCamelContextExtension().setName(name);
        if (ours) {
            c.getCamelContextExtension().setManagementMBeanAssembler(new SharedInfoMBeanAssembler(c));
        }
        c.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("direct:a").routeId("a").setHeader("k", constant("v")).choice().when(header("k").isEqualTo("v"))
                        .to("log:x?level=OFF").otherwise().to("log:y?level=OFF").end().setBody(simple("${header.k}"));
                from("direct:b").routeId("b").setHeader("k", constant("w")).to("log:z?level=OFF").setBody(constant("b"));
            }
        });
        c.start();
        c.createProducerTemplate().sendBody("direct:a", "x");
        c.createProducerTemplate().sendBody("direct:b", "x");
        return c;
    }

    @Test
    void everyMBeanAnswersAsCamelsOwnWithOneInfoPerClass() throws Exception {
        shared = start("shared-info", true);
        camels = start("camels-info", false);
        Set<ObjectName> ours = server.queryNames(new ObjectName("org.apache.camel:context=shared-info,*"), null);
        assertThat(ours).hasSizeGreaterThan(20);
        int compared = 0;
        for (ObjectName n : ours) {
            ObjectName theirs = new ObjectName(n.getCanonicalName().replace("context=shared-info", "context=camels-info"));
            if (!server.isRegistered(theirs)) {
                continue; // a name that holds the context's name elsewhere (none expected among routes and processors)
            }
            MBeanInfo a = server.getMBeanInfo(n);
            MBeanInfo b = server.getMBeanInfo(theirs);
            assertThat(a.getClassName()).as(n.toString()).isEqualTo(b.getClassName());
            assertThat(attributes(a)).as(n + " attributes").isEqualTo(attributes(b));
            assertThat(operations(a)).as(n + " operations").isEqualTo(operations(b));
            for (MBeanAttributeInfo attr : a.getAttributes()) {
                if (!attr.isReadable()) {
                    continue;
                }
                Object va = read(n, attr.getName());
                Object vb = read(theirs, attr.getName());
                assertThat(va instanceof Exception).as(n + " " + attr.getName() + " readable as in Camel's").isEqualTo(vb instanceof Exception);
                if (isStable(attr) && !(va instanceof Exception)) {
                    assertThat(String.valueOf(va).replace("shared-info", "camels-info")).as(n + " " + attr.getName())
                            .isEqualTo(String.valueOf(vb));
                }
            }
            compared++;
        }
        assertThat(compared).isGreaterThan(20);

        assertThat(((SharedInfoMBeanAssembler) shared.getCamelContextExtension().getManagementMBeanAssembler()).sharedClasses())
                .as("classes whose MBeans share one info").isGreaterThan(10);
        // one info per class: two processors of one class share it here, and not with Camel's assembler
        ObjectName p1 = processor("shared-info", "a");
        ObjectName p2 = processor("shared-info", "b");
        assertThat(server.getMBeanInfo(p1)).isSameAs(server.getMBeanInfo(p2));
        assertThat(server.getMBeanInfo(processor("camels-info", "a"))).isNotSameAs(server.getMBeanInfo(processor("camels-info", "b")));

        // Hawtio's read-only operations answer the same
        ObjectName ctxA = new ObjectName("org.apache.camel:context=shared-info,type=context,name=\"shared-info\"");
        ObjectName ctxB = new ObjectName("org.apache.camel:context=camels-info,type=context,name=\"camels-info\"");
        // (node ids are numbered per JVM, so they differ between the two contexts)
        assertThat(nodeIdsOut(server.invoke(ctxA, "dumpRoutesAsXml", new Object[0], new String[0])))
                .contains("<route id=\"a\"").isEqualTo(nodeIdsOut(server.invoke(ctxB, "dumpRoutesAsXml", new Object[0], new String[0])));
        Object statsA = server.invoke(ctxA, "dumpRoutesStatsAsXml", new Object[] {true, true}, new String[] {"boolean", "boolean"});
        assertThat((String) statsA).contains("id=\"a\"").contains("exchangesTotal=\"1\"");
        // and an operation that changes something does it
        ObjectName routeA = new ObjectName("org.apache.camel:context=shared-info,type=routes,name=\"a\"");
        server.invoke(routeA, "stop", new Object[0], new String[0]);
        assertThat(shared.getRouteController().getRouteStatus("a").isStopped()).isTrue();
        server.invoke(routeA, "start", new Object[0], new String[0]);
        assertThat(shared.getRouteController().getRouteStatus("a").isStarted()).isTrue();
        // a writable attribute is written
        server.setAttribute(p1, new Attribute("StatisticsEnabled", false));
        assertThat(server.getAttribute(p1, "StatisticsEnabled")).isEqualTo(false);
        assertThat(server.getAttribute(p2, "StatisticsEnabled")).as("the other MBean of the class").isEqualTo(true);
        server.setAttribute(p1, new Attribute("StatisticsEnabled", true));
        assertThat(server.getAttribute(p1, "StatisticsEnabled")).isEqualTo(true);
    }

    private ObjectName processor(String context, String route) throws Exception {
        // the setHeader processor of each route: same class, two MBeans
        for (ObjectName n : server.queryNames(new ObjectName("org.apache.camel:context=" + context + ",type=processors,*"), null)) {
            if (route.equals(server.getAttribute(n, "RouteId")) && "setHeader".equals(server.getAttribute(n, "ProcessorName"))) {
                return n;
            }
        }
        throw new AssertionError("no setHeader processor in route " + route);
    }

    private static String nodeIdsOut(Object xml) {
        return ((String) xml).replaceAll(" id=\"[a-zA-Z]+[0-9]+\"", "");
    }

    private Object read(ObjectName n, String attribute) {
        try {
            return server.getAttribute(n, attribute);
        } catch (Exception e) {
            return e;
        }
    }

    /** Attributes whose value does not move between two reads (no times, counters of time, ids of threads or hashes). */
    private static boolean isStable(MBeanAttributeInfo attr) {
        String n = attr.getName().toLowerCase(java.util.Locale.ROOT);
        List<String> moving = List.of("time", "uptime", "millis", "date", "stamp", "load", "throughput", "memory", "uuid",
                "idle", "last", "first", "delta", "mean", "max", "min", "elapsed", "duration", "age", "count", "total",
                "size", "hash", "id", "thread", "pid", "version", "host", "exchanges", "inflight", "failures", "redeliver");
        return moving.stream().noneMatch(n::contains) && (attr.getType().equals("java.lang.String") || attr.getType().equals("boolean"));
    }

    private static Set<String> attributes(MBeanInfo info) {
        Set<String> s = new TreeSet<>();
        for (MBeanAttributeInfo a : info.getAttributes()) {
            s.add(a.getName() + ":" + a.getType() + ":" + a.isReadable() + a.isWritable());
        }
        return s;
    }

    private static Set<String> operations(MBeanInfo info) {
        Set<String> s = new TreeSet<>();
        for (MBeanOperationInfo o : info.getOperations()) {
            s.add(o.getName() + Arrays.toString(Arrays.stream(o.getSignature()).map(p -> p.getType()).toArray()));
        }
        return s;
    }
}
