package com.mobilitycorp.fleet.transforms;

import com.mobilitycorp.fleet.model.Alert;
import com.mobilitycorp.fleet.model.AlertSeverity;
import com.mobilitycorp.fleet.model.AlertType;
import com.mobilitycorp.fleet.model.TelemetryEvent;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
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
 * LOW_BATTERY alerts: one per low-battery episode of a vehicle, raised as soon as the reading that
 * reveals it arrives (no waiting for the watermark).
 *
 * <p><b>Rule</b> (see {@link DetectLowBatteryModel}). Readings of a vehicle, in event-time order,
 * form episodes: an episode starts at a reading below the threshold (default 20%, so 19.9 is low
 * and 20.0 is not) and ends at the first reading at or above threshold + recovery margin (default
 * 0, e.g. a battery swap). Every episode raises one alert, with the id {@code
 * low_battery:<vehicle>:<start of the 5-minute event-time window of the reading that raised it>}.
 * So there is at most one alert per vehicle per 5-minute window, even when episodes flap; a later
 * episode alerts again.
 *
 * <p><b>Disorder.</b> Episodes are recomputed over the vehicle's readings in event time on every
 * arrival, so a late reading can split an episode (a late recovery: the second part alerts) or
 * join one (a late low reading next to an alerted episode: no second alert). An alert is never
 * taken back. Re-sent copies change nothing (same time and value).
 *
 * <p><b>Bounded state.</b> Readings are kept for the allowed lateness after the watermark passes
 * them, then folded into a one-line summary (was the vehicle in an episode, was it alerted).
 * Readings that arrive after their fold, or older than the vehicle's newest reading by more than
 * the allowed lateness, are too late to reorder: they are counted ({@code
 * readings_beyond_lateness}) and ignored for alerting (they still flow everywhere else). A vehicle
 * with no reading for the idle expiry (1 hour) and no open episode leaves no state.
 */
public final class DetectLowBattery extends PTransform<PCollection<TelemetryEvent>, PCollection<Alert>> {

  public static final double DEFAULT_THRESHOLD_PCT = 20.0;
  public static final Duration ALERT_WINDOW = Duration.standardMinutes(5);
  public static final Duration DEFAULT_ALLOWED_LATENESS = Duration.standardMinutes(5);

  private final double thresholdPct;
  private final double recoveryMarginPct;
  private final Duration allowedLateness;

  private DetectLowBattery(double thresholdPct, double recoveryMarginPct, Duration lateness) {
    this.thresholdPct = thresholdPct;
    this.recoveryMarginPct = recoveryMarginPct;
    this.allowedLateness = lateness;
  }

  public static DetectLowBattery create() {
    return new DetectLowBattery(DEFAULT_THRESHOLD_PCT, 0.0, DEFAULT_ALLOWED_LATENESS);
  }

  /** Readings strictly below this are low. */
  public DetectLowBattery withThresholdPct(double threshold) {
    return new DetectLowBattery(threshold, recoveryMarginPct, allowedLateness);
  }

  /** An episode ends only at threshold + margin or above (hysteresis against flapping sensors). */
  public DetectLowBattery withRecoveryMarginPct(double margin) {
    if (margin < 0) {
      throw new IllegalArgumentException("recovery margin must not be negative, was " + margin);
    }
    return new DetectLowBattery(thresholdPct, margin, allowedLateness);
  }

  public DetectLowBattery withAllowedLateness(Duration lateness) {
    if (!lateness.isLongerThan(Duration.ZERO)) {
      throw new IllegalArgumentException("allowed lateness must be positive, was " + lateness);
    }
    return new DetectLowBattery(thresholdPct, recoveryMarginPct, lateness);
  }

  /** The alert id of an episode raised by a reading at {@code readingTime}. */
  public static String alertId(String vehicleId, Instant readingTime) {
    long window = readingTime.getMillis() - Math.floorMod(readingTime.getMillis(), ALERT_WINDOW.getMillis());
    return "low_battery:" + vehicleId + ":" + new Instant(window);
  }

  @Override
  public PCollection<Alert> expand(PCollection<TelemetryEvent> telemetry) {
    return telemetry
        .apply("KeyByVehicle", WithKeys.<String, TelemetryEvent>of(TelemetryEvent::getVehicleId)
            .withKeyType(TypeDescriptors.strings()))
        .setCoder(KvCoder.of(StringUtf8Coder.of(), telemetry.getCoder()))
        .apply("AlertOncePerEpisode",
            ParDo.of(new AlertOncePerEpisodeFn(thresholdPct, recoveryMarginPct, allowedLateness)));
  }

  /** Per-vehicle episodes over the readings still within the lateness. */
  static final class AlertOncePerEpisodeFn extends DoFn<KV<String, TelemetryEvent>, Alert> {
    private static final long serialVersionUID = 1L;
    private static final Duration IDLE_EXPIRY = Duration.standardHours(1);

    private final Counter alertsRaised = Metrics.counter(DetectLowBattery.class, "alerts_raised");
    private final Counter beyondLateness =
        Metrics.counter(DetectLowBattery.class, "readings_beyond_lateness");
    private final Counter sameWindowSuppressed =
        Metrics.counter(DetectLowBattery.class, "episodes_in_alerted_window");
    private final Counter vehiclesWithBatteryState =
        Metrics.counter(DetectLowBattery.class, "vehicles_with_battery_state");

    private final double threshold;
    private final double recovery;
    private final Duration lateness;

    /** Reading time -> battery, for the readings not yet folded into the summary. */
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

    AlertOncePerEpisodeFn(double threshold, double recoveryMargin, Duration lateness) {
      this.threshold = threshold;
      this.recovery = threshold + recoveryMargin;
      this.lateness = lateness;
    }

    @ProcessElement
    public void processElement(
        @Element KV<String, TelemetryEvent> element,
        @StateId("readings") MapState<Instant, Double> readings,
        @StateId("alerted") MapState<Instant, String> alerted,
        @StateId("foldedUntil") ValueState<Instant> foldedUntil,
        @StateId("openEpisode") ValueState<String> openEpisode,
        @TimerId("fold") Timer fold,
        @TimerId("idle") Timer idle,
        OutputReceiver<Alert> out) {
      TelemetryEvent reading = element.getValue();
      Instant at = reading.getEventTime();
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
        vehiclesWithBatteryState.inc();
      }
      readings.put(at, reading.getBatteryPct());
      // The same reading added to the list already read, instead of reading the state again.
      sorted.removeIf(r -> r.time.equals(at));
      sorted.add(new Reading(at, reading.getBatteryPct()));
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
        String id = alertId(element.getKey(), first.time);
        alerted.put(first.time, id);
        alertedByTime.put(first.time, id);
        if (alertedByTime.values().stream().filter(id::equals).count() > 1) {
          sameWindowSuppressed.inc(); // a flapping vehicle: one alert per 5-minute window
          continue;
        }
        alertsRaised.inc();
        out.outputWithTimestamp(alert(element.getKey(), first, reading), first.time.isBefore(at) ? at : first.time);
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
        if (r.battery < threshold) {
          if (alertedId != null && (open == null || open.isEmpty())) {
            open = alertedId; // the episode's alert
          } else if (open == null) {
            open = ""; // an episode opens, not (yet) alerted
          }
        } else if (r.battery >= recovery) {
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
      vehiclesWithBatteryState.dec();
    }

    private Alert alert(String vehicleId, Reading first, TelemetryEvent current) {
      return Alert.builder()
          .setAlertId(alertId(vehicleId, first.time))
          .setType(AlertType.LOW_BATTERY)
          .setSeverity(first.battery < threshold / 2 ? AlertSeverity.CRITICAL : AlertSeverity.WARNING)
          .setVehicleId(vehicleId)
          .setLocationId(null)
          .setEventTime(first.time)
          .setDetectedAt(Instant.now())
          .setDetails(Map.of(
              "battery_pct", String.format(Locale.ROOT, "%.1f", first.battery),
              "threshold_pct", String.format(Locale.ROOT, "%.1f", threshold),
              "lat", String.valueOf(current.getLat()),
              "lon", String.valueOf(current.getLon())))
          .build();
    }

    private List<Episode> episodes(List<Reading> sorted, @Nullable String openAtFold) {
      List<Episode> episodes = new ArrayList<>();
      Episode current = null;
      if (openAtFold != null) {
        current = new Episode(openAtFold.isEmpty() ? null : openAtFold);
        episodes.add(current);
      }
      for (Reading r : sorted) {
        if (r.battery < threshold) {
          if (current == null) {
            current = new Episode(null);
            episodes.add(current);
          }
          current.readings.add(r);
        } else if (r.battery >= recovery) {
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
    final double battery;

    Reading(Instant time, double battery) {
      this.time = time;
      this.battery = battery;
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
