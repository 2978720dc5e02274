package com.mobilitycorp.fleet.transforms;

import com.google.auto.value.AutoValue;
import com.mobilitycorp.fleet.model.Alert;
import com.mobilitycorp.fleet.model.AlertSeverity;
import com.mobilitycorp.fleet.model.AlertType;
import com.mobilitycorp.fleet.model.EnrichedTelemetry;
import com.mobilitycorp.fleet.model.LocationMetadata;
import com.mobilitycorp.fleet.model.OperationalStatus;
import com.mobilitycorp.fleet.model.TelemetryEvent;
import com.mobilitycorp.fleet.model.VehicleMetadata;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.InstantCoder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.schemas.AutoValueSchema;
import org.apache.beam.sdk.schemas.NoSuchSchemaException;
import org.apache.beam.sdk.schemas.annotations.DefaultSchema;
import org.apache.beam.sdk.schemas.annotations.SchemaFieldNumber;
import org.apache.beam.sdk.state.MapState;
import org.apache.beam.sdk.state.StateSpec;
import org.apache.beam.sdk.state.StateSpecs;
import org.apache.beam.sdk.state.TimeDomain;
import org.apache.beam.sdk.state.Timer;
import org.apache.beam.sdk.state.TimerSpec;
import org.apache.beam.sdk.state.TimerSpecs;
import org.apache.beam.sdk.state.ValueState;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.WithKeys;
import org.apache.beam.sdk.transforms.windowing.AfterWatermark;
import org.apache.beam.sdk.transforms.windowing.DefaultTrigger;
import org.apache.beam.sdk.transforms.windowing.FixedWindows;
import org.apache.beam.sdk.transforms.windowing.GlobalWindows;
import org.apache.beam.sdk.transforms.windowing.IntervalWindow;
import org.apache.beam.sdk.transforms.windowing.SlidingWindows;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * BATTERY_DRAIN alerts: a parked vehicle whose battery drains far faster than the other parked
 * vehicles of its type (a fault: a unit that does not sleep, a bad cell), one alert per episode.
 *
 * <p><b>Rule</b>, the product's definition of BATTERY_DRAIN (see {@link DetectBatteryDrainModel}):
 *
 * <ol>
 *   <li><b>Windows.</b> Sliding event-time windows of 30 minutes every 5 minutes ({@link
 *       #withWindow}). Each fires once, when the watermark passes its end (no early or late panes,
 *       allowed lateness zero). Readings are first held once, in their 5-minute bucket (the
 *       period), and summarised there, so the overlapping windows hold small summaries instead of
 *       six copies of every reading (at 1,000 readings/s that is the difference between ~10
 *       million buffered readings and ~100 thousand summaries). The input's watermark already
 *       allows the fleet's 5 minutes of disorder; a reading that arrives after the watermark
 *       passed its bucket is left out of every window, and Beam counts it in its own {@code
 *       DroppedDueToLateness} counter (of the runner's GroupAlsoByWindow step).
 *   <li><b>Idle pairs.</b> Per vehicle and window, its readings in event-time order (ties by event
 *       id). Two consecutive readings a, b are an idle pair when both report speed null or at most
 *       1 km/h, neither is CHARGING, the odometer moved less than 0.05 km (when both report one),
 *       the position moved less than 100 m, the battery did not rise (a rise is a charge or a
 *       swap, not evidence) and 0 &lt; b - a &lt;= 10 minutes (a longer gap says nothing about
 *       what happened in it; two readings of the same instant carry no duration).
 *   <li><b>Rate.</b> The vehicle's idle drain rate in the window is the sum of the battery drops
 *       over its idle pairs divided by the sum of their durations, in %/h. It is judged only when
 *       the idle pairs cover at least 15 minutes ({@link #withMinIdle}) and its type is known (the
 *       vehicle metadata of its newest reading in the window that has any). Vehicle-windows of
 *       unknown type are counted ({@code battery_drain_vehicle_windows_unknown_type}).
 *   <li><b>Peers.</b> Per vehicle type and window, the median of the judged vehicles' rates (of
 *       an even count, the mean of the two middle ones). With fewer than 5 judged vehicles
 *       ({@link #withMinPeers}) the type has no verdict in that window: counted ({@code
 *       battery_drain_windows_too_few_peers}), nobody of the type flagged.
 *   <li><b>Flag.</b> A judged vehicle is draining in the window when its rate &gt; 3 x the median
 *       (strictly, so exactly 3 x is not; {@link #withFactor}) and its rate &gt;= 2 %/h ({@link
 *       #withFloorPctPerHour}). The floor exists because the simulator's battery resolution is
 *       0.1 % and normal idle drain is 0.1-0.4 %/h: without it, a vehicle dropping 0.1 % against
 *       a median of 0 would be flagged.
 *   <li><b>Episodes.</b> The windows overlap, so one fault is flagged in several consecutive
 *       windows. A flagged window that starts before the end of the vehicle's latest earlier
 *       flagged window continues that episode; otherwise it starts a new episode, which raises one
 *       alert with id {@code battery_drain:<vehicle>:<start of the episode's first window>}
 *       ({@link #alertId}): deterministic, so a replay gives the same ids.
 * </ol>
 *
 * <p><b>Alert</b> (of the episode's first window): WARNING, CRITICAL when the rate is at least 10
 * x the median and at least 5 %/h; location = zone of the vehicle's newest reading in the window
 * (null between zones); event time = the window's end. Details: drain_pct_per_hour,
 * type_median_pct_per_hour, ratio ("Infinity" against a median of 0), idle_minutes,
 * window_start, window_end, judged_peers (judged vehicles of the type in the window, this one
 * included) and the common vehicle details of that newest reading ({@link ReadingContext}).
 *
 * <p><b>Latency.</b> An episode is alerted when the watermark passes the end of its first
 * flagged window, i.e. up to 30 minutes of event time after the fault began plus the watermark's
 * delay.
 *
 * <p><b>Bounded state.</b> Per vehicle, in the global window: the flagged windows not yet decided
 * (decided in window order when the watermark passes their end, so the order in which windows
 * arrive does not matter) and the end of the latest flagged window. That end is forgotten once
 * the watermark is past every window that could still start before it; then the vehicle holds
 * nothing ({@code battery_drain_vehicles_with_state} goes up when a vehicle gets state and down
 * when it is cleared).
 *
 * <p><b>Hot keys.</b> The per-type median groups by vehicle type: 3 keys per window, each holding
 * one small record per judged vehicle. Fine for tens of thousands of vehicles per type and
 * window; far beyond that the median would need a two-stage (approximate) computation.
 */
public final class DetectBatteryDrain
    extends PTransform<PCollection<EnrichedTelemetry>, PCollection<Alert>> {

  public static final Duration DEFAULT_WINDOW_SIZE = Duration.standardMinutes(30);
  public static final Duration DEFAULT_WINDOW_PERIOD = Duration.standardMinutes(5);
  public static final Duration DEFAULT_MIN_IDLE = Duration.standardMinutes(15);
  public static final int DEFAULT_MIN_PEERS = 5;
  public static final double DEFAULT_FACTOR = 3.0;
  public static final double DEFAULT_FLOOR_PCT_PER_HOUR = 2.0;

  /** Idle-pair criteria (the rule's fixed part). */
  static final double MAX_IDLE_SPEED_KMH = 1.0;
  static final double MAX_IDLE_ODOMETER_KM = 0.05;
  static final double MAX_IDLE_DISPLACEMENT_M = 100.0;
  static final Duration MAX_IDLE_GAP = Duration.standardMinutes(10);

  /** CRITICAL at this multiple of the median and at least this rate. */
  static final double CRITICAL_FACTOR = 10.0;
  static final double CRITICAL_FLOOR_PCT_PER_HOUR = 5.0;

  static final String NAME = "battery_drain";
  private static final double MILLIS_PER_HOUR = 3_600_000.0;

  private final Duration size;
  private final Duration period;
  private final Duration minIdle;
  private final int minPeers;
  private final double factor;
  private final double floorPctPerHour;

  private DetectBatteryDrain(
      Duration size, Duration period, Duration minIdle, int minPeers, double factor, double floor) {
    this.size = size;
    this.period = period;
    this.minIdle = minIdle;
    this.minPeers = minPeers;
    this.factor = factor;
    this.floorPctPerHour = floor;
  }

  /** With the defaults: 30/5-minute windows, 15 idle minutes, 5 peers, 3 x median, 2 %/h. */
  public static DetectBatteryDrain create() {
    return new DetectBatteryDrain(
        DEFAULT_WINDOW_SIZE, DEFAULT_WINDOW_PERIOD, DEFAULT_MIN_IDLE, DEFAULT_MIN_PEERS,
        DEFAULT_FACTOR, DEFAULT_FLOOR_PCT_PER_HOUR);
  }

  /** Sliding windows of {@code size}, one starting every {@code period}. */
  public DetectBatteryDrain withWindow(Duration size, Duration period) {
    checkPositive("window size", size);
    checkPositive("window period", period);
    if (period.isLongerThan(size)) {
      throw new IllegalArgumentException("window period " + period + " exceeds size " + size);
    }
    return new DetectBatteryDrain(size, period, minIdle, minPeers, factor, floorPctPerHour);
  }

  /** A vehicle is judged in a window only when its idle pairs cover at least this long. */
  public DetectBatteryDrain withMinIdle(Duration idle) {
    checkPositive("minimum idle coverage", idle);
    return new DetectBatteryDrain(size, period, idle, minPeers, factor, floorPctPerHour);
  }

  /** A type needs this many judged vehicles in a window for a median. */
  public DetectBatteryDrain withMinPeers(int peers) {
    if (peers < 1) {
      throw new IllegalArgumentException("minimum peers must be at least 1, was " + peers);
    }
    return new DetectBatteryDrain(size, period, minIdle, peers, factor, floorPctPerHour);
  }

  /** Draining means a rate strictly above this multiple of the type's median. */
  public DetectBatteryDrain withFactor(double multiple) {
    if (!(multiple > 1.0)) {
      throw new IllegalArgumentException("factor must be above 1, was " + multiple);
    }
    return new DetectBatteryDrain(size, period, minIdle, minPeers, multiple, floorPctPerHour);
  }

  /** Draining also means a rate of at least this (%/h), whatever the median. */
  public DetectBatteryDrain withFloorPctPerHour(double floor) {
    if (!(floor > 0)) {
      throw new IllegalArgumentException("floor must be positive, was " + floor);
    }
    return new DetectBatteryDrain(size, period, minIdle, minPeers, factor, floor);
  }

  private static void checkPositive(String what, Duration value) {
    if (!value.isLongerThan(Duration.ZERO)) {
      throw new IllegalArgumentException(what + " must be positive, was " + value);
    }
  }

  /** The plain-Java model with this transform's settings. */
  DetectBatteryDrainModel model() {
    return new DetectBatteryDrainModel(size, period, minIdle, minPeers, factor, floorPctPerHour);
  }

  /** The alert id of an episode whose first flagged window starts at {@code windowStart}. */
  public static String alertId(String vehicleId, Instant windowStart) {
    return NAME + ":" + vehicleId + ":" + windowStart;
  }

  @Override
  public PCollection<Alert> expand(PCollection<EnrichedTelemetry> readings) {
    Coder<VehicleIdleDrain> drainCoder = schemaCoder(readings, VehicleIdleDrain.class);
    Coder<BucketSummary> bucketCoder = schemaCoder(readings, BucketSummary.class);
    Coder<Alert> alertCoder = schemaCoder(readings, Alert.class);
    return readings
        // Stage 1: each reading is held once, in its 5-minute bucket, and summarised there; the
        // sliding windows then hold small summaries, not 6 copies of every reading.
        .apply("Buckets", Window.<EnrichedTelemetry>into(FixedWindows.of(period))
            .triggering(AfterWatermark.pastEndOfWindow())
            .withAllowedLateness(Duration.ZERO)
            .discardingFiredPanes())
        .apply("KeyByVehicle", WithKeys.<String, EnrichedTelemetry>of(EnrichedTelemetry::vehicleId)
            .withKeyType(TypeDescriptors.strings()))
        .setCoder(KvCoder.of(StringUtf8Coder.of(), readings.getCoder()))
        .apply("GroupReadingsPerBucket", GroupByKey.create())
        .apply("SummariseBucket", ParDo.of(new SummariseBucketFn()))
        .setCoder(KvCoder.of(StringUtf8Coder.of(), bucketCoder))
        // Stage 2: one verdict per sliding window, when it is complete.
        .apply("SlidingWindows", Window.<KV<String, BucketSummary>>into(SlidingWindows.of(size).every(period))
            .triggering(AfterWatermark.pastEndOfWindow())
            .withAllowedLateness(Duration.ZERO)
            .discardingFiredPanes())
        .apply("GroupBucketsPerVehicle", GroupByKey.create())
        .apply("IdleDrainRatePerVehicle", ParDo.of(new IdleDrainRateFn(minIdle)))
        .setCoder(KvCoder.of(StringUtf8Coder.of(), drainCoder))
        .apply("GroupRatesPerType", GroupByKey.create())
        .apply("FlagAgainstTypeMedian", ParDo.of(new FlagAgainstMedianFn(minPeers, factor, floorPctPerHour)))
        .setCoder(KvCoder.of(StringUtf8Coder.of(), alertCoder))
        // Episodes span windows: per-vehicle state in the global window, with the default
        // trigger of a plain stream (not the windows' continuation), so these alerts flatten
        // with the other alert types.
        .apply("IntoGlobalWindow", Window.<KV<String, Alert>>into(new GlobalWindows())
            .triggering(DefaultTrigger.of())
            .discardingFiredPanes())
        .apply("AlertOncePerEpisode", ParDo.of(new AlertOncePerEpisodeFn(size, period, alertCoder)))
        .setCoder(alertCoder);
  }

  private static <T> Coder<T> schemaCoder(PCollection<?> input, Class<T> type) {
    try {
      return input.getPipeline().getSchemaRegistry().getSchemaCoder(type);
    } catch (NoSuchSchemaException e) {
      throw new IllegalStateException(type.getSimpleName() + " must have a Beam schema", e);
    }
  }

  /** Whether b following a (in event time) is evidence of a parked vehicle's drain. */
  static boolean isIdlePair(Sample a, Sample b) {
    long gap = b.getTime().getMillis() - a.getTime().getMillis();
    return a.getStill() && b.getStill()
        && !a.getCharging()
        && !b.getCharging()
        && (a.getOdometerKm() == null || b.getOdometerKm() == null
            || Math.abs(b.getOdometerKm() - a.getOdometerKm()) < MAX_IDLE_ODOMETER_KM)
        && FleetGeography.distanceM(a.getLat(), a.getLon(), b.getLat(), b.getLon())
            < MAX_IDLE_DISPLACEMENT_M
        && b.getBatteryPct() <= a.getBatteryPct()
        && gap > 0
        && gap <= MAX_IDLE_GAP.getMillis();
  }

  /** What the idle rule reads of a reading. */
  @DefaultSchema(AutoValueSchema.class)
  @AutoValue
  abstract static class Sample {
    @SchemaFieldNumber("0")
    abstract Instant getTime();

    @SchemaFieldNumber("1")
    abstract double getBatteryPct();

    @SchemaFieldNumber("2")
    abstract @Nullable Double getOdometerKm();

    @SchemaFieldNumber("3")
    abstract double getLat();

    @SchemaFieldNumber("4")
    abstract double getLon();

    /** Speed unknown or at most 1 km/h. */
    @SchemaFieldNumber("5")
    abstract boolean getStill();

    @SchemaFieldNumber("6")
    abstract boolean getCharging();

    static Sample of(TelemetryEvent e) {
      return new AutoValue_DetectBatteryDrain_Sample(
          e.getEventTime(), e.getBatteryPct(), e.getOdometerKm(), e.getLat(), e.getLon(),
          e.getSpeedKmh() == null || e.getSpeedKmh() <= MAX_IDLE_SPEED_KMH,
          e.getOperationalStatus() == OperationalStatus.CHARGING);
    }
  }

  /**
   * One vehicle's readings in one 5-minute bucket: the idle pairs inside it, its first and last
   * reading (for the pairs that cross into the neighbouring buckets) and the context of its
   * newest reading for an alert.
   */
  @DefaultSchema(AutoValueSchema.class)
  @AutoValue
  abstract static class BucketSummary {
    @SchemaFieldNumber("0")
    abstract Instant getBucketStart();

    @SchemaFieldNumber("1")
    abstract Sample getFirst();

    @SchemaFieldNumber("2")
    abstract Sample getLast();

    @SchemaFieldNumber("3")
    abstract double getIdleDropPct();

    @SchemaFieldNumber("4")
    abstract long getIdleMillis();

    /** The metadata of the newest reading that has any. */
    @SchemaFieldNumber("5")
    abstract @Nullable VehicleMetadata getVehicle();

    /** The newest reading's zone and home city, for the alert's details. */
    @SchemaFieldNumber("6")
    abstract @Nullable LocationMetadata getNewestZone();

    @SchemaFieldNumber("7")
    abstract @Nullable String getNewestHomeCity();

    static BucketSummary create(
        Instant bucketStart, Sample first, Sample last, double idleDropPct, long idleMillis,
        @Nullable VehicleMetadata vehicle, @Nullable LocationMetadata newestZone,
        @Nullable String newestHomeCity) {
      return new AutoValue_DetectBatteryDrain_BucketSummary(
          bucketStart, first, last, idleDropPct, idleMillis, vehicle, newestZone, newestHomeCity);
    }
  }

  /** Per vehicle and bucket: its readings in event-time order, summarised. */
  static final class SummariseBucketFn
      extends DoFn<KV<String, Iterable<EnrichedTelemetry>>, KV<String, BucketSummary>> {
    private static final long serialVersionUID = 1L;

    @ProcessElement
    public void processElement(
        @Element KV<String, Iterable<EnrichedTelemetry>> element,
        IntervalWindow bucket,
        OutputReceiver<KV<String, BucketSummary>> out) {
      List<EnrichedTelemetry> sorted = new ArrayList<>();
      element.getValue().forEach(sorted::add);
      sorted.sort(READING_ORDER);
      VehicleMetadata vehicle = null;
      double drop = 0;
      long idle = 0;
      Sample previous = null;
      for (EnrichedTelemetry r : sorted) {
        vehicle = r.getVehicle() == null ? vehicle : r.getVehicle();
        Sample current = Sample.of(r.getTelemetry());
        if (previous != null && isIdlePair(previous, current)) {
          drop += previous.getBatteryPct() - current.getBatteryPct();
          idle += current.getTime().getMillis() - previous.getTime().getMillis();
        }
        previous = current;
      }
      EnrichedTelemetry newest = sorted.get(sorted.size() - 1);
      out.output(KV.of(element.getKey(), BucketSummary.create(
          bucket.start(), Sample.of(sorted.get(0).getTelemetry()), previous, drop, idle, vehicle,
          newest.getZone(), newest.getHomeCity())));
    }
  }

  static String pctPerHour(double value) {
    return String.format(Locale.ROOT, "%.2f", value);
  }

  /** One vehicle's idle drain in one window, with the newest reading for the alert's context. */
  @DefaultSchema(AutoValueSchema.class)
  @AutoValue
  abstract static class VehicleIdleDrain {
    @SchemaFieldNumber("0")
    abstract String getVehicleId();

    /** {@link com.mobilitycorp.fleet.model.VehicleType} name. */
    @SchemaFieldNumber("1")
    abstract String getVehicleType();

    @SchemaFieldNumber("2")
    abstract double getRatePctPerHour();

    /** Summed duration of the idle pairs. */
    @SchemaFieldNumber("3")
    abstract long getIdleMillis();

    /** The newest bucket's summary, for the alert's context. */
    @SchemaFieldNumber("4")
    abstract BucketSummary getNewest();

    static VehicleIdleDrain create(
        String vehicleId, String vehicleType, double ratePctPerHour, long idleMillis,
        BucketSummary newest) {
      return new AutoValue_DetectBatteryDrain_VehicleIdleDrain(
          vehicleId, vehicleType, ratePctPerHour, idleMillis, newest);
    }
  }

  /**
   * Per vehicle and window: its idle drain rate over the window's buckets (the pairs inside each,
   * and between the last reading of one non-empty bucket and the first of the next), keyed by its
   * type; unjudged vehicles drop out.
   */
  static final class IdleDrainRateFn
      extends DoFn<KV<String, Iterable<BucketSummary>>, KV<String, VehicleIdleDrain>> {
    private static final long serialVersionUID = 1L;

    private final Counter unknownType =
        Metrics.counter(DetectBatteryDrain.class, NAME + "_vehicle_windows_unknown_type");
    private final Counter judged =
        Metrics.counter(DetectBatteryDrain.class, NAME + "_vehicle_windows_judged");

    private final long minIdleMillis;

    IdleDrainRateFn(Duration minIdle) {
      this.minIdleMillis = minIdle.getMillis();
    }

    @ProcessElement
    public void processElement(
        @Element KV<String, Iterable<BucketSummary>> element,
        OutputReceiver<KV<String, VehicleIdleDrain>> out) {
      List<BucketSummary> buckets = new ArrayList<>();
      element.getValue().forEach(buckets::add);
      buckets.sort(Comparator.comparing(BucketSummary::getBucketStart));
      VehicleMetadata vehicle = null;
      double dropPct = 0;
      long idleMillis = 0;
      BucketSummary previous = null;
      for (BucketSummary b : buckets) {
        vehicle = b.getVehicle() == null ? vehicle : b.getVehicle();
        dropPct += b.getIdleDropPct();
        idleMillis += b.getIdleMillis();
        if (previous != null && isIdlePair(previous.getLast(), b.getFirst())) {
          dropPct += previous.getLast().getBatteryPct() - b.getFirst().getBatteryPct();
          idleMillis += b.getFirst().getTime().getMillis() - previous.getLast().getTime().getMillis();
        }
        previous = b;
      }
      if (vehicle == null) {
        unknownType.inc(); // no peers to compare with
        return;
      }
      if (idleMillis < minIdleMillis) {
        return; // too little parked time for a rate
      }
      judged.inc();
      String type = vehicle.getVehicleType().name();
      out.output(KV.of(type, VehicleIdleDrain.create(
          element.getKey(), type, dropPct / (idleMillis / MILLIS_PER_HOUR), idleMillis,
          buckets.get(buckets.size() - 1))));
    }
  }

  /** Event time, then event id: a total order, so duplicates and ties give one result. */
  static final Comparator<EnrichedTelemetry> READING_ORDER =
      Comparator.comparing((EnrichedTelemetry r) -> r.getTelemetry().getEventTime())
          .thenComparing(r -> r.getTelemetry().getEventId());

  /** The median of sorted values; of an even count, the mean of the two middle ones. */
  static double median(double[] sorted) {
    int n = sorted.length;
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  }

  /** Per type and window: the median, and an alert candidate per draining vehicle. */
  static final class FlagAgainstMedianFn
      extends DoFn<KV<String, Iterable<VehicleIdleDrain>>, KV<String, Alert>> {
    private static final long serialVersionUID = 1L;

    private final Counter tooFewPeers =
        Metrics.counter(DetectBatteryDrain.class, NAME + "_windows_too_few_peers");
    private final Counter flagged =
        Metrics.counter(DetectBatteryDrain.class, NAME + "_vehicle_windows_flagged");

    private final int minPeers;
    private final double factor;
    private final double floor;

    FlagAgainstMedianFn(int minPeers, double factor, double floor) {
      this.minPeers = minPeers;
      this.factor = factor;
      this.floor = floor;
    }

    @ProcessElement
    public void processElement(
        @Element KV<String, Iterable<VehicleIdleDrain>> element,
        IntervalWindow window,
        OutputReceiver<KV<String, Alert>> out) {
      List<VehicleIdleDrain> judged = new ArrayList<>();
      element.getValue().forEach(judged::add);
      if (judged.size() < minPeers) {
        tooFewPeers.inc(); // no reliable notion of normal for this type now
        return;
      }
      double[] rates = judged.stream().mapToDouble(VehicleIdleDrain::getRatePctPerHour).sorted().toArray();
      double median = median(rates);
      for (VehicleIdleDrain v : judged) {
        double rate = v.getRatePctPerHour();
        if (rate > factor * median && rate >= floor) {
          flagged.inc();
          out.output(KV.of(v.getVehicleId(), alert(v, median, judged.size(), window)));
        }
      }
    }

    private static Alert alert(VehicleIdleDrain v, double median, int peers, IntervalWindow window) {
      double rate = v.getRatePctPerHour();
      BucketSummary newest = v.getNewest();
      Map<String, String> details =
          new TreeMap<>(ReadingContext.of(
              newest.getLast().getLat(), newest.getLast().getLon(), newest.getVehicle(),
              newest.getNewestZone(), newest.getNewestHomeCity()));
      // The type judged by, even if the newest reading itself lacks the metadata.
      details.put("vehicle_type", v.getVehicleType().toLowerCase(Locale.ROOT));
      details.put("drain_pct_per_hour", pctPerHour(rate));
      details.put("type_median_pct_per_hour", pctPerHour(median));
      details.put("ratio", pctPerHour(rate / median));
      details.put("idle_minutes", String.format(Locale.ROOT, "%.1f", v.getIdleMillis() / 60_000.0));
      details.put("window_start", window.start().toString());
      details.put("window_end", window.end().toString());
      details.put("judged_peers", String.valueOf(peers));
      boolean critical = rate >= CRITICAL_FACTOR * median && rate >= CRITICAL_FLOOR_PCT_PER_HOUR;
      LocationMetadata zone = newest.getNewestZone();
      return Alert.builder()
          .setAlertId(alertId(v.getVehicleId(), window.start()))
          .setType(AlertType.BATTERY_DRAIN)
          .setSeverity(critical ? AlertSeverity.CRITICAL : AlertSeverity.WARNING)
          .setVehicleId(v.getVehicleId())
          .setLocationId(zone == null ? null : zone.getLocationId())
          .setEventTime(window.end())
          .setDetectedAt(Instant.now())
          .setDetails(details)
          .build();
    }
  }

  /**
   * Per vehicle: flagged windows (as their alert candidates, event time = window end) to one
   * alert per episode. Candidates wait until the watermark passes their window's end, when every
   * window ending earlier has arrived too, and are then decided in window order.
   */
  static final class AlertOncePerEpisodeFn extends DoFn<KV<String, Alert>, Alert> {
    private static final long serialVersionUID = 1L;

    private final Counter alertsRaised =
        Metrics.counter(DetectBatteryDrain.class, NAME + "_alerts_raised");
    private final Counter vehiclesWithState =
        Metrics.counter(DetectBatteryDrain.class, NAME + "_vehicles_with_state");

    private final long sizeMillis;
    private final long periodMillis;

    /** Window end -> alert candidate, for flagged windows not yet decided. */
    @StateId("pending")
    private final StateSpec<MapState<Instant, Alert>> pendingSpec;

    /** End of the latest decided flagged window; absent once no window can continue it. */
    @StateId("lastEnd")
    private final StateSpec<ValueState<Instant>> lastEndSpec = StateSpecs.value(InstantCoder.of());

    /** When the tick timer is set for; absent = the vehicle holds no state. */
    @StateId("tickAt")
    private final StateSpec<ValueState<Instant>> tickAtSpec = StateSpecs.value(InstantCoder.of());

    @TimerId("tick")
    private final TimerSpec tickSpec = TimerSpecs.timer(TimeDomain.EVENT_TIME);

    AlertOncePerEpisodeFn(Duration size, Duration period, Coder<Alert> alertCoder) {
      this.sizeMillis = size.getMillis();
      this.periodMillis = period.getMillis();
      this.pendingSpec = StateSpecs.map(InstantCoder.of(), alertCoder);
    }

    @ProcessElement
    public void processElement(
        @Element KV<String, Alert> element,
        @StateId("pending") MapState<Instant, Alert> pending,
        @StateId("tickAt") ValueState<Instant> tickAt,
        @TimerId("tick") Timer tick) {
      Alert candidate = element.getValue();
      Instant end = candidate.getEventTime();
      pending.put(end, candidate);
      Instant scheduled = tickAt.read();
      if (scheduled == null) {
        vehiclesWithState.inc();
      }
      // Only ever earlier: a timer may not fire before the element that set it (its timestamp).
      if (scheduled == null || end.isBefore(scheduled)) {
        tick.set(end);
        tickAt.write(end);
      }
    }

    @OnTimer("tick")
    public void onTick(
        OnTimerContext context,
        @StateId("pending") MapState<Instant, Alert> pending,
        @StateId("lastEnd") ValueState<Instant> lastEndState,
        @StateId("tickAt") ValueState<Instant> tickAt,
        @TimerId("tick") Timer tick,
        OutputReceiver<Alert> out) {
      Instant now = context.fireTimestamp();
      TreeMap<Instant, Alert> byEnd = new TreeMap<>();
      for (Map.Entry<Instant, Alert> e : pending.entries().read()) {
        byEnd.put(e.getKey(), e.getValue());
      }
      Instant lastEnd = lastEndState.read();
      // Every window ending by now has arrived (each held the watermark until processed).
      for (Map.Entry<Instant, Alert> e : byEnd.headMap(now, true).entrySet()) {
        Instant end = e.getKey();
        Instant start = end.minus(sizeMillis);
        if (lastEnd == null || !start.isBefore(lastEnd)) {
          alertsRaised.inc();
          out.output(e.getValue().toBuilder().setDetectedAt(Instant.now()).build());
        }
        lastEnd = lastEnd == null || end.isAfter(lastEnd) ? end : lastEnd;
        pending.remove(end);
      }
      byEnd.headMap(now, true).clear();
      if (lastEnd != null && !continuableUntil(lastEnd).isAfter(now)) {
        lastEnd = null; // every window that could start before it has been decided
      }
      if (lastEnd == null && byEnd.isEmpty()) {
        lastEndState.clear();
        tickAt.clear();
        vehiclesWithState.dec();
        return;
      }
      Instant next = byEnd.isEmpty() ? null : byEnd.firstKey();
      if (lastEnd == null) {
        lastEndState.clear();
      } else {
        lastEndState.write(lastEnd);
        Instant expiry = continuableUntil(lastEnd);
        next = next == null || expiry.isBefore(next) ? expiry : next;
      }
      tick.set(next);
      tickAt.write(next);
    }

    /** End of the last window that starts before {@code lastEnd} (window starts align to 0). */
    private Instant continuableUntil(Instant lastEnd) {
      long before = lastEnd.getMillis() - 1;
      return new Instant(before - Math.floorMod(before, periodMillis) + sizeMillis);
    }
  }
}
