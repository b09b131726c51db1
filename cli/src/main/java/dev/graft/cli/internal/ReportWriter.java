package dev.graft.cli.internal;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/** Writes a run's HTML report with PNG learning curves beside it. */
public final class ReportWriter {
    private ReportWriter() {
    }

    /** Writes {@code index.html} and charts into {@code dir}; returns the HTML file. */
    public static Path write(RunReport r, Path dir) throws IOException {
        System.setProperty("java.awt.headless", "true");
        Files.createDirectories(dir);
        List<String> charts = new ArrayList<>();
        for (int i = 0; i < r.sections().size(); i++) {
            RunReport.Section s = r.sections().get(i);
            if (s.epochs().isEmpty()) {
                charts.add(null);
                continue;
            }
            String base = "curves-" + slug(s.name());
            chart(s, true, dir.resolve(base + "-loss.png"));
            chart(s, false, dir.resolve(base + "-accuracy.png"));
            charts.add(base);
        }
        Path html = dir.resolve("index.html");
        Path tmp = dir.resolve("index.html.tmp"); // written beside, then moved: a reader (or a kill) never sees half a report
        try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
            w.write("<!doctype html><html><head><meta charset=\"utf-8\"><title>" + esc(r.title()) + "</title><style>"
                    + "body{font-family:sans-serif;max-width:1100px;margin:2em auto;color:#222}"
                    + "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}"
                    + "th{background:#f3f3f3}td.l,th.l{text-align:left}pre{background:#f7f7f7;padding:1em;white-space:pre-wrap}"
                    + "img{max-width:48%;margin-right:1%}</style></head><body>\n");
            w.write("<h1>" + esc(r.title()) + "</h1>\n<p>" + esc(r.task()) + "</p>\n");
            w.write("<h2>Results</h2>\n<table><tr><th class=l>model</th><th>" + esc(r.evaluatedOn()) + " accuracy</th><th>" + esc(r.evaluatedOn()) + " macro F1</th>"
                    + "<th>train time (s)</th><th>trainable parameters</th><th class=l>stopped</th></tr>\n");
            for (RunReport.Section s : r.sections()) {
                w.write(String.format(Locale.ROOT, "<tr><td class=l>%s</td><td>%s</td><td>%s</td><td>%.1f</td><td>%,d</td><td class=l>%s</td></tr>%n",
                        esc(s.name()), score(s.testAccuracy()), score(s.macroF1()), s.trainSeconds(), s.trainableParameters(), esc(s.stopReason())));
            }
            w.write("</table>\n");
            for (String n : r.notes()) {
                w.write("<p>" + esc(n) + "</p>\n");
            }
            for (int i = 0; i < r.sections().size(); i++) {
                RunReport.Section s = r.sections().get(i);
                w.write("<h2>" + esc(s.name()) + "</h2>\n<h3>Plan</h3>\n<pre>" + esc(s.plan()) + "</pre>\n");
                if (charts.get(i) != null) {
                    w.write("<h3>Learning curves</h3>\n<img src=\"" + charts.get(i) + "-loss.png\" alt=\"loss per epoch\">"
                            + "<img src=\"" + charts.get(i) + "-accuracy.png\" alt=\"accuracy per epoch\">\n");
                    w.write("<table><tr><th>epoch</th><th>train loss</th><th>train accuracy</th><th>validation loss</th><th>validation accuracy</th><th>seconds</th></tr>\n");
                    for (RunReport.EpochRow e : s.epochs()) {
                        w.write(String.format(Locale.ROOT, "<tr><td>%d</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%.1f</td></tr>%n",
                                e.epoch(), num(e.trainLoss()), num(e.trainAccuracy()), num(e.validationLoss()), num(e.validationAccuracy()), e.seconds()));
                    }
                    w.write("</table>\n");
                }
                if (s.confusion() != null) {
                    writeConfusion(w, r.labels(), s.confusion());
                }
                if (!s.timesSeconds().isEmpty()) {
                    w.write("<h3>Time per phase</h3>\n<table>");
                    for (Map.Entry<String, Double> t : s.timesSeconds().entrySet()) {
                        w.write(String.format(Locale.ROOT, "<tr><td class=l>%s</td><td>%.2f s</td></tr>", esc(t.getKey()), t.getValue()));
                    }
                    w.write("</table>\n");
                }
            }
            w.write("<h2>Environment</h2>\n<table>");
            for (Map.Entry<String, String> e : new java.util.TreeMap<>(r.environment()).entrySet()) {
                w.write("<tr><td class=l>" + esc(e.getKey()) + "</td><td class=l>" + esc(e.getValue()) + "</td></tr>");
            }
            w.write("</table>\n</body></html>\n");
        }
        Files.move(tmp, html, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        return html;
    }

    private static void writeConfusion(Writer w, List<String> labels, int[][] cm) throws IOException {
        w.write("<h3>Confusion matrix (rows: true, columns: predicted)</h3>\n<table><tr><th></th>");
        for (String l : labels) {
            w.write("<th>" + esc(l) + "</th>");
        }
        w.write("</tr>\n");
        for (int i = 0; i < cm.length; i++) {
            w.write("<tr><th class=l>" + esc(labels.get(i)) + "</th>");
            for (int j = 0; j < cm[i].length; j++) {
                String bg = i == j ? " style=\"background:#dfd\"" : cm[i][j] > 0 ? " style=\"background:#fdd\"" : "";
                w.write("<td" + bg + ">" + cm[i][j] + "</td>");
            }
            w.write("</tr>\n");
        }
        w.write("</table>\n<h3>Per-class precision and recall</h3>\n<table><tr><th class=l>class</th><th>precision</th><th>recall</th><th>support</th></tr>\n");
        for (int c = 0; c < cm.length; c++) {
            long tp = cm[c][c];
            long predicted = 0;
            long actual = 0;
            for (int k = 0; k < cm.length; k++) {
                predicted += cm[k][c];
                actual += cm[c][k];
            }
            w.write(String.format(Locale.ROOT, "<tr><td class=l>%s</td><td>%s</td><td>%s</td><td>%d</td></tr>%n", esc(labels.get(c)),
                    predicted == 0 ? "n/a" : String.format(Locale.ROOT, "%.3f", (double) tp / predicted),
                    actual == 0 ? "n/a" : String.format(Locale.ROOT, "%.3f", (double) tp / actual), actual));
        }
        w.write("</table>\n");
    }

    private static void chart(RunReport.Section s, boolean loss, Path file) throws IOException {
        XYSeries train = new XYSeries("train");
        XYSeries val = new XYSeries("validation");
        for (RunReport.EpochRow e : s.epochs()) {
            if (!Double.isNaN(loss ? e.trainLoss() : e.trainAccuracy())) {
                train.add(e.epoch(), loss ? e.trainLoss() : e.trainAccuracy());
            }
            if (!Double.isNaN(loss ? e.validationLoss() : e.validationAccuracy())) {
                val.add(e.epoch(), loss ? e.validationLoss() : e.validationAccuracy());
            }
        }
        XYSeriesCollection data = new XYSeriesCollection();
        data.addSeries(train);
        data.addSeries(val);
        JFreeChart c = ChartFactory.createXYLineChart(s.name() + (loss ? ": loss" : ": accuracy"), "epoch",
                loss ? "loss" : "accuracy", data, PlotOrientation.VERTICAL, true, false, false);
        XYPlot plot = c.getXYPlot();
        plot.setBackgroundPaint(Color.WHITE);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        XYLineAndShapeRenderer rend = new XYLineAndShapeRenderer(true, true);
        rend.setSeriesStroke(0, new BasicStroke(2f));
        rend.setSeriesStroke(1, new BasicStroke(2f));
        plot.setRenderer(rend);
        ((org.jfree.chart.axis.NumberAxis) plot.getDomainAxis()).setStandardTickUnits(org.jfree.chart.axis.NumberAxis.createIntegerTickUnits());
        ChartUtils.saveChartAsPNG(file.toFile(), c, 640, 400);
    }

    /** A results-table figure: three decimals, or "n/a" where the run has none. */
    static String score(double v) {
        return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%.3f", v);
    }

    static String num(double v) {
        return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%.4f", v);
    }

    static String slug(String s) {
        return s.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("^-|-$", "");
    }

    static String esc(String s) {
        if (s == null) {
            return "";
        }
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
