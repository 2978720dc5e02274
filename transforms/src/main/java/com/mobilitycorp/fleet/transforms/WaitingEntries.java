package com.mobilitycorp.fleet.transforms;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.beam.sdk.state.MapState;
import org.apache.beam.sdk.values.KV;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Instant;

/**
 * Entries waiting for the watermark in a {@link MapState} keyed by (event time, arrival number),
 * one entry each, as the per-key stateful stages keep them: putting one is O(1), and taking the
 * due ones scans only the small keys and reads only the due values.
 */
final class WaitingEntries {

  /** The due entries, by event time then arrival, and the earliest time still waiting. */
  record Taken<V>(List<V> due, @Nullable Instant next) {}

  private static final Comparator<KV<Instant, Long>> ARRIVAL_ORDER =
      Comparator.comparing((KV<Instant, Long> k) -> k.getKey()).thenComparing(KV::getValue);

  /** Removes and returns the entries at or before {@code dueUpTo}. */
  static <V> Taken<V> takeDue(MapState<KV<Instant, Long>, V> waiting, Instant dueUpTo) {
    List<KV<Instant, Long>> dueKeys = new ArrayList<>();
    Instant next = null;
    for (KV<Instant, Long> key : waiting.keys().read()) {
      Instant t = key.getKey();
      if (t.isAfter(dueUpTo)) {
        next = next == null || t.isBefore(next) ? t : next;
      } else {
        dueKeys.add(key);
      }
    }
    dueKeys.sort(ARRIVAL_ORDER);
    List<V> due = new ArrayList<>(dueKeys.size());
    for (KV<Instant, Long> key : dueKeys) {
      due.add(waiting.get(key).read());
      waiting.remove(key);
    }
    return new Taken<>(due, next);
  }

  private WaitingEntries() {}
}
