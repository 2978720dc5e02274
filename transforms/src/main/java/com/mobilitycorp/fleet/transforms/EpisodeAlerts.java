package com.mobilitycorp.fleet.transforms;

import com.mobilitycorp.fleet.model.Alert;
import com.mobilitycorp.fleet.model.EnrichedTelemetry;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.state.MapState;
import org.apache.beam.sdk.state.StateSpec;
import org.apache.beam.sdk.state.StateSpecs;
import org.apache.beam.sdk.state.TimeDomain;
import org.apache.beam.sdk.state.Timer;
import org.apache.beam.sdk.state.TimerSpec;
import org.apache.beam.sdk.state.TimerSpecs;
import org.apache.beam.sdk.state.ValueState;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.WithKeys;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * The machinery shared by the per-vehicle episode alerts (LOW_BATTERY, GEOFENCE_VIOLATION): a
 * {@link Rule} turns each reading into a signal; an episode starts at a signal below the
 * threshold and ends at the first signal at or above the recovery level; each episode raises one
 * alert as soon as the reading that reveals it arrives, with an id from the 5-minute event-time
 * window of the episode's first reading, so at most one alert per vehicle per 5-minute window.
 *
 * <p><b>Disorder.</b> Episodes are recomputed over the vehicle's readings in event time on every
 * arrival, so a late reading can split an episode (a late recovery: the second part alerts) or
 * join one (a late low reading next to an alerted episode: no second alert). An alert is never
 * taken back. Re-sent copies change nothing (same time and signal).
 *
 * <p><b>Bounded state.</b> Readings are kept for the allowed lateness after the watermark passes
 * them, then folded into a one-line summary (was the vehicle in an episode, was it alerted).
 * Readings that arrive after their fold, or older than the vehicle's newest reading by more than
 * the allowed lateness, are too late to reorder: they are counted ({@code
 * <prefix>_readings_beyond_lateness}) and ignored for alerting (they still flow everywhere else).
 * A vehicle with no reading for the idle expiry (1 hour) and no open episode leaves no state.
 */
final class EpisodeAlerts {
  /** Episodes alert at most once per vehicle per window of this length. */
  static final Duration ALERT_WINDOW = Duration.standardMinutes(5);

  /** What one alert type measures and how it reports. */
  interface Rule extends Serializable {
    /** The reading's signal; null when the rule cannot judge it (counted, ignored). */
    @Nullable Double signal(EnrichedTelemetry reading);

    /** Signals strictly below this are in an episode. */
    double threshold();

    /** An episode ends at the first signal at or above this (hysteresis: >= threshold). */
    double recovery();

    /** Prefix of the alert ids and of the metric names. */
    String name();

    /**
     * The alert of an episode whose first reading was at {@code firstTime} with {@code
     * firstSignal}; {@code current} is the reading that revealed it.
     */
    Alert alert(String alertId, Instant firstTime, double firstSignal, EnrichedTelemetry current);
  }

  /** The alert id of an episode of {@code rule} whose first reading was at {@code readingTime}. */
  static String alertId(String name, String vehicleId, Instant readingTime) {
    long window =
        readingTime.getMillis() - Math.floorMod(readingTime.getMillis(), ALERT_WINDOW.getMillis());
    return name + ":" + vehicleId + ":" + new Instant(window);
  }

  private EpisodeAlerts() {}

  /** Keys by vehicle and alerts once per episode of the rule. */
  static PCollection<Alert> apply(
      PCollection<EnrichedTelemetry> readings, Class<?> namespace, Rule rule, Duration lateness) {
    return readings
        .apply("KeyByVehicle", WithKeys.<String, EnrichedTelemetry>of(EnrichedTelemetry::vehicleId)
            .withKeyType(TypeDescriptors.strings()))
        .setCoder(KvCoder.of(StringUtf8Coder.of(), readings.getCoder()))
        .apply("AlertOncePerEpisode", ParDo.of(new AlertOncePerEpisodeFn(namespace, rule, lateness)));
  }

  /** Per-vehicle episodes over the readings still within the lateness. */
  static final class AlertOncePerEpisodeFn extends DoFn<KV<String, EnrichedTelemetry>, Alert> {
    private static final long serialVersionUID = 1L;
    private static final Duration IDLE_EXPIRY = Duration.standardHours(1);

    private final Counter alertsRaised;
    private final Counter beyondLateness;
    private final Counter sameWindowSuppressed;
    private final Counter unjudged;
    private final Counter vehiclesWithState;

    private final Rule rule;
    private final double threshold;
    private final double recovery;
    private final Duration lateness;

    /** Reading time -> signal, for the readings not yet folded into the summary. */
    @StateId("readings")
    private final StateSpec<MapState<Instant, Double>> readingsSpec = StateSpecs.map();

    /** Reading time -> alert id, for readings that raised (or were credited with) an alert. */
    @StateId("alerted")
    private final StateSpec<MapState<Instant, String>> alertedSpec = StateSpecs.map();

    /** Readings at or before this time have been folded away: later arrivals there are ignored. */
    @StateId("foldedUntil")
    private final StateSpec<ValueState<Instant>> foldedUntilSpec = StateSpecs.value();

    /** The alert id of the episode open at foldedUntil ("" = open but not alerted); absent = none. */
    @StateId("openEpisode")
    private final StateSpec<ValueState<String>> openEpisodeSpec = StateSpecs.value();

    @TimerId("fold")
    private final TimerSpec foldSpec = TimerSpecs.timer(TimeDomain.EVENT_TIME);

    @TimerId("idle")
    private final TimerSpec idleSpec = TimerSpecs.timer(TimeDomain.EVENT_TIME);

    AlertOncePerEpisodeFn(Class<?> namespace, Rule rule, Duration lateness) {
      // Names are prefixed: the job's progress line sums counters of one name over all steps.
      String prefix = rule.name() + "_";
      this.alertsRaised = Metrics.counter(namespace, prefix + "alerts_raised");
      this.beyondLateness = Metrics.counter(namespace, prefix + "readings_beyond_lateness");
      this.sameWindowSuppressed = Metrics.counter(namespace, prefix + "episodes_in_alerted_window");
      this.unjudged = Metrics.counter(namespace, prefix + "readings_unjudged");
      this.vehiclesWithState = Metrics.counter(namespace, prefix + "vehicles_with_state");
      this.rule = rule;
      this.threshold = rule.threshold();
      this.recovery = rule.recovery();
      this.lateness = lateness;
    }

    @ProcessElement
    public void processElement(
        @Element KV<String, EnrichedTelemetry> element,
        @StateId("readings") MapState<Instant, Double> readings,
        @StateId("alerted") MapState<Instant, String> alerted,
        @StateId("foldedUntil") ValueState<Instant> foldedUntil,
        @StateId("openEpisode") ValueState<String> openEpisode,
        @TimerId("fold") Timer fold,
        @TimerId("idle") Timer idle,
        OutputReceiver<Alert> out) {
      EnrichedTelemetry reading = element.getValue();
      Double signal = rule.signal(reading);
      if (signal == null) {
        unjudged.inc();
        return;
      }
      Instant at = reading.getTelemetry().getEventTime();
      Instant folded = foldedUntil.read();
      List<Reading> sorted = sorted(readings);
      Instant newest = sorted.isEmpty() ? folded : sorted.get(sorted.size() - 1).time;
      // Too late to reorder: folded away already, or further behind the vehicle's newest reading
      // than the allowed lateness (so certainly behind the watermark by that much).
      if ((folded != null && !at.isAfter(folded))
          || (newest != null && at.isBefore(newest.minus(lateness)))) {
        beyondLateness.inc();
        return;
      }
      if (sorted.isEmpty() && folded == null && openEpisode.read() == null) {
        vehiclesWithState.inc();
      }
      readings.put(at, signal);
      // The same reading added to the list already read, instead of reading the state again.
      sorted.removeIf(r -> r.time.equals(at));
      sorted.add(new Reading(at, signal));
      sorted.sort((a, b) -> a.time.compareTo(b.time));
      // Fold this reading away once the watermark is the allowed lateness past it.
      fold.withNoOutputTimestamp().set(sorted.get(0).time.plus(lateness));
      idle.withNoOutputTimestamp().set(sorted.get(sorted.size() - 1).time.plus(IDLE_EXPIRY));

      Map<Instant, String> alertedByTime = new HashMap<>();
      for (Map.Entry<Instant, String> e : alerted.entries().read()) {
        alertedByTime.put(e.getKey(), e.getValue());
      }
      for (Episode episode : episodes(sorted, openEpisode.read())) {
        if (episode.alertedId != null || episode.containsAny(alertedByTime)) {
          continue;
        }
        Reading first = episode.readings.get(0);
        String id = alertId(rule.name(), element.getKey(), first.time);
        alerted.put(first.time, id);
        alertedByTime.put(first.time, id);
        if (alertedByTime.values().stream().filter(id::equals).count() > 1) {
          sameWindowSuppressed.inc(); // a flapping vehicle: one alert per 5-minute window
          continue;
        }
        alertsRaised.inc();
        out.outputWithTimestamp(
            rule.alert(id, first.time, first.signal, reading), first.time.isBefore(at) ? at : first.time);
      }
    }

    @OnTimer("fold")
    public void onFold(
        OnTimerContext timer,
        @StateId("readings") MapState<Instant, Double> readings,
        @StateId("alerted") MapState<Instant, String> alerted,
        @StateId("foldedUntil") ValueState<Instant> foldedUntil,
        @StateId("openEpisode") ValueState<String> openEpisode,
        @TimerId("fold") Timer fold) {
      Instant cut = timer.fireTimestamp().minus(lateness);
      List<Reading> sorted = sorted(readings);
      String open = openEpisode.read();
      for (Reading r : sorted) {
        if (r.time.isAfter(cut)) {
          fold.withNoOutputTimestamp().set(r.time.plus(lateness));
          break;
        }
        // Carry the episode state across the reading being folded away.
        String alertedId = alerted.get(r.time).read();
        if (r.signal < threshold) {
          if (alertedId != null && (open == null || open.isEmpty())) {
            open = alertedId; // the episode's alert
          } else if (open == null) {
            open = ""; // an episode opens, not (yet) alerted
          }
        } else if (r.signal >= recovery) {
          open = null;
        }
        readings.remove(r.time);
        alerted.remove(r.time);
        foldedUntil.write(r.time);
      }
      if (open == null) {
        openEpisode.clear();
      } else {
        openEpisode.write(open);
      }
    }

    @OnTimer("idle")
    public void onIdle(
        @StateId("readings") MapState<Instant, Double> readings,
        @StateId("alerted") MapState<Instant, String> alerted,
        @StateId("foldedUntil") ValueState<Instant> foldedUntil,
        @StateId("openEpisode") ValueState<String> openEpisode,
        @TimerId("fold") Timer fold) {
      if (!sorted(readings).isEmpty() || openEpisode.read() != null) {
        return; // still folding, or parked in an open episode: the summary must stay
      }
      readings.clear();
      alerted.clear();
      foldedUntil.clear();
      fold.clear();
      vehiclesWithState.dec();
    }

    private List<Episode> episodes(List<Reading> sorted, @Nullable String openAtFold) {
      List<Episode> episodes = new ArrayList<>();
      Episode current = null;
      if (openAtFold != null) {
        current = new Episode(openAtFold.isEmpty() ? null : openAtFold);
        episodes.add(current);
      }
      for (Reading r : sorted) {
        if (r.signal < threshold) {
          if (current == null) {
            current = new Episode(null);
            episodes.add(current);
          }
          current.readings.add(r);
        } else if (r.signal >= recovery) {
          current = null;
        }
      }
      return episodes;
    }

    private static List<Reading> sorted(MapState<Instant, Double> readings) {
      List<Reading> sorted = new ArrayList<>();
      for (Map.Entry<Instant, Double> e : readings.entries().read()) {
        sorted.add(new Reading(e.getKey(), e.getValue()));
      }
      sorted.sort((a, b) -> a.time.compareTo(b.time));
      return sorted;
    }
  }

  private static final class Reading {
    final Instant time;
    final double signal;

    Reading(Instant time, double signal) {
      this.time = time;
      this.signal = signal;
    }
  }

  private static final class Episode {
    final @Nullable String alertedId;
    final List<Reading> readings = new ArrayList<>();

    Episode(@Nullable String alertedId) {
      this.alertedId = alertedId;
    }

    boolean containsAny(Map<Instant, String> alertedByTime) {
      for (Reading r : readings) {
        if (alertedByTime.containsKey(r.time)) {
          return true;
        }
      }
      return false;
    }
  }
}
