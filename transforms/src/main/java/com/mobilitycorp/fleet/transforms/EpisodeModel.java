package com.mobilitycorp.fleet.transforms;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * Plain-Java reference model of {@link EpisodeAlerts}, the rule behind the per-vehicle episode
 * alerts, fed in arrival order (as Nexmark's models are). It keeps every reading forever and
 * recomputes the episodes of a vehicle over all of them on each arrival, so it has none of the
 * transform's folding, summaries or timers; the watermark only decides which arrivals are too
 * late: at or before the newest reading the watermark has passed by the allowed lateness, or
 * older than the vehicle's newest reading by more than the allowed lateness.
 */
public class EpisodeModel {
  private final String name;
  private final double threshold;
  private final double recovery;
  private final Duration lateness;
  private final Map<String, TreeMap<Instant, Double>> readings = new HashMap<>();
  private final Map<String, Map<Instant, String>> alerted = new HashMap<>();
  private final Map<String, Instant> foldedUntil = new HashMap<>();
  private final Set<String> published = new LinkedHashSet<>();
  private long beyondLateness;

  protected EpisodeModel(String name, double threshold, double recovery, Duration lateness) {
    this.name = name;
    this.threshold = threshold;
    this.recovery = recovery;
    this.lateness = lateness;
  }

  /** A reading's signal arrived (the transform ignores readings it cannot judge: null). */
  protected void onSignal(String vehicle, Instant time, double signal) {
    Instant folded = foldedUntil.get(vehicle);
    TreeMap<Instant, Double> mine = readings.computeIfAbsent(vehicle, v -> new TreeMap<>());
    if ((folded != null && !time.isAfter(folded))
        || (!mine.isEmpty() && time.isBefore(mine.lastKey().minus(lateness)))) {
      beyondLateness++;
      return;
    }
    mine.put(time, signal);
    Map<Instant, String> raised = alerted.computeIfAbsent(vehicle, v -> new HashMap<>());
    // Episodes in event-time order over every reading so far.
    List<List<Instant>> episodes = new ArrayList<>();
    List<Instant> open = null;
    for (Map.Entry<Instant, Double> r : mine.entrySet()) {
      if (r.getValue() < threshold) {
        if (open == null) {
          open = new ArrayList<>();
          episodes.add(open);
        }
        open.add(r.getKey());
      } else if (r.getValue() >= recovery) {
        open = null;
      }
    }
    for (List<Instant> episode : episodes) {
      if (episode.stream().anyMatch(raised::containsKey)) {
        continue;
      }
      String id = EpisodeAlerts.alertId(name, vehicle, episode.get(0));
      raised.put(episode.get(0), id);
      published.add(id); // a second episode in the same 5-minute window adds nothing
    }
  }
  /** The watermark moved: readings it passed by the allowed lateness are settled. */
  public void onWatermark(Instant watermark) {
    Instant cut = watermark.minus(lateness);
    readings.forEach(
        (vehicle, mine) -> {
          Instant last = mine.floorKey(cut);
          if (last != null) {
            foldedUntil.merge(vehicle, last, (a, b) -> a.isAfter(b) ? a : b);
          }
        });
  }

  /** Alert ids published so far, in order. */
  public Set<String> published() {
    return published;
  }

  public long beyondLateness() {
    return beyondLateness;
  }
}
