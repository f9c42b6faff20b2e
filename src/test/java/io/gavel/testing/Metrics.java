package io.gavel.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** One scrape of a node's {@code /metrics} (Prometheus text), read by series name and labels. */
public final class Metrics {
  private record Sample(String name, Map<String, String> labels, double value) {
  }

  private final List<Sample> samples = new ArrayList<>();

  private Metrics(String text) {
    for (String line : text.split("\n")) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      int space = line.lastIndexOf(' ');
      String series = line.substring(0, space);
      Map<String, String> labels = new TreeMap<>();
      String name = series;
      int brace = series.indexOf('{');
      if (brace >= 0) {
        name = series.substring(0, brace);
        // Label values here never contain '",' (they are names, ids and codes).
        for (String pair : series.substring(brace + 1, series.length() - 1).split("\",")) {
          int eq = pair.indexOf('=');
          if (eq > 0) {
            labels.put(pair.substring(0, eq), pair.substring(eq + 2).replaceAll("\"$", ""));
          }
        }
      }
      samples.add(new Sample(name, labels, Double.parseDouble(line.substring(space + 1))));
    }
  }

  public static Metrics of(String metricsUrl) {
    Http.Response response = Http.get(metricsUrl);
    if (response.status() != 200) {
      throw new IllegalStateException(metricsUrl + " answered " + response.status());
    }
    return new Metrics(response.body());
  }

  /**
   * The sum of every series called {@code name} that has all the given labels ({@code key, value, key, value...});
   * 0 when there is none (a counter never incremented).
   */
  public long value(String name, String... labels) {
    return Math.round(sum(name, labels));
  }

  public double sum(String name, String... labels) {
    double sum = 0;
    for (Sample sample : samples) {
      if (!sample.name().equals(name)) {
        continue;
      }
      boolean matches = true;
      for (int i = 0; i + 1 < labels.length; i += 2) {
        matches &= labels[i + 1].equals(sample.labels().get(labels[i]));
      }
      if (matches) {
        sum += sample.value();
      }
    }
    return sum;
  }

  /** Whether any series is called {@code name}. */
  public boolean has(String name) {
    return samples.stream().anyMatch(s -> s.name().equals(name));
  }
}
