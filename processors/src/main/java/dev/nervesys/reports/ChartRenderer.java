package dev.nervesys.reports;

import org.jfree.chart.ChartFactory;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.DateAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.xy.StackedXYAreaRenderer2;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.xy.DefaultTableXYDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.text.SimpleDateFormat;
import java.util.List;
import java.util.TimeZone;

/** Draws the report's charts with JFreeChart into images (the PDF embeds them losslessly). */
final class ChartRenderer {

    static final Color HEALTHY = new Color(0x2e, 0x9e, 0x4f);
    static final Color DEGRADED = new Color(0xf0, 0xa2, 0x02);
    static final Color CRITICAL = new Color(0xd6, 0x2d, 0x20);

    static {
        System.setProperty("java.awt.headless", "true");
    }

    private ChartRenderer() {
    }

    /** Agents per status over the period, stacked. */
    static BufferedImage fleetHealth(FleetReport r, int width, int height) {
        DefaultTableXYDataset data = new DefaultTableXYDataset();
        XYSeries h = new XYSeries("healthy", true, false);
        XYSeries d = new XYSeries("degraded", true, false);
        XYSeries c = new XYSeries("critical", true, false);
        for (int i = 0; i < r.healthy().length; i++) {
            long x = r.bucketStart(i).toEpochMilli();
            h.add(x, r.healthy()[i]);
            d.add(x, r.degraded()[i]);
            c.add(x, r.critical()[i]);
        }
        data.addSeries(h);
        data.addSeries(d);
        data.addSeries(c);
        StackedXYAreaRenderer2 renderer = new StackedXYAreaRenderer2();
        renderer.setSeriesPaint(0, HEALTHY);
        renderer.setSeriesPaint(1, DEGRADED);
        renderer.setSeriesPaint(2, CRITICAL);
        XYPlot plot = new XYPlot(data, timeAxis(r), new NumberAxis("agents"), renderer);
        JFreeChart chart = new JFreeChart("Fleet health (agents by worst status per "
                + r.period().bucketSeconds() / 60 + " min)", titleFont(), plot, true);
        return draw(chart, width, height);
    }

    /** Average and largest buffer size over the fleet. */
    static BufferedImage bufferLevels(FleetReport r, int width, int height) {
        XYSeries avg = new XYSeries("average buffer MB");
        XYSeries max = new XYSeries("largest buffer MB");
        for (int i = 0; i < r.bufferAvgMb().length; i++) {
            long x = r.bucketStart(i).toEpochMilli();
            if (!Double.isNaN(r.bufferAvgMb()[i])) {
                avg.add(x, r.bufferAvgMb()[i]);
                max.add(x, r.bufferMaxMb()[i]);
            }
        }
        XYSeriesCollection data = new XYSeriesCollection();
        data.addSeries(avg);
        data.addSeries(max);
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, false);
        renderer.setSeriesPaint(0, new Color(0x1f, 0x77, 0xb4));
        renderer.setSeriesPaint(1, new Color(0x9c, 0x27, 0xb0));
        renderer.setSeriesStroke(0, new BasicStroke(2f));
        renderer.setSeriesStroke(1, new BasicStroke(1.5f));
        XYPlot plot = new XYPlot(data, timeAxis(r), new NumberAxis("MB"), renderer);
        return draw(new JFreeChart("Buffer levels", titleFont(), plot, true), width, height);
    }

    /** The most frequently raised alerts. */
    static BufferedImage topAlerts(List<FleetReport.AlertCount> alerts, int width, int height) {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        alerts.stream().limit(10).forEach(a -> data.addValue(a.raised(), "raised", a.name()));
        JFreeChart chart = ChartFactory.createBarChart("Top alerts (times raised)", null, "raised", data,
                PlotOrientation.HORIZONTAL, false, false, false);
        chart.setTitle(new org.jfree.chart.title.TextTitle("Top alerts (times raised)", titleFont()));
        CategoryPlot plot = chart.getCategoryPlot();
        ((BarRenderer) plot.getRenderer()).setSeriesPaint(0, CRITICAL);
        ((BarRenderer) plot.getRenderer()).setBarPainter(new org.jfree.chart.renderer.category.StandardBarPainter());
        plot.getRangeAxis().setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        return draw(chart, width, height);
    }

    private static DateAxis timeAxis(FleetReport r) {
        DateAxis axis = new DateAxis(r.period().zone().getId());
        TimeZone tz = TimeZone.getTimeZone(r.period().zone());
        axis.setTimeZone(tz);
        SimpleDateFormat f = new SimpleDateFormat(r.period().kind() == ReportPeriod.Kind.WEEKLY ? "EEE dd" : "HH:mm");
        f.setTimeZone(tz);
        axis.setDateFormatOverride(f);
        axis.setRange(r.period().from().toEpochMilli(), r.period().to().toEpochMilli());
        return axis;
    }

    private static Font titleFont() {
        return new Font(Font.SANS_SERIF, Font.BOLD, 15);
    }

    private static BufferedImage draw(JFreeChart chart, int width, int height) {
        chart.setBackgroundPaint(Color.WHITE);
        chart.getPlot().setBackgroundPaint(new Color(0xf7, 0xf7, 0xf7));
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            chart.draw(g, new java.awt.Rectangle(0, 0, width, height));
        } finally {
            g.dispose();
        }
        return img;
    }
}
