package com.mobilitycorp.fleet.transforms;

import com.mobilitycorp.fleet.model.Alert;
import com.mobilitycorp.fleet.model.EnrichedTelemetry;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.CustomCoder;
import org.apache.beam.sdk.coders.DoubleCoder;
import org.apache.beam.sdk.coders.InstantCoder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.ListCoder;
import org.apache.beam.sdk.coders.NullableCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
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

    /**
     * The readings not yet folded into the summary, in event time, each with the alert id it
     * raised (or was credited with). One value, read and written once per element: a map would be
     * iterated in full for every element anyway (episodes are recomputed over all of it), and on
     * RocksDB that costs an iterator step and two decodes per entry.
     */
    @StateId("readings")
    private final StateSpec<ValueState<List<Reading>>> readingsSpec =
        StateSpecs.value(ListCoder.of(new ReadingCoder()));

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
        @StateId("readings") ValueState<List<Reading>> readingsState,
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
      List<Reading> sorted = orEmpty(readingsState.read());
      Instant earliest = sorted.isEmpty() ? null : sorted.get(0).time;
      Instant latest = sorted.isEmpty() ? null : sorted.get(sorted.size() - 1).time;
      Instant newest = latest == null ? folded : latest;
      // Too late to reorder: folded away already, or further behind the vehicle's newest reading
      // than the allowed lateness (so certainly behind the watermark by that much).
      if ((folded != null && !at.isAfter(folded))
          || (newest != null && at.isBefore(newest.minus(lateness)))) {
        beyondLateness.inc();
        return;
      }
      String open = openEpisode.read();
      if (sorted.isEmpty() && folded == null && open == null) {
        vehiclesWithState.inc();
      }
      insert(sorted, at, signal);
      // Fold each reading away once the watermark is the allowed lateness past it. The timer is
      // always at the earliest reading's time plus the lateness: set again only when that moved.
      if (earliest == null || at.isBefore(earliest)) {
        fold.withNoOutputTimestamp().set(at.plus(lateness));
      }
      if (latest == null || at.isAfter(latest)) {
        idle.withNoOutputTimestamp().set(at.plus(IDLE_EXPIRY));
      }

      for (Episode episode : episodes(sorted, open)) {
        if (episode.alertedId != null || episode.firstIndex < 0 || episode.anyAlerted()) {
          continue; // alerted already, or an open episode with no reading of its own here yet
        }
        int first = episode.firstIndex;
        Reading firstReading = sorted.get(first);
        String id = alertId(rule.name(), element.getKey(), firstReading.time);
        boolean windowAlertedAlready = sorted.stream().anyMatch(r -> id.equals(r.alertId));
        sorted.set(first, firstReading.withAlert(id));
        if (windowAlertedAlready) {
          sameWindowSuppressed.inc(); // a flapping vehicle: one alert per 5-minute window
          continue;
        }
        alertsRaised.inc();
        out.outputWithTimestamp(
            rule.alert(id, firstReading.time, firstReading.signal, reading),
            firstReading.time.isBefore(at) ? at : firstReading.time);
      }
      readingsState.write(sorted);
    }

    @OnTimer("fold")
    public void onFold(
        OnTimerContext timer,
        @StateId("readings") ValueState<List<Reading>> readingsState,
        @StateId("foldedUntil") ValueState<Instant> foldedUntil,
        @StateId("openEpisode") ValueState<String> openEpisode,
        @TimerId("fold") Timer fold) {
      Instant cut = timer.fireTimestamp().minus(lateness);
      List<Reading> stored = readingsState.read();
      List<Reading> sorted = stored == null ? List.of() : stored; // only read here: no copy
      String open = openEpisode.read();
      int foldedCount = 0;
      for (Reading r : sorted) {
        if (r.time.isAfter(cut)) {
          fold.withNoOutputTimestamp().set(r.time.plus(lateness));
          break;
        }
        // Carry the episode state across the reading being folded away.
        if (r.signal < threshold) {
          if (r.alertId != null && (open == null || open.isEmpty())) {
            open = r.alertId; // the episode's alert
          } else if (open == null) {
            open = ""; // an episode opens, not (yet) alerted
          }
        } else if (r.signal >= recovery) {
          open = null;
        }
        foldedUntil.write(r.time);
        foldedCount++;
      }
      if (foldedCount == sorted.size()) {
        readingsState.clear();
      } else {
        readingsState.write(new ArrayList<>(sorted.subList(foldedCount, sorted.size())));
      }
      if (open == null) {
        openEpisode.clear();
      } else {
        openEpisode.write(open);
      }
    }

    @OnTimer("idle")
    public void onIdle(
        @StateId("readings") ValueState<List<Reading>> readingsState,
        @StateId("foldedUntil") ValueState<Instant> foldedUntil,
        @StateId("openEpisode") ValueState<String> openEpisode,
        @TimerId("fold") Timer fold) {
      if (readingsState.read() != null || openEpisode.read() != null) {
        return; // still folding, or parked in an open episode: the summary must stay
      }
      readingsState.clear();
      foldedUntil.clear();
      fold.clear();
      vehiclesWithState.dec();
    }

    /** The episodes over the readings, the one open at the fold first (if any). */
    private List<Episode> episodes(List<Reading> sorted, @Nullable String openAtFold) {
      List<Episode> episodes = new ArrayList<>();
      Episode current = null;
      if (openAtFold != null) {
        current = new Episode(openAtFold.isEmpty() ? null : openAtFold);
        episodes.add(current);
      }
      for (int i = 0; i < sorted.size(); i++) {
        Reading r = sorted.get(i);
        if (r.signal < threshold) {
          if (current == null) {
            current = new Episode(null);
            episodes.add(current);
          }
          current.add(i, r);
        } else if (r.signal >= recovery) {
          current = null;
        }
      }
      return episodes;
    }

    /** Adds the reading in time order; a re-sent time keeps its alert and takes the new signal. */
    private static void insert(List<Reading> sorted, Instant at, double signal) {
      int i = sorted.size();
      while (i > 0 && sorted.get(i - 1).time.isAfter(at)) {
        i--; // from the end: readings mostly arrive in order
      }
      if (i > 0 && sorted.get(i - 1).time.equals(at)) {
        sorted.set(i - 1, new Reading(at, signal, sorted.get(i - 1).alertId));
      } else {
        sorted.add(i, new Reading(at, signal, null));
      }
    }

    private static List<Reading> orEmpty(@Nullable List<Reading> readings) {
      return readings == null ? new ArrayList<>() : new ArrayList<>(readings);
    }
  }

  /** One reading within the lateness: its time, signal and the alert id it carries, if any. */
  static final class Reading {
    final Instant time;
    final double signal;
    final @Nullable String alertId;

    Reading(Instant time, double signal, @Nullable String alertId) {
      this.time = time;
      this.signal = signal;
      this.alertId = alertId;
    }

    Reading withAlert(String id) {
      return new Reading(time, signal, id);
    }
  }

  /** Beam's own coders for the three fields, one after the other. */
  static final class ReadingCoder extends CustomCoder<Reading> {
    private static final long serialVersionUID = 1L;
    private static final Coder<Instant> TIME = InstantCoder.of();
    private static final Coder<Double> SIGNAL = DoubleCoder.of();
    private static final Coder<@Nullable String> ALERT_ID = NullableCoder.of(StringUtf8Coder.of());

    @Override
    public void encode(Reading value, OutputStream out) throws IOException {
      TIME.encode(value.time, out);
      SIGNAL.encode(value.signal, out);
      ALERT_ID.encode(value.alertId, out);
    }

    @Override
    public Reading decode(InputStream in) throws IOException {
      return new Reading(TIME.decode(in), SIGNAL.decode(in), ALERT_ID.decode(in));
    }

    @Override
    public void verifyDeterministic() {}
  }

  private static final class Episode {
    final @Nullable String alertedId;
    final List<Reading> readings = new ArrayList<>();
    int firstIndex = -1;

    Episode(@Nullable String alertedId) {
      this.alertedId = alertedId;
    }

    void add(int index, Reading r) {
      if (readings.isEmpty()) {
        firstIndex = index;
      }
      readings.add(r);
    }

    boolean anyAlerted() {
      return readings.stream().anyMatch(r -> r.alertId != null);
    }
  }
}
