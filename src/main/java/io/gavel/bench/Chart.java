package io.gavel.bench;

import io.vertx.core.json.JsonObject;
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
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import javax.imageio.ImageIO;

/**
 * A PNG of p50 / p99 / p99.9 latency per scenario (log scale), from every result file in a folder. FanoutBench draws
 * it after each run; {@code java -cp target/gavel.jar io.gavel.bench.Chart DIR} draws DIR/latency.png again (after
 * runs of other tools, such as the Socket.IO peer, whose results have the same shape).
 */
public final class Chart {
  private static final Color[] BARS = {new Color(0x4e79a7), new Color(0xf28e2b), new Color(0xe15759)};
  private static final String[] SERIES = {"p50Ms", "p99Ms", "p999Ms"};

  private Chart() {
  }

  public static void main(String[] args) throws IOException {
    System.setProperty("java.awt.headless", "true");
    Path folder = Path.of(args.length == 1 ? args[0] : "benchmarks/results");
    write(folder, folder.resolve("latency.png"));
  }

  static void write(Path folder, Path png) throws IOException {
    List<JsonObject> runs = new ArrayList<>();
    try (Stream<Path> files = Files.list(folder)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".json")).sorted().toList()) {
        runs.add(new JsonObject(Files.readString(file)));
      }
    }
    runs.sort(Comparator.comparing(r -> r.getString("label")));
    if (runs.isEmpty()) {
      return;
    }
    int rowHeight = 34;
    int width = 1100;
    int left = 330;
    int top = 60;
    int height = top + runs.size() * rowHeight + 60;
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, width, height);
    g.setColor(Color.BLACK);
    g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
    g.drawString("Gavel fan-out latency per scenario (event 'at' to client receipt, ms, log scale)", 20, 28);
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
    double maxLog = Math.log10(10_000);
    int plotWidth = width - left - 40;
    for (int tick : new int[] {1, 10, 100, 1000, 10000}) {
      int x = left + (int) (Math.log10(tick) / maxLog * plotWidth);
      g.setColor(new Color(0xdddddd));
      g.drawLine(x, top - 5, x, height - 45);
      g.setColor(Color.DARK_GRAY);
      g.drawString(tick + " ms", x - 12, height - 30);
    }
    for (int i = 0; i < runs.size(); i++) {
      JsonObject run = runs.get(i);
      int y = top + i * rowHeight;
      g.setColor(Color.BLACK);
      g.drawString(run.getString("label") + (run.getLong("lost", 0L) > 0 ? "  (lost " + run.getLong("lost") + ")"
          : ""), 10, y + 14);
      g.setColor(Color.GRAY);
      g.drawString(String.format("%,.0f deliveries/s", run.getDouble("deliveriesPerSecond", 0.0)), 10, y + 27);
      for (int s = 0; s < SERIES.length; s++) {
        long value = Math.max(1, run.getLong(SERIES[s], 0L));
        int w = (int) (Math.min(maxLog, Math.log10(value) + 0.0001) / maxLog * plotWidth);
        g.setColor(BARS[s]);
        g.fillRect(left, y + s * 9, Math.max(w, 2), 8);
      }
    }
    g.setStroke(new BasicStroke(1));
    for (int s = 0; s < SERIES.length; s++) {
      g.setColor(BARS[s]);
      g.fillRect(left + s * 90, height - 18, 10, 10);
      g.setColor(Color.BLACK);
      g.drawString(new String[] {"p50", "p99", "p99.9"}[s], left + s * 90 + 14, height - 9);
    }
    g.dispose();
    ImageIO.write(image, "png", png.toFile());
  }
}
