package dev.nervesys.bootstrap;

import java.lang.instrument.Instrumentation;

/**
 * The jar's {@code Launcher-Agent-Class} (bootstrap/pom.xml): {@code java -jar nervesys.jar} (and so
 * bin/nervesys) calls {@link #agentmain} before the main class, which gives the process the one
 * standard way to add a jar to the application class path after the start
 * ({@link Instrumentation#appendToSystemClassLoaderSearch}). {@link AddOn#attach} uses it to load an
 * add-on jar that is not on the manifest's {@code Class-Path} only when a module that needs it is on:
 * its jar, beside the class path, costs about 8 MB of an idle agent's memory and most of a second of
 * its start even when nothing loads from it (docs/operations.md, "Add-on jars"). Nothing else is done
 * with the instrumentation: no class is transformed.
 */
public final class AddOnAgent {

    private static volatile Instrumentation instrumentation;

    private AddOnAgent() {
    }

    public static void agentmain(String args, Instrumentation inst) {
        instrumentation = inst;
    }

    /** The process's instrumentation, or null when it was not started with {@code java -jar nervesys.jar} (tests, IDE). */
    static Instrumentation instrumentation() {
        return instrumentation;
    }
}
