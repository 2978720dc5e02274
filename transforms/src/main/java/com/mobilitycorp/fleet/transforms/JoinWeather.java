package com.mobilitycorp.fleet.transforms;

import com.mobilitycorp.fleet.model.EnrichedTelemetry;
import com.mobilitycorp.fleet.model.WeatherObservation;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.InstantCoder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarLongCoder;
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
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.join.RawUnionValue;
import org.apache.beam.sdk.transforms.join.UnionCoder;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;
import org.apache.beam.sdk.values.TypeDescriptor;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * The event-time temporal join of enriched readings with {@code weather.observations}: each
 * reading gets the observation valid at its event time for its weather zone (the newest one
 * observed at or before the reading), correct under disorder on both sides.
 *
 * <p><b>Waiting.</b> An observation may arrive after the readings it is valid for (weather is
 * reported every few minutes and delivered up to minutes late), so a reading waits, per zone,
 * until the watermark passes its event time: then every observation up to it has arrived. The
 * join therefore adds about the watermark's delay (the allowed disorder, 5 minutes) to the
 * readings it enriches; alerts that must be fast take {@link EnrichTelemetry}'s output directly.
 * The wait holds the watermark (a timer output timestamp), so downstream event-time windows see
 * the readings on time.
 *
 * <p><b>Unknowns</b> (weather left null, each counted): no weather zone near the reading ({@code
 * weather_unknown_no_zone}, joined at once), no observation yet ({@code
 * weather_unknown_not_observed}), the valid one older than the maximum age, default 30 minutes
 * ({@code weather_unknown_stale}), or the reading so late that the observations of its time were
 * already pruned ({@code weather_unknown_pruned}). An observation arriving after readings of its
 * time were joined is counted ({@code weather_observations_after_join}) and serves later ones.
 *
 * <p><b>Bounded state</b> per zone: readings waiting (emptied as the watermark moves) and the
 * observations a reading within the allowed lateness could still need: the newest one at or
 * before watermark - lateness, and the later ones.
 *
 * <p><b>State layout</b> (every access is serialised on Flink's RocksDB backend). A waiting
 * reading is one map entry, keyed by its event time and arrival number in the zone: written once
 * when it arrives, read once and removed when its bucket is flushed. A flush scans only the small
 * keys to find the due buckets (no reading is decoded to decide) and reads the observations only
 * when it has readings to join. Before, a reading re-read and rewrote its bucket's whole list
 * (O(k) per reading for the k readings of its zone and bucket, O(k^2) per bucket).
 */
public final class JoinWeather extends PTransform<PCollectionTuple, PCollection<EnrichedTelemetry>> {

  public static final TupleTag<EnrichedTelemetry> READINGS = new TupleTag<EnrichedTelemetry>() {};
  public static final TupleTag<WeatherObservation> OBSERVATIONS =
      new TupleTag<WeatherObservation>() {};

  public static final Duration DEFAULT_MAX_OBSERVATION_AGE = Duration.standardMinutes(30);
  public static final Duration DEFAULT_ALLOWED_LATENESS = Duration.standardMinutes(5);
  /** Waiting readings are grouped per bucket of event time: one timer firing per bucket at most. */
  static final Duration BUCKET = Duration.standardSeconds(10);

  private static final int READING_TAG = 0;
  private static final int OBSERVATION_TAG = 1;

  private final Duration maxObservationAge;
  private final Duration allowedLateness;

  private JoinWeather(Duration maxObservationAge, Duration allowedLateness) {
    this.maxObservationAge = maxObservationAge;
    this.allowedLateness = allowedLateness;
  }

  public static JoinWeather create() {
    return new JoinWeather(DEFAULT_MAX_OBSERVATION_AGE, DEFAULT_ALLOWED_LATENESS);
  }

  /** An observation older than this at the reading's event time is no longer valid. */
  public JoinWeather withMaxObservationAge(Duration age) {
    return new JoinWeather(age, allowedLateness);
  }

  /** How long behind the watermark a reading may still arrive and find its observation. */
  public JoinWeather withAllowedLateness(Duration lateness) {
    return new JoinWeather(maxObservationAge, lateness);
  }

  @Override
  public PCollection<EnrichedTelemetry> expand(PCollectionTuple input) {
    PCollection<EnrichedTelemetry> readings = input.get(READINGS);
    PCollection<WeatherObservation> observations = input.get(OBSERVATIONS);
    TupleTag<EnrichedTelemetry> withZone = new TupleTag<EnrichedTelemetry>() {};
    TupleTag<EnrichedTelemetry> withoutZone = new TupleTag<EnrichedTelemetry>() {};
    PCollectionTuple routed =
        readings.apply(
            "RouteByWeatherZone",
            ParDo.of(new RouteByWeatherZoneFn(withZone, withoutZone))
                .withOutputTags(withZone, TupleTagList.of(withoutZone)));

    // One stream per zone of readings and observations: Beam's join union.
    KvCoder<String, RawUnionValue> signalCoder =
        KvCoder.of(
            StringUtf8Coder.of(),
            UnionCoder.of(List.<Coder<?>>of(readings.getCoder(), observations.getCoder())));
    TypeDescriptor<KV<String, RawUnionValue>> signalType =
        TypeDescriptors.kvs(TypeDescriptors.strings(), TypeDescriptor.of(RawUnionValue.class));
    PCollection<KV<String, RawUnionValue>> readingSignals =
        routed
            .get(withZone)
            .setCoder(readings.getCoder())
            .apply(
                "ReadingsByZone",
                MapElements.into(signalType)
                    .via(r -> KV.of(r.getWeatherLocationId(), new RawUnionValue(READING_TAG, r))))
            .setCoder(signalCoder);
    PCollection<KV<String, RawUnionValue>> observationSignals =
        observations
            .apply(
                "ObservationsByZone",
                MapElements.into(signalType)
                    .via(o -> KV.of(o.getLocationId(), new RawUnionValue(OBSERVATION_TAG, o))))
            .setCoder(signalCoder);
    PCollection<EnrichedTelemetry> joined =
        PCollectionList.of(readingSignals)
            .and(observationSignals)
            .apply("MergePerZone", Flatten.pCollections())
            .apply(
                "JoinAsOfEventTime",
                ParDo.of(
                    new JoinAsOfFn(
                        readings.getCoder(), observations.getCoder(), maxObservationAge,
                        allowedLateness)))
            .setCoder(readings.getCoder());
    return PCollectionList.of(joined)
        .and(routed.get(withoutZone).setCoder(readings.getCoder()))
        .apply("MergeJoined", Flatten.pCollections());
  }

  /** Readings without a weather zone cannot be joined: they pass at once, weather unknown. */
  static final class RouteByWeatherZoneFn extends DoFn<EnrichedTelemetry, EnrichedTelemetry> {
    private static final long serialVersionUID = 1L;
    private final Counter noZone = Metrics.counter(JoinWeather.class, "weather_unknown_no_zone");
    private final TupleTag<EnrichedTelemetry> withZone;
    private final TupleTag<EnrichedTelemetry> withoutZone;

    RouteByWeatherZoneFn(TupleTag<EnrichedTelemetry> withZone, TupleTag<EnrichedTelemetry> withoutZone) {
      this.withZone = withZone;
      this.withoutZone = withoutZone;
    }

    @ProcessElement
    public void processElement(@Element EnrichedTelemetry reading, MultiOutputReceiver out) {
      if (reading.getWeatherLocationId() == null) {
        noZone.inc();
        out.get(withoutZone).output(reading);
      } else {
        out.get(withZone).output(reading);
      }
    }
  }

  /** Per zone: waits for the watermark, then joins each reading with the valid observation. */
  static final class JoinAsOfFn extends DoFn<KV<String, RawUnionValue>, EnrichedTelemetry> {
    private static final long serialVersionUID = 1L;

    private final Counter joined = Metrics.counter(JoinWeather.class, "readings_joined_with_weather");
    private final Counter notObserved = Metrics.counter(JoinWeather.class, "weather_unknown_not_observed");
    private final Counter stale = Metrics.counter(JoinWeather.class, "weather_unknown_stale");
    private final Counter pruned = Metrics.counter(JoinWeather.class, "weather_unknown_pruned");
    private final Counter afterJoin =
        Metrics.counter(JoinWeather.class, "weather_observations_after_join");
    private final Counter waiting = Metrics.counter(JoinWeather.class, "weather_readings_waiting");
    private final Counter held = Metrics.counter(JoinWeather.class, "weather_observations_held");

    private final Duration maxAge;
    private final Duration lateness;

    /**
     * (event time, arrival number) -> a reading still waiting for the watermark, one entry each.
     * The arrival number keeps equal readings apart (each is joined, as it came) and keeps the
     * arrival order within a bucket.
     */
    @StateId("waiting")
    private final StateSpec<MapState<KV<Instant, Long>, EnrichedTelemetry>> waitingSpec;

    /** The arrival number of the next waiting reading; absent while nothing waits. */
    @StateId("waitingSeq")
    private final StateSpec<ValueState<Long>> waitingSeqSpec = StateSpecs.value(VarLongCoder.of());

    /** Observed-at -> observation, for the observations a reading may still need. */
    @StateId("observations")
    private final StateSpec<MapState<Instant, WeatherObservation>> observationsSpec;

    /** Target of the flush timer, while set. */
    @StateId("flushAt")
    private final StateSpec<ValueState<Instant>> flushAtSpec = StateSpecs.value(InstantCoder.of());

    /** Output timestamp (watermark hold) of the flush timer, while set. */
    @StateId("holdAt")
    private final StateSpec<ValueState<Instant>> holdAtSpec = StateSpecs.value(InstantCoder.of());

    /** The latest flush so far: readings up to it have been joined. */
    @StateId("flushedUntil")
    private final StateSpec<ValueState<Instant>> flushedUntilSpec = StateSpecs.value(InstantCoder.of());

    /** Observations before this were pruned: readings before it cannot be joined. */
    @StateId("prunedBefore")
    private final StateSpec<ValueState<Instant>> prunedBeforeSpec = StateSpecs.value(InstantCoder.of());

    /** Target of the prune timer, while set. */
    @StateId("pruneAt")
    private final StateSpec<ValueState<Instant>> pruneAtSpec = StateSpecs.value(InstantCoder.of());

    @TimerId("flush")
    private final TimerSpec flushSpec = TimerSpecs.timer(TimeDomain.EVENT_TIME);

    @TimerId("prune")
    private final TimerSpec pruneSpec = TimerSpecs.timer(TimeDomain.EVENT_TIME);

    JoinAsOfFn(
        Coder<EnrichedTelemetry> readingCoder,
        Coder<WeatherObservation> observationCoder,
        Duration maxAge,
        Duration lateness) {
      this.waitingSpec =
          StateSpecs.map(KvCoder.of(InstantCoder.of(), VarLongCoder.of()), readingCoder);
      this.observationsSpec = StateSpecs.map(InstantCoder.of(), observationCoder);
      this.maxAge = maxAge;
      this.lateness = lateness;
    }

    @ProcessElement
    public void processElement(
        @Element KV<String, RawUnionValue> signal,
        @Timestamp Instant timestamp,
        @StateId("waiting") MapState<KV<Instant, Long>, EnrichedTelemetry> waitingReadings,
        @StateId("waitingSeq") ValueState<Long> waitingSeq,
        @StateId("observations") MapState<Instant, WeatherObservation> observations,
        @StateId("flushAt") ValueState<Instant> flushAt,
        @StateId("holdAt") ValueState<Instant> holdAt,
        @StateId("flushedUntil") ValueState<Instant> flushedUntil,
        @StateId("pruneAt") ValueState<Instant> pruneAt,
        @TimerId("flush") Timer flush,
        @TimerId("prune") Timer prune) {
      if (signal.getValue().getUnionTag() == OBSERVATION_TAG) {
        WeatherObservation observation = (WeatherObservation) signal.getValue().getValue();
        Instant at = observation.getObservedAt();
        Instant flushed = flushedUntil.read();
        if (flushed != null && at.isBefore(flushed)) {
          afterJoin.inc(); // readings of its time may have been joined with an older one
        }
        if (observations.get(at).read() == null) {
          held.inc();
        }
        observations.put(at, observation);
        if (pruneAt.read() == null) {
          Instant target = at.plus(lateness);
          prune.withNoOutputTimestamp().set(target);
          pruneAt.write(target);
        }
        return;
      }
      EnrichedTelemetry reading = (EnrichedTelemetry) signal.getValue().getValue();
      Instant eventTime = reading.getTelemetry().getEventTime();
      Instant bucket = bucketOf(eventTime);
      Long seq = waitingSeq.read();
      long arrival = seq == null ? 0 : seq;
      waitingReadings.put(KV.of(eventTime, arrival), reading); // this reading only: O(1)
      waitingSeq.write(arrival + 1);
      waiting.inc();
      // Wait until the watermark passes the bucket's end; hold the watermark at the oldest reading.
      Instant target = bucket.plus(BUCKET);
      Instant currentTarget = flushAt.read();
      Instant currentHold = holdAt.read();
      if (currentTarget == null || target.isBefore(currentTarget) || timestamp.isBefore(currentHold)) {
        Instant newTarget = currentTarget == null || target.isBefore(currentTarget) ? target : currentTarget;
        Instant newHold = currentHold == null || timestamp.isBefore(currentHold) ? timestamp : currentHold;
        flush.withOutputTimestamp(newHold).set(newTarget);
        flushAt.write(newTarget);
        holdAt.write(newHold);
      }
    }

    @OnTimer("flush")
    public void onFlush(
        OnTimerContext context,
        @StateId("waiting") MapState<KV<Instant, Long>, EnrichedTelemetry> waitingReadings,
        @StateId("waitingSeq") ValueState<Long> waitingSeq,
        @StateId("observations") MapState<Instant, WeatherObservation> observations,
        @StateId("flushAt") ValueState<Instant> flushAt,
        @StateId("holdAt") ValueState<Instant> holdAt,
        @StateId("flushedUntil") ValueState<Instant> flushedUntil,
        @StateId("prunedBefore") ValueState<Instant> prunedBefore,
        @TimerId("flush") Timer flush) {
      Instant until = context.fireTimestamp();
      // The keys say which buckets are due; only their readings are read (and removed).
      List<KV<Instant, Long>> due = new ArrayList<>();
      Instant next = null;
      for (KV<Instant, Long> key : waitingReadings.keys().read()) {
        Instant bucket = bucketOf(key.getKey());
        if (bucket.plus(BUCKET).isAfter(until)) {
          next = next == null || bucket.isBefore(next) ? bucket : next;
        } else {
          due.add(key);
        }
      }
      if (!due.isEmpty()) {
        // Bucket by bucket, each in arrival order: as the per-bucket lists were.
        due.sort(BUCKET_THEN_ARRIVAL);
        TreeMap<Instant, WeatherObservation> byTime = read(observations);
        Instant cutOff = prunedBefore.read();
        for (KV<Instant, Long> key : due) {
          EnrichedTelemetry reading = waitingReadings.get(key).read();
          Instant at = reading.getTelemetry().getEventTime();
          context.outputWithTimestamp(reading.toBuilder().setWeather(validAt(at, byTime, cutOff)).build(), at);
          waitingReadings.remove(key);
          waiting.dec();
        }
      }
      Instant flushed = flushedUntil.read();
      if (flushed == null || until.isAfter(flushed)) {
        flushedUntil.write(until);
      }
      if (next == null) {
        flushAt.clear();
        holdAt.clear();
        waitingSeq.clear();
      } else {
        // Aligned buckets: the next one starts at or after this timer, so its start is a valid hold.
        flush.withOutputTimestamp(next).set(next.plus(BUCKET));
        flushAt.write(next.plus(BUCKET));
        holdAt.write(next);
      }
    }

    @OnTimer("prune")
    public void onPrune(
        OnTimerContext context,
        @StateId("observations") MapState<Instant, WeatherObservation> observations,
        @StateId("prunedBefore") ValueState<Instant> prunedBefore,
        @StateId("pruneAt") ValueState<Instant> pruneAt,
        @TimerId("prune") Timer prune) {
      // Readings still to come are at or after watermark - lateness: they need the newest
      // observation at or before that, and the later ones.
      TreeMap<Instant, WeatherObservation> byTime = read(observations);
      Instant keepFrom = byTime.floorKey(context.fireTimestamp().minus(lateness));
      if (keepFrom != null) {
        for (Instant at : new ArrayList<>(byTime.headMap(keepFrom).keySet())) {
          observations.remove(at);
          byTime.remove(at);
          held.dec();
        }
        prunedBefore.write(keepFrom);
      }
      Instant second = byTime.size() > 1 ? byTime.higherKey(byTime.firstKey()) : null;
      if (second == null) {
        pruneAt.clear();
      } else {
        Instant target = second.plus(lateness);
        prune.withNoOutputTimestamp().set(target);
        pruneAt.write(target);
      }
    }

    private @Nullable WeatherObservation validAt(
        Instant at, TreeMap<Instant, WeatherObservation> byTime, @Nullable Instant prunedBefore) {
      if (prunedBefore != null && at.isBefore(prunedBefore)) {
        pruned.inc();
        return null;
      }
      Map.Entry<Instant, WeatherObservation> valid = byTime.floorEntry(at);
      if (valid == null) {
        notObserved.inc();
        return null;
      }
      if (valid.getKey().isBefore(at.minus(maxAge))) {
        stale.inc();
        return null;
      }
      joined.inc();
      return valid.getValue();
    }

    private static TreeMap<Instant, WeatherObservation> read(
        MapState<Instant, WeatherObservation> observations) {
      TreeMap<Instant, WeatherObservation> byTime = new TreeMap<>();
      for (Map.Entry<Instant, WeatherObservation> e : observations.entries().read()) {
        byTime.put(e.getKey(), e.getValue());
      }
      return byTime;
    }

    private static Instant bucketOf(Instant at) {
      return new Instant(at.getMillis() - Math.floorMod(at.getMillis(), BUCKET.getMillis()));
    }

    /** Waiting readings by bucket, then arrival. */
    private static final Comparator<KV<Instant, Long>> BUCKET_THEN_ARRIVAL =
        Comparator.comparing((KV<Instant, Long> k) -> bucketOf(k.getKey())).thenComparing(KV::getValue);
  }
}
