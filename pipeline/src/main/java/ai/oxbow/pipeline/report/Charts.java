package ai.oxbow.pipeline.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import javax.imageio.ImageIO;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** The report's charts (XChart, drawn off-screen) and the overview sheet that tiles them. */
public final class Charts {
    public static final int WIDTH = 800;
    public static final int HEIGHT = 500;
    /** Height of the overview's title band. */
    public static final int TITLE_HEIGHT = 56;
    /** Categorical colours (Tableau 10, as matplotlib's tab10); more labels cycle through darker tones. */
    static final Color[] PALETTE = {
        new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c), new Color(0xd62728), new Color(0x9467bd),
        new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f), new Color(0xbcbd22), new Color(0x17becf)
    };

    static final Color LIGHT = new Color(0x9ecae1);
    static final BasicStroke DASHED =
            new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10, new float[] {8, 6}, 0);

    private Charts() {}

    static XYChart lineChart(String title, String xTitle, String yTitle) {
        XYChart chart = new XYChartBuilder()
                .width(WIDTH)
                .height(HEIGHT)
                .title(title)
                .xAxisTitle(xTitle)
                .yAxisTitle(yTitle)
                .build();
        Styler s = chart.getStyler();
        s.setChartBackgroundColor(Color.WHITE);
        s.setPlotBackgroundColor(Color.WHITE);
        s.setPlotBorderColor(Color.GRAY);
        s.setChartTitleFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
        s.setLegendPosition(Styler.LegendPosition.OutsideS);
        s.setLegendLayout(Styler.LegendLayout.Horizontal);
        s.setLegendBorderColor(Color.LIGHT_GRAY);
        s.setAntiAlias(true);
        chart.getStyler().setPlotGridLinesColor(new Color(0xe0e0e0));
        chart.getStyler().setXAxisDecimalPattern("#,##0.###");
        chart.getStyler().setYAxisDecimalPattern("#,##0.####");
        return chart;
    }

    /** Adds a line series of the finite points of (x, y); false when there is none. */
    static boolean line(XYChart chart, String name, double[] x, double[] y, Color color, float width) {
        List<Double> xs = new ArrayList<>();
        List<Double> ys = new ArrayList<>();
        for (int i = 0; i < x.length; i++) {
            if (Double.isFinite(x[i]) && Double.isFinite(y[i])) {
                xs.add(x[i]);
                ys.add(y[i]);
            }
        }
        if (xs.isEmpty()) {
            return false;
        }
        XYSeries s = chart.addSeries(name, xs, ys);
        s.setMarker(xs.size() == 1 ? SeriesMarkers.CIRCLE : SeriesMarkers.NONE);
        s.setLineColor(color);
        s.setMarkerColor(color);
        s.setLineWidth(width);
        return true;
    }

    /** A horizontal dashed reference line over [x0, x1]. */
    static void reference(XYChart chart, String name, double x0, double x1, double y, Color color) {
        XYSeries s = chart.addSeries(name, new double[] {x0, x1}, new double[] {y, y});
        s.setMarker(SeriesMarkers.NONE);
        s.setLineColor(color);
        s.setLineStyle(DASHED);
    }

    /** Centred moving average over an odd window (shorter at the ends), ignoring non-finite values. */
    static double[] smooth(double[] y, int window) {
        int half = window / 2;
        double[] out = new double[y.length];
        for (int i = 0; i < y.length; i++) {
            double s = 0;
            int n = 0;
            for (int j = Math.max(0, i - half); j <= Math.min(y.length - 1, i + half); j++) {
                if (Double.isFinite(y[j])) {
                    s += y[j];
                    n++;
                }
            }
            out[i] = n > 0 ? s / n : Double.NaN;
        }
        return out;
    }

    /**
     * A scatter plot of 2-D points coloured by label: one series per label, in natural order
     * (numerically when every label is a number).
     */
    static XYChart scatter(String title, String xTitle, String yTitle, double[][] points, String[] labels) {
        XYChart chart = lineChart(title, xTitle, yTitle);
        chart.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
        chart.getStyler().setMarkerSize(5);
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
        chart.getStyler().setLegendLayout(Styler.LegendLayout.Vertical);
        boolean numeric = true;
        for (String l : labels) {
            numeric &= RunFiles.isNumber(l);
        }
        TreeSet<String> order = numeric
                ? new TreeSet<>((a, b) -> Double.compare(Double.parseDouble(a), Double.parseDouble(b)))
                : new TreeSet<>();
        for (String l : labels) {
            order.add(l);
        }
        Map<String, List<double[]>> byLabel = new LinkedHashMap<>();
        for (String l : order) {
            byLabel.put(l, new ArrayList<>());
        }
        for (int i = 0; i < points.length; i++) {
            byLabel.get(labels[i]).add(points[i]);
        }
        int k = 0;
        for (Map.Entry<String, List<double[]>> e : byLabel.entrySet()) {
            List<double[]> pts = e.getValue();
            double[] xs = new double[pts.size()];
            double[] ys = new double[pts.size()];
            for (int i = 0; i < xs.length; i++) {
                xs[i] = pts.get(i)[0];
                ys[i] = pts.get(i)[1];
            }
            XYSeries s = chart.addSeries(e.getKey(), xs, ys);
            s.setMarker(SeriesMarkers.CIRCLE);
            s.setMarkerColor(color(k++));
        }
        return chart;
    }

    static Color color(int k) {
        Color c = PALETTE[k % PALETTE.length];
        for (int round = k / PALETTE.length; round > 0; round--) {
            c = c.darker();
        }
        return c;
    }

    /** Draws the chart into a PNG of {@link #WIDTH} × {@link #HEIGHT}. */
    static BufferedImage save(XYChart chart, Path file) throws IOException {
        roundTicks(chart);
        BufferedImage image = BitmapEncoder.getBufferedImage(chart);
        write(image, file);
        return image;
    }

    /**
     * XChart puts an x tick on every k-th data point when the x values are equally spaced (steps
     * 1, 2, 3, ...: ticks at 1, 13, 25, ...). One invisible point between the first two x values
     * breaks the spacing, so the axis gets round ticks (0, 50, 100, ...) instead.
     */
    static void roundTicks(XYChart chart) {
        TreeSet<Double> xs = new TreeSet<>();
        double anyY = Double.NaN;
        for (XYSeries s : chart.getSeriesMap().values()) {
            for (double x : s.getXData()) {
                xs.add(x);
            }
            if (Double.isNaN(anyY) && s.getYData().length > 0) {
                anyY = s.getYData()[0];
            }
        }
        if (xs.size() < 3 || Double.isNaN(anyY)) {
            return;
        }
        double first = xs.first();
        double second = xs.higher(first);
        XYSeries hidden = chart.addSeries(" ", new double[] {(first + second) / 2}, new double[] {anyY});
        hidden.setMarker(SeriesMarkers.NONE);
        hidden.setLineStyle(org.knowm.xchart.style.lines.SeriesLines.NONE);
        hidden.setShowInLegend(false);
    }

    static void write(BufferedImage image, Path file) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        if (!ImageIO.write(image, "png", file.toFile())) {
            throw new IOException("no PNG writer");
        }
    }

    /**
     * The overview sheet: a title band, then the charts two per row at full size.
     * Its size is 2·{@link #WIDTH} × ({@link #TITLE_HEIGHT} + rows·{@link #HEIGHT}).
     */
    static BufferedImage overview(String title, String subtitle, List<BufferedImage> charts) {
        int columns = Math.min(2, Math.max(1, charts.size()));
        int rows = (charts.size() + columns - 1) / columns;
        BufferedImage sheet =
                new BufferedImage(columns * WIDTH, TITLE_HEIGHT + rows * HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = sheet.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, sheet.getWidth(), sheet.getHeight());
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 20));
        g.drawString(title, 16, 26);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 14));
        g.setColor(Color.DARK_GRAY);
        g.drawString(subtitle, 16, 47);
        for (int i = 0; i < charts.size(); i++) {
            g.drawImage(
                    charts.get(i), (i % columns) * WIDTH, TITLE_HEIGHT + (i / columns) * HEIGHT, WIDTH, HEIGHT, null);
        }
        g.dispose();
        return sheet;
    }
}
