package dev.nervesys.spi;

import java.util.Map;

/** A bean that reports figures (buffer bytes, archive lag, rates) to the nervesys dev console. */
public interface StatusReporter {

    /** The section name in the console, such as {@code buffer}. */
    String statusName();

    /** Plain values only (numbers, strings, booleans, lists and maps of them). No secrets. */
    Map<String, Object> status();
}
