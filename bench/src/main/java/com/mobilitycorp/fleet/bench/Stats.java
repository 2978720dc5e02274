package com.mobilitycorp.fleet.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Median, min and max of a few runs; percentiles of one run's samples. */
record Stats(double median, double min, double max, int n) {

  static Stats of(List<Double> values) {
    if (values.isEmpty()) {
      throw new IllegalArgumentException("no values");
    }
    List<Double> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    int n = sorted.size();
    double median = n % 2 == 1
        ? sorted.get(n / 2)
        : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    return new Stats(median, sorted.get(0), sorted.get(n - 1), n);
  }

  /** The nearest-rank {@code p}-th percentile (0 < p <= 100) of values sorted ascending. */
  static long percentile(List<Long> sortedAscending, double p) {
    if (sortedAscending.isEmpty()) {
      throw new IllegalArgumentException("no values");
    }
    int rank = (int) Math.ceil(p / 100.0 * sortedAscending.size());
    return sortedAscending.get(Math.max(0, Math.min(sortedAscending.size() - 1, rank - 1)));
  }

  Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("median", median);
    m.put("min", min);
    m.put("max", max);
    m.put("n", n);
    return m;
  }
}
