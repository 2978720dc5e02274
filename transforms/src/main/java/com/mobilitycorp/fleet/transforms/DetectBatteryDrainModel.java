package com.mobilitycorp.fleet.transforms;

import com.mobilitycorp.fleet.model.EnrichedTelemetry;
import com.mobilitycorp.fleet.model.OperationalStatus;
import com.mobilitycorp.fleet.model.TelemetryEvent;
import com.mobilitycorp.fleet.model.VehicleMetadata;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * Plain-Java reference model of {@link DetectBatteryDrain}, in batch: it keeps every reading with
 * the watermark at its arrival, and {@link #alertIds()} enumerates the sliding windows directly,
 * computing rates, medians, flags and episodes as the rule states them. No triggers, grouping or
 * state: a reading counts in a window unless it arrived when the watermark had passed the
 * window's end (allowed lateness zero), and episodes are found over each vehicle's flagged
 * windows sorted by start.
 */
public final class DetectBatteryDrainModel {
  private static final double MILLIS_PER_HOUR = 3_600_000.0;

  private final long size;
  private final long period;
  private final long minIdle;
  private final int minPeers;
  private final double factor;
  private final double floor;

  private final List<EnrichedTelemetry> readings = new ArrayList<>();
  /** Watermark at each reading's arrival (null: none yet). */
  private final List<@Nullable Instant> arrivalWatermarks = new ArrayList<>();
  private @Nullable Instant watermark;

  private long unknownTypeVehicleWindows;
  private long tooFewPeerWindows;
  private long judgedVehicleWindows;
  private long droppedReadingWindows;
  private final Map<String, SortedSet<Instant>> flagged = new TreeMap<>();

  public DetectBatteryDrainModel(
      Duration size, Duration period, Duration minIdle, int minPeers, double factor, double floor) {
    this.size = size.getMillis();
    this.period = period.getMillis();
    this.minIdle = minIdle.getMillis();
    this.minPeers = minPeers;
    this.factor = factor;
    this.floor = floor;
  }

  /** The alert ids of readings that all arrived in time, with the default settings. */
  public static SortedSet<String> alertIds(Collection<EnrichedTelemetry> readings) {
    DetectBatteryDrainModel model = DetectBatteryDrain.create().model();
    readings.forEach(model::onReading);
    return model.alertIds();
  }

  public void onWatermark(Instant now) {
    if (watermark == null || now.isAfter(watermark)) {
      watermark = now;
    }
  }

  public void onReading(EnrichedTelemetry reading) {
    readings.add(reading);
    arrivalWatermarks.add(watermark);
  }

  /** Runs the rule over everything so far; the counts below refer to the latest run. */
  public SortedSet<String> alertIds() {
    unknownTypeVehicleWindows = 0;
    tooFewPeerWindows = 0;
    judgedVehicleWindows = 0;
    droppedReadingWindows = 0;
    flagged.clear();

    // window start -> vehicle -> its readings in that window
    TreeMap<Long, Map<String, List<EnrichedTelemetry>>> windows = new TreeMap<>();
    for (int i = 0; i < readings.size(); i++) {
      EnrichedTelemetry r = readings.get(i);
      Instant arrivedAt = arrivalWatermarks.get(i);
      long t = r.getTelemetry().getEventTime().getMillis();
      // Readings are first held in their period-long bucket: one that arrives after the
      // watermark passed its bucket is left out of every window.
      long bucketMax = t - Math.floorMod(t, period) + period - 1;
      if (arrivedAt != null && arrivedAt.getMillis() > bucketMax) {
        droppedReadingWindows++;
        continue;
      }
      for (long start = t - Math.floorMod(t, period); start > t - size; start -= period) {
        windows.computeIfAbsent(start, s -> new TreeMap<>())
            .computeIfAbsent(r.vehicleId(), v -> new ArrayList<>())
            .add(r);
      }
    }

    for (Map.Entry<Long, Map<String, List<EnrichedTelemetry>>> window : windows.entrySet()) {
      // type -> vehicle -> rate
      Map<String, Map<String, Double>> judged = new TreeMap<>();
      for (Map.Entry<String, List<EnrichedTelemetry>> vehicle : window.getValue().entrySet()) {
        List<EnrichedTelemetry> mine = new ArrayList<>(vehicle.getValue());
        mine.sort(
            Comparator.comparing((EnrichedTelemetry r) -> r.getTelemetry().getEventTime())
                .thenComparing(r -> r.getTelemetry().getEventId()));
        VehicleMetadata meta = null;
        for (EnrichedTelemetry r : mine) {
          if (r.getVehicle() != null) {
            meta = r.getVehicle();
          }
        }
        if (meta == null) {
          unknownTypeVehicleWindows++;
          continue;
        }
        double drop = 0;
        long idle = 0;
        for (int i = 1; i < mine.size(); i++) {
          TelemetryEvent a = mine.get(i - 1).getTelemetry();
          TelemetryEvent b = mine.get(i).getTelemetry();
          if (idle(a, b)) {
            drop += a.getBatteryPct() - b.getBatteryPct();
            idle += b.getEventTime().getMillis() - a.getEventTime().getMillis();
          }
        }
        if (idle >= minIdle) {
          judgedVehicleWindows++;
          judged.computeIfAbsent(meta.getVehicleType().name(), k -> new TreeMap<>())
              .put(vehicle.getKey(), drop / (idle / MILLIS_PER_HOUR));
        }
      }
      for (Map<String, Double> peers : judged.values()) {
        if (peers.size() < minPeers) {
          tooFewPeerWindows++;
          continue;
        }
        double[] rates = peers.values().stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(rates);
        int n = rates.length;
        double median = n % 2 == 1 ? rates[n / 2] : (rates[n / 2 - 1] + rates[n / 2]) / 2;
        peers.forEach(
            (vehicle, rate) -> {
              if (rate > factor * median && rate >= floor) {
                flagged.computeIfAbsent(vehicle, v -> new TreeSet<>()).add(new Instant(window.getKey()));
              }
            });
      }
    }

    SortedSet<String> ids = new TreeSet<>();
    flagged.forEach(
        (vehicle, starts) -> {
          Instant episodeReach = null; // end of the latest flagged window so far
          for (Instant start : starts) {
            if (episodeReach == null || !start.isBefore(episodeReach)) {
              ids.add(DetectBatteryDrain.alertId(vehicle, start));
            }
            Instant end = start.plus(size);
            episodeReach = episodeReach == null || end.isAfter(episodeReach) ? end : episodeReach;
          }
        });
    return ids;
  }

  private static boolean idle(TelemetryEvent a, TelemetryEvent b) {
    long gap = b.getEventTime().getMillis() - a.getEventTime().getMillis();
    if (gap <= 0 || gap > DetectBatteryDrain.MAX_IDLE_GAP.getMillis()) {
      return false;
    }
    for (TelemetryEvent e : List.of(a, b)) {
      if ((e.getSpeedKmh() != null && e.getSpeedKmh() > DetectBatteryDrain.MAX_IDLE_SPEED_KMH)
          || e.getOperationalStatus() == OperationalStatus.CHARGING) {
        return false;
      }
    }
    if (a.getOdometerKm() != null && b.getOdometerKm() != null
        && Math.abs(b.getOdometerKm() - a.getOdometerKm()) >= DetectBatteryDrain.MAX_IDLE_ODOMETER_KM) {
      return false;
    }
    return FleetGeography.distanceM(a.getLat(), a.getLon(), b.getLat(), b.getLon())
            < DetectBatteryDrain.MAX_IDLE_DISPLACEMENT_M
        && b.getBatteryPct() <= a.getBatteryPct();
  }

  /** Vehicle -> starts of its flagged windows (latest run). */
  public Map<String, SortedSet<Instant>> flaggedWindows() {
    return flagged;
  }

  public long flaggedVehicleWindows() {
    return flagged.values().stream().mapToLong(SortedSet::size).sum();
  }

  public long unknownTypeVehicleWindows() {
    return unknownTypeVehicleWindows;
  }

  public long tooFewPeerWindows() {
    return tooFewPeerWindows;
  }

  public long judgedVehicleWindows() {
    return judgedVehicleWindows;
  }

  /** Readings left out because their bucket had closed (Beam's DroppedDueToLateness). */
  public long droppedReadingWindows() {
    return droppedReadingWindows;
  }
}
