package dev.nervesys.bootstrap.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Rows of a query as an aligned text table, column names upper-cased, nulls as '-'. */
final class Tables {

    private Tables() {
    }

    static String of(List<Map<String, Object>> rows) {
        if (rows.isEmpty()) {
            return "none" + System.lineSeparator();
        }
        List<String> head = new ArrayList<>(rows.get(0).keySet());
        List<String[]> lines = new ArrayList<>();
        lines.add(head.stream().map(h -> h.toUpperCase(Locale.ROOT)).toArray(String[]::new));
        for (Map<String, Object> r : rows) {
            lines.add(head.stream().map(h -> r.get(h) == null ? "-" : r.get(h).toString()).toArray(String[]::new));
        }
        int[] w = new int[head.size()];
        for (String[] l : lines) {
            for (int i = 0; i < l.length; i++) {
                w[i] = Math.max(w[i], l[i].length());
            }
        }
        StringBuilder b = new StringBuilder();
        for (String[] l : lines) {
            for (int i = 0; i < l.length; i++) {
                b.append(i == l.length - 1 ? l[i] : String.format("%-" + w[i] + "s  ", l[i]));
            }
            b.append(System.lineSeparator());
        }
        return b.toString();
    }
}
