package dev.nervesys.reports;

import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.PDPage;
import org.apache.pdfbox.pdmodel.PDPageContentStream;
import org.apache.pdfbox.pdmodel.common.PDRectangle;
import org.apache.pdfbox.pdmodel.font.PDType1Font;
import org.apache.pdfbox.pdmodel.font.Standard14Fonts;
import org.apache.pdfbox.pdmodel.graphics.image.LosslessFactory;
import org.apache.pdfbox.pdmodel.graphics.image.PDImageXObject;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.OutputStream;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * The PDF summary: key figures and the fleet-health and buffer charts on page one, top alerts,
 * runs and config rejections on page two, then the agents that need attention most (worst first,
 * up to {@code maxAgents}; the workbook has every agent).
 */
public final class PdfRenderer {

    private static final float MARGIN = 40;
    private static final PDType1Font REGULAR = new PDType1Font(Standard14Fonts.FontName.HELVETICA);
    private static final PDType1Font BOLD = new PDType1Font(Standard14Fonts.FontName.HELVETICA_BOLD);

    private final int maxAgents;

    public PdfRenderer(int maxAgents) {
        this.maxAgents = maxAgents;
    }

    public void render(FleetReport r, OutputStream out) throws IOException {
        try (PDDocument doc = new PDDocument()) {
            Writer w = new Writer(doc);
            w.text(BOLD, 18, r.period().title());
            DateTimeFormatter f = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm").withZone(r.period().zone());
            w.text(REGULAR, 9, "Period " + f.format(r.period().from()) + " to " + f.format(r.period().to()) + " ("
                    + r.period().zone().getId() + "), generated " + f.format(r.generatedAt()));
            w.gap(6);
            if (!r.trigger().isEmpty()) {
                w.text(BOLD, 11, "Critical heartbeats that triggered this report");
                r.trigger().stream().limit(12).forEach(t -> w.text(REGULAR, 9, "  " + t));
                w.gap(6);
            }
            summary(r, w);
            w.gap(8);
            w.image(ChartRenderer.fleetHealth(r, 1030, 480), 515, 240);
            w.gap(6);
            w.image(ChartRenderer.bufferLevels(r, 1030, 400), 515, 200);

            w.newPage();
            if (r.alerts().isEmpty()) {
                w.text(BOLD, 12, "Top alerts");
                w.text(REGULAR, 9, "No alert was raised in this period.");
            } else {
                w.image(ChartRenderer.topAlerts(r.alerts(), 1030, 440), 515, 220);
                w.gap(4);
                List<String[]> rows = new ArrayList<>();
                r.alerts().stream().limit(15).forEach(a -> rows.add(new String[] {a.name(), a.severity(),
                        String.valueOf(a.raised()), String.valueOf(a.agents())}));
                w.table(new String[] {"alert", "severity", "raised", "agents"}, new float[] {240, 90, 70, 70}, rows);
            }
            w.text(REGULAR, 8, "Alerts raised counted from " + r.alertsSource() + ".");
            w.gap(10);
            w.text(BOLD, 12, "Telemetry per run");
            if (r.runs().isEmpty()) {
                w.text(REGULAR, 9, r.runsNote() == null ? "No run recorded in this period." : r.runsNote());
            } else {
                List<String[]> rows = new ArrayList<>();
                r.runs().stream().limit(20).forEach(x -> rows.add(new String[] {x.runId(), String.format(Locale.ROOT, "%,d", x.records())}));
                w.table(new String[] {"run", "records"}, new float[] {300, 120}, rows);
            }
            w.gap(10);
            w.text(BOLD, 12, "Config revisions rejected");
            List<String[]> rejected = new ArrayList<>();
            r.agents().forEach(a -> a.rejected().forEach((rev, err) -> rejected.add(new String[] {a.agentId(), shortRev(rev), err})));
            if (rejected.isEmpty()) {
                w.text(REGULAR, 9, "None.");
            } else {
                w.table(new String[] {"agent", "revision", "error"}, new float[] {120, 80, 315}, rejected.stream().limit(20).toList());
            }

            w.newPage();
            List<AgentFigures> worst = new ArrayList<>(r.agents());
            worst.sort(Comparator.comparingLong(AgentFigures::critical).reversed()
                    .thenComparing(Comparator.comparingInt(AgentFigures::alertsRaised).reversed())
                    .thenComparing(AgentFigures::agentId));
            w.text(BOLD, 12, "Agents" + (worst.size() > maxAgents ? " (the " + maxAgents + " needing attention most of "
                    + worst.size() + "; the workbook lists all)" : ""));
            List<String[]> rows = new ArrayList<>();
            long periodMinutes = periodMinutes(r);
            for (AgentFigures a : worst.subList(0, Math.min(maxAgents, worst.size()))) {
                rows.add(new String[] {a.agentId(), pct(100.0 * a.minutesSeen() / periodMinutes), String.valueOf(a.critical()),
                        num(a.cpu().avg()) + " / " + num(a.cpu().peak()), num(a.ram().avg()) + " / " + num(a.ram().peak()),
                        num(a.disk().avg()) + " / " + num(a.disk().peak()), num(a.bufferMb().peak()),
                        num(a.archiveLag().peak()), String.valueOf(a.alertsRaised()), a.revisions().size() + " / " + a.rejected().size()});
            }
            w.table(new String[] {"agent", "up %", "crit", "cpu avg/pk", "ram avg/pk", "disk avg/pk", "buf MB pk",
                    "lag s pk", "alerts", "rev ok/rej"}, new float[] {85, 38, 32, 62, 62, 62, 48, 44, 36, 46}, rows);
            w.close();
            doc.save(out);
        }
    }

    private static void summary(FleetReport r, Writer w) {
        long minutes = periodMinutes(r);
        double up = r.agents().stream().mapToDouble(a -> 100.0 * a.minutesSeen() / minutes).average().orElse(Double.NaN);
        long beats = r.agents().stream().mapToLong(AgentFigures::beats).sum();
        long crit = r.agents().stream().mapToLong(AgentFigures::critical).sum();
        long deg = r.agents().stream().mapToLong(AgentFigures::degraded).sum();
        double cpu = r.agents().stream().mapToDouble(a -> a.cpu().avg()).filter(d -> !Double.isNaN(d)).average().orElse(Double.NaN);
        double cpuPeak = r.agents().stream().mapToDouble(a -> a.cpu().peak()).filter(d -> !Double.isNaN(d)).max().orElse(Double.NaN);
        long dropped = r.agents().stream().mapToLong(AgentFigures::droppedRows).sum();
        double lag = r.agents().stream().mapToDouble(a -> a.archiveLag().peak()).filter(d -> !Double.isNaN(d)).max().orElse(Double.NaN);
        w.text(REGULAR, 10, String.format(Locale.ROOT, "Agents reporting: %d    Heartbeats: %,d    Average uptime: %s%%",
                r.agents().size(), beats, num(up)));
        w.text(REGULAR, 10, String.format(Locale.ROOT, "Heartbeats degraded: %,d    critical: %,d    Alerts raised: %d",
                deg, crit, r.totalAlertsRaised()));
        w.text(REGULAR, 10, String.format(Locale.ROOT, "CPU average %s%%, peak %s%%    Buffer rows dropped: %,d    Largest archive lag: %s s",
                num(cpu), num(cpuPeak), dropped, num(lag)));
        w.text(REGULAR, 10, String.format(Locale.ROOT, "Config revisions applied: %d    rejected: %d",
                r.agents().stream().mapToLong(a -> a.revisions().size()).sum(), r.rejectedRevisions()));
    }

    static long periodMinutes(FleetReport r) {
        java.time.Instant end = r.generatedAt().isBefore(r.period().to()) ? r.generatedAt() : r.period().to();
        return Math.max(1, (end.getEpochSecond() - r.period().from().getEpochSecond() + 59) / 60);
    }

    private static String shortRev(String rev) {
        return rev.length() > 10 ? rev.substring(0, 10) : rev;
    }

    static String num(double d) {
        return Double.isNaN(d) ? "-" : String.format(Locale.ROOT, "%.1f", d);
    }

    static String pct(double d) {
        return Double.isNaN(d) ? "-" : String.format(Locale.ROOT, "%.1f", Math.min(100, d));
    }

    /** Standard 14 fonts encode WinAnsi only: anything else becomes '?'. */
    static String safe(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            b.append(c >= 0x20 && c < 0x7f ? c : '?');
        }
        return b.toString();
    }

    /** A top-down page writer that starts a new page when the current one is full. */
    private static final class Writer {
        private final PDDocument doc;
        private PDPageContentStream cs;
        private float y;

        Writer(PDDocument doc) throws IOException {
            this.doc = doc;
            newPage();
        }

        void newPage() {
            try {
                close();
                PDPage page = new PDPage(PDRectangle.A4);
                doc.addPage(page);
                cs = new PDPageContentStream(doc, page);
                y = PDRectangle.A4.getHeight() - MARGIN;
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }

        void ensure(float height) {
            if (y - height < MARGIN) {
                newPage();
            }
        }

        void gap(float h) {
            y -= h;
        }

        void text(PDType1Font font, float size, String s) {
            ensure(size + 4);
            at(font, size, MARGIN, y - size, s);
            y -= size + 4;
        }

        private void at(PDType1Font font, float size, float x, float baseline, String s) {
            try {
                cs.beginText();
                cs.setFont(font, size);
                cs.newLineAtOffset(x, baseline);
                cs.showText(safe(s));
                cs.endText();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }

        void image(BufferedImage img, float w, float h) {
            ensure(h);
            try {
                PDImageXObject x = LosslessFactory.createFromImage(doc, img);
                cs.drawImage(x, MARGIN, y - h, w, h);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            y -= h;
        }

        void table(String[] header, float[] widths, List<String[]> rows) {
            row(BOLD, header, widths, true);
            for (String[] r : rows) {
                if (y - 11 < MARGIN) {
                    newPage();
                    row(BOLD, header, widths, true);
                }
                row(REGULAR, r, widths, false);
            }
        }

        private void row(PDType1Font font, String[] cells, float[] widths, boolean header) {
            ensure(11);
            float x = MARGIN;
            for (int i = 0; i < cells.length; i++) {
                at(font, 7.5f, x, y - 8, clip(font, cells[i] == null ? "" : cells[i], widths[i] - 3, 7.5f));
                x += widths[i];
            }
            if (header) {
                try {
                    cs.setLineWidth(0.5f);
                    cs.moveTo(MARGIN, y - 10.5f);
                    cs.lineTo(x, y - 10.5f);
                    cs.stroke();
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
            y -= 11;
        }

        private static String clip(PDType1Font font, String s, float width, float size) {
            String t = safe(s);
            try {
                while (!t.isEmpty() && font.getStringWidth(t) / 1000 * size > width) {
                    t = t.substring(0, t.length() - 1);
                }
            } catch (IOException e) {
                return t;
            }
            return t;
        }

        void close() throws IOException {
            if (cs != null) {
                cs.close();
                cs = null;
            }
        }
    }
}
