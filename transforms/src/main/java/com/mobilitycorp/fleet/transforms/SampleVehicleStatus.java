package com.mobilitycorp.fleet.transforms;

import com.mobilitycorp.fleet.model.BookingEvent;
import com.mobilitycorp.fleet.model.EnrichedTelemetry;
import com.mobilitycorp.fleet.model.VehicleStatus;
import com.mobilitycorp.fleet.model.VehicleStatusSample;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.beam.sdk.coders.BooleanCoder;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.InstantCoder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.ListCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.schemas.NoSuchSchemaException;
import org.apache.beam.sdk.state.MapState;
import org.apache.beam.sdk.state.StateSpec;
import org.apache.beam.sdk.state.StateSpecs;
import org.apache.beam.sdk.state.TimeDomain;
import org.apache.beam.sdk.state.Timer;
import org.apache.beam.sdk.state.TimerMap;
import org.apache.beam.sdk.state.TimerSpec;
import org.apache.beam.sdk.state.TimerSpecs;
import org.apache.beam.sdk.state.ValueState;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.WithKeys;
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
 * Enriched readings with the vehicle's status at their event time: the inventory's rule ({@link
 * TrackVehicleInventory}: the newest booking event at or before the reading decides, else the
 * reading's operational status), for the utilization rollups. Per vehicle_id, in event time.
 *
 * <p><b>Readings.</b> A reading waits until the watermark passes its event time: by then every
 * booking event up to it has arrived, in whatever order, so its status is right under disorder.
 * Its location is where the vehicle belongs: the zone of that booking event (pick-up, or return),
 * else the vehicle's home location, else "unknown"; its type comes from the vehicle metadata
 * ("unknown" without). Output on {@link #SAMPLES} with the reading's event time as timestamp.
 *
 * <p><b>Spans</b> (time-weighted utilization). A reading's status holds until the vehicle's next
 * reading, for at most {@link #withMaxSpan} (10 minutes: a longer silence says nothing), and is
 * cut at the hour's end; the rest of a cut span carries into the next hour. Each span is emitted
 * on {@link #SAMPLES} ({@link VehicleStatusSample#getReading} false), timestamped inside its hour,
 * once its end is settled: when the watermark has passed it by the allowed lateness, so that every
 * reading within the lateness is in place whatever the order of arrival ({@link SettleSpansFn}).
 * The spans are therefore the same in every run, also after a restore. A reading later than that
 * (its hour still open) counts as a reading but adds no span. The readings alone are also on
 * {@link #LABELLED_READINGS}, without that delay.
 *
 * <p><b>Lateness.</b> A reading is beyond the lateness when the watermark has passed the end of
 * its hour plus the allowed lateness, as the vehicle's timers have seen it: every hour a vehicle
 * reports in sets a timer at that moment, so for those hours the judgement is exact. Such a reading
 * goes to {@link #BEYOND_LATENESS}, counted ({@code utilization_readings_beyond_lateness}). The
 * imprecision is on the side of counting: a late reading for an hour in which the vehicle had not
 * reported at all passes (the hourly windows accept it for the lateness plus a span, and Beam counts
 * what comes later still as {@code droppedDueToLateness}). A booking event that arrives after
 * readings of its time were released does not relabel them (counted: {@code
 * utilization_bookings_after_release}).
 *
 * <p><b>Bounded state.</b> Per vehicle: readings still waiting, the booking events a reading
 * within the lateness could need (those of the last hour plus lateness, and the newest before),
 * the close timers of at most two hours and the vehicle's clock; the spans' state is {@link
 * SettleSpansFn}'s, and empties by itself. A vehicle with nothing waiting, that was never
 * booked, holds only its clock ({@code
 * utilization_vehicles_with_state} goes down); a booked one keeps its newest booking event, for
 * its location. A vehicle silent for the idle expiry (7 days) is forgotten entirely.
 *
 * <p><b>State layout</b> (every access is serialised on Flink's RocksDB backend). A waiting
 * reading is one map entry, keyed by its event time and arrival number: written once when it
 * arrives, read once and removed when it is released. A release scans only the small keys to find
 * what is due (no reading is decoded to decide), so no element rewrites the vehicle's buffer
 * (before: a list rewritten whole on every reading, O(n) per reading and O(n^2) per buffer). The
 * booking events stay one small sorted list: a few per vehicle, rewritten only when one arrives or
 * is pruned. Whether anything waits is read from the small release time that goes with the
 * readings, not by decoding them.
 */
public final class SampleVehicleStatus extends PTransform<PCollectionTuple, PCollectionTuple> {

  /** Input: enriched telemetry (de-duplicated). */
  public static final TupleTag<EnrichedTelemetry> READINGS = new TupleTag<EnrichedTelemetry>() {};

  /** Input: booking events (de-duplicated). */
  public static final TupleTag<BookingEvent> BOOKINGS = new TupleTag<BookingEvent>() {};

  /**
   * Output: readings with their status and the spans of vehicle-time they stand for, for the
   * hourly rollup. Its watermark trails the input's by the allowed lateness (the spans wait).
   */
  public static final TupleTag<VehicleStatusSample> SAMPLES =
      new TupleTag<VehicleStatusSample>() {};

  /**
   * Output: the readings with their status only, as soon as the watermark passes them, for live
   * metrics (the readings of {@link #SAMPLES}, without the spans' delay).
   */
  public static final TupleTag<VehicleStatusSample> LABELLED_READINGS =
      new TupleTag<VehicleStatusSample>() {};

  /** Output: readings whose hour had closed. */
  public static final TupleTag<EnrichedTelemetry> BEYOND_LATENESS =
      new TupleTag<EnrichedTelemetry>() {};

  public static final Duration DEFAULT_MAX_SPAN = Duration.standardMinutes(10);
  public static final Duration DEFAULT_ALLOWED_LATENESS = Duration.standardMinutes(5);
  public static final Duration DEFAULT_IDLE_EXPIRY = Duration.standardDays(7);
  static final long HOUR_MILLIS = Duration.standardHours(1).getMillis();
  static final String UNKNOWN = "unknown";

  private static final int READING_TAG = 0;
  private static final int BOOKING_TAG = 1;

  private final Duration maxSpan;
  private final Duration lateness;
  private final Duration idleExpiry;

  private SampleVehicleStatus(Duration maxSpan, Duration lateness, Duration idleExpiry) {
    this.maxSpan = maxSpan;
    this.lateness = lateness;
    this.idleExpiry = idleExpiry;
  }

  public static SampleVehicleStatus create() {
    return new SampleVehicleStatus(DEFAULT_MAX_SPAN, DEFAULT_ALLOWED_LATENESS, DEFAULT_IDLE_EXPIRY);
  }

  /** A reading's status stands for at most this long when the next reading is later. */
  public SampleVehicleStatus withMaxSpan(Duration span) {
    return new SampleVehicleStatus(span, lateness, idleExpiry);
  }

  /** How long after its hour's end a reading still counts. */
  public SampleVehicleStatus withAllowedLateness(Duration allowedLateness) {
    return new SampleVehicleStatus(maxSpan, allowedLateness, idleExpiry);
  }

  public SampleVehicleStatus withIdleExpiry(Duration expiry) {
    return new SampleVehicleStatus(maxSpan, lateness, expiry);
  }

  @Override
  public PCollectionTuple expand(PCollectionTuple input) {
    PCollection<EnrichedTelemetry> readings = input.get(READINGS);
    PCollection<BookingEvent> bookings = input.get(BOOKINGS);
    KvCoder<String, RawUnionValue> signalCoder = KvCoder.of(StringUtf8Coder.of(),
        UnionCoder.of(List.<Coder<?>>of(readings.getCoder(), bookings.getCoder())));
    TypeDescriptor<KV<String, RawUnionValue>> signalType =
        TypeDescriptors.kvs(TypeDescriptors.strings(), TypeDescriptor.of(RawUnionValue.class));
    PCollection<KV<String, RawUnionValue>> readingSignals = readings
        .apply("ReadingsAsSignals", MapElements.into(signalType)
            .via(r -> KV.of(r.vehicleId(), new RawUnionValue(READING_TAG, r))))
        .setCoder(signalCoder);
    PCollection<KV<String, RawUnionValue>> bookingSignals = bookings
        .apply("BookingsAsSignals", MapElements.into(signalType)
            .via(e -> KV.of(e.getVehicleId(), new RawUnionValue(BOOKING_TAG, e))))
        .setCoder(signalCoder);
    Coder<VehicleStatusSample> sampleCoder;
    try {
      sampleCoder = input.getPipeline().getSchemaRegistry().getSchemaCoder(VehicleStatusSample.class);
    } catch (NoSuchSchemaException e) {
      throw new IllegalStateException("VehicleStatusSample must have a Beam schema", e);
    }
    PCollectionTuple labelled = PCollectionList.of(readingSignals).and(bookingSignals)
        .apply("MergeSignalsPerVehicle", Flatten.pCollections())
        .apply("LabelEachVehicle", ParDo.of(new LabelFn(lateness, idleExpiry,
                readings.getCoder(), bookings.getCoder()))
            .withOutputTags(LABELLED_READINGS, TupleTagList.of(BEYOND_LATENESS)));
    PCollection<VehicleStatusSample> labelledReadings =
        labelled.get(LABELLED_READINGS).setCoder(sampleCoder);
    labelled.get(BEYOND_LATENESS).setCoder(readings.getCoder());
    PCollection<VehicleStatusSample> spans = labelledReadings
        .apply("KeyReadingsByVehicle", WithKeys.<String, VehicleStatusSample>of(
                VehicleStatusSample::getVehicleId)
            .withKeyType(TypeDescriptors.strings()))
        .setCoder(KvCoder.of(StringUtf8Coder.of(), sampleCoder))
        .apply("SettleSpans", ParDo.of(new SettleSpansFn(maxSpan, lateness, sampleCoder)))
        .setCoder(sampleCoder);
    PCollection<VehicleStatusSample> samples = PCollectionList.of(labelledReadings).and(spans)
        .apply("ReadingsAndSpans", Flatten.pCollections());
    return PCollectionTuple.of(SAMPLES, samples)
        .and(LABELLED_READINGS, labelledReadings)
        .and(BEYOND_LATENESS, labelled.get(BEYOND_LATENESS));
  }

  static long hourStart(long t) {
    return t - Math.floorMod(t, HOUR_MILLIS);
  }

  /** Per vehicle: booking events and readings waiting for the watermark; labels the readings. */
  static final class LabelFn extends DoFn<KV<String, RawUnionValue>, VehicleStatusSample> {
    private static final long serialVersionUID = 1L;

    private final Counter released = Metrics.counter(SampleVehicleStatus.class, "utilization_readings_sampled");
    private final Counter beyondLateness =
        Metrics.counter(SampleVehicleStatus.class, "utilization_readings_beyond_lateness");
    private final Counter bookingsAfterRelease =
        Metrics.counter(SampleVehicleStatus.class, "utilization_bookings_after_release");
    private final Counter vehiclesWithState =
        Metrics.counter(SampleVehicleStatus.class, "utilization_vehicles_with_state");
    /** Readings held in {@code pending} (a gauge: up when one is put, down when it is removed). */
    private final Counter readingsWaiting =
        Metrics.counter(SampleVehicleStatus.class, "utilization_readings_waiting");

    private final long latenessMillis;
    private final long idleExpiryMillis;

    /** The vehicle's booking events a reading could still need, in {@code BOOKING_ORDER}. */
    @StateId("bookings")
    private final StateSpec<ValueState<List<BookingEvent>>> bookingsSpec;

    /**
     * Readings waiting for the watermark, one entry each: (event time, arrival number) -> reading.
     * The arrival number keeps equal readings apart (a duplicate is released twice, as it came)
     * and keeps their arrival order.
     */
    @StateId("pending")
    private final StateSpec<MapState<KV<Instant, Long>, EnrichedTelemetry>> pendingSpec;

    /** The arrival number of the next waiting reading; absent while nothing waits. */
    @StateId("pendingSeq")
    private final StateSpec<ValueState<Long>> pendingSeqSpec = StateSpecs.value(VarLongCoder.of());

    /**
     * True while the vehicle holds readings or bookings (the gauge's view): one small
     * read per element instead of decoding the lists to find out.
     */
    @StateId("tracked")
    private final StateSpec<ValueState<Boolean>> trackedSpec = StateSpecs.value(BooleanCoder.of());

    /** When the release timer is set for; absent = nothing pending (read instead of the map). */
    @StateId("releaseAt")
    private final StateSpec<ValueState<Instant>> releaseAtSpec = StateSpecs.value(InstantCoder.of());

    /** The latest timer time that fired: the watermark has passed it. */
    @StateId("clock")
    private final StateSpec<ValueState<Instant>> clockSpec = StateSpecs.value(InstantCoder.of());

    @TimerId("release")
    private final TimerSpec releaseSpec = TimerSpecs.timer(TimeDomain.EVENT_TIME);

    @TimerId("expire")
    private final TimerSpec expireSpec = TimerSpecs.timer(TimeDomain.EVENT_TIME);

    /**
     * Per hour the vehicle reported in (id = the hour's start): fires when the watermark reaches
     * the hour's end + the lateness, so the vehicle's clock knows exactly when that hour closed.
     */
    @TimerFamily("closeHour")
    private final TimerSpec closeHourSpec = TimerSpecs.timerMap(TimeDomain.EVENT_TIME);

    LabelFn(Duration lateness, Duration idleExpiry,
        Coder<EnrichedTelemetry> readingCoder, Coder<BookingEvent> bookingCoder) {
      this.latenessMillis = lateness.getMillis();
      this.idleExpiryMillis = idleExpiry.getMillis();
      this.bookingsSpec = StateSpecs.value(ListCoder.of(bookingCoder));
      this.pendingSpec = StateSpecs.map(
          KvCoder.of(InstantCoder.of(), VarLongCoder.of()), readingCoder);
    }

    @ProcessElement
    public void processElement(
        @Element KV<String, RawUnionValue> signal,
        @StateId("bookings") ValueState<List<BookingEvent>> bookingsState,
        @StateId("pending") MapState<KV<Instant, Long>, EnrichedTelemetry> pendingState,
        @StateId("pendingSeq") ValueState<Long> pendingSeq,
        @StateId("releaseAt") ValueState<Instant> releaseAt,
        @StateId("clock") ValueState<Instant> clockState,
        @StateId("tracked") ValueState<Boolean> tracked,
        @TimerId("release") Timer release,
        @TimerId("expire") Timer expire,
        @TimerFamily("closeHour") TimerMap closeHour,
        MultiOutputReceiver out) {
      Instant clock = clockState.read();
      Instant eventTime;
      if (signal.getValue().getUnionTag() == BOOKING_TAG) {
        BookingEvent booking = (BookingEvent) signal.getValue().getValue();
        eventTime = booking.getEventTime();
        if (clock != null && !booking.getEventTime().isAfter(clock)) {
          bookingsAfterRelease.inc(); // readings of its time may already be labelled
        }
        List<BookingEvent> bookings = orEmpty(bookingsState.read());
        if (bookings.stream().noneMatch(b -> b.getEventId().equals(booking.getEventId()))) {
          bookings.add(booking);
          bookings.sort(TrackVehicleInventory.BOOKING_ORDER);
          bookingsState.write(bookings);
        }
      } else {
        EnrichedTelemetry reading = (EnrichedTelemetry) signal.getValue().getValue();
        eventTime = reading.getTelemetry().getEventTime();
        long hourEnd = hourStart(eventTime.getMillis()) + HOUR_MILLIS;
        long closesAt = hourEnd + latenessMillis - 1; // a timer fires once the watermark is past
        if (clock != null && closesAt <= clock.getMillis()) {
          beyondLateness.inc(); // its hour's rollup is final
          out.get(BEYOND_LATENESS).output(reading);
          return;
        }
        closeHour.set(Long.toString(hourEnd - HOUR_MILLIS), new Instant(closesAt));
        Long seq = pendingSeq.read();
        long arrival = seq == null ? 0 : seq;
        pendingState.put(KV.of(eventTime, arrival), reading); // this reading only: O(1)
        pendingSeq.write(arrival + 1);
        readingsWaiting.inc();
        Instant scheduled = releaseAt.read();
        // Only ever earlier, and then at this reading's own time (never before the element).
        if (scheduled == null || eventTime.isBefore(scheduled)) {
          release.set(eventTime);
          releaseAt.write(eventTime);
        }
      }
      if (tracked.read() == null) {
        tracked.write(true);
        vehiclesWithState.inc();
      }
      expire.set(eventTime.plus(Duration.millis(idleExpiryMillis)));
    }

    @OnTimer("release")
    public void onRelease(
        OnTimerContext context,
        @StateId("bookings") ValueState<List<BookingEvent>> bookingsState,
        @StateId("pending") MapState<KV<Instant, Long>, EnrichedTelemetry> pendingState,
        @StateId("pendingSeq") ValueState<Long> pendingSeq,
        @StateId("releaseAt") ValueState<Instant> releaseAt,
        @StateId("clock") ValueState<Instant> clockState,
        @StateId("tracked") ValueState<Boolean> tracked,
        @TimerId("release") Timer release,
        MultiOutputReceiver out) {
      Instant now = context.fireTimestamp();
      advanceClock(clockState, now);
      // The keys say what is due; only the due readings are read (and removed).
      WaitingEntries.Taken<EnrichedTelemetry> taken = WaitingEntries.takeDue(pendingState, now);
      List<EnrichedTelemetry> due = taken.due();
      readingsWaiting.dec(due.size());
      Instant next = taken.next();
      // Stable: readings equal in this order stay in arrival order.
      due.sort((a, b) -> TrackVehicleInventory.TELEMETRY_ORDER.compare(a.getTelemetry(), b.getTelemetry()));
      List<BookingEvent> stored = bookingsState.read();
      List<BookingEvent> bookings = orEmpty(stored);
      for (EnrichedTelemetry r : due) {
        released.inc();
        out.get(LABELLED_READINGS).output(label(r, bookings));
      }
      pruneBookings(bookingsState, bookings, now.getMillis());
      if (next == null) {
        releaseAt.clear();
        pendingSeq.clear();
        // Pruning keeps the newest booking event, so a booked vehicle keeps state.
        untrackIfEmpty(stored != null, releaseAt, tracked); // the clock stays: it judges lateness
      } else {
        release.set(next);
        releaseAt.write(next);
      }
    }

    @OnTimerFamily("closeHour")
    public void onCloseHour(
        OnTimerContext context,
        @StateId("bookings") ValueState<List<BookingEvent>> bookingsState,
        @StateId("clock") ValueState<Instant> clockState) {
      Instant now = context.fireTimestamp();
      advanceClock(clockState, now);
      // No reading of the closed hour can come any more: its booking events may go. Pruning keeps
      // the newest, so a booked vehicle keeps state (and stays in the gauge) until it expires.
      List<BookingEvent> bookings = bookingsState.read();
      if (bookings != null) {
        pruneBookings(bookingsState, new ArrayList<>(bookings), now.getMillis());
      }
    }

    @OnTimer("expire")
    public void onExpire(
        @StateId("bookings") ValueState<List<BookingEvent>> bookingsState,
        @StateId("pending") MapState<KV<Instant, Long>, EnrichedTelemetry> pendingState,
        @StateId("pendingSeq") ValueState<Long> pendingSeq,
        @StateId("releaseAt") ValueState<Instant> releaseAt,
        @StateId("clock") ValueState<Instant> clockState,
        @StateId("tracked") ValueState<Boolean> tracked) {
      if (tracked.read() != null) {
        vehiclesWithState.dec();
      }
      if (releaseAt.read() != null) { // readings still waiting: none in practice (released first)
        for (KV<Instant, Long> ignored : pendingState.keys().read()) {
          readingsWaiting.dec();
        }
      }
      tracked.clear();
      bookingsState.clear();
      pendingState.clear();
      pendingSeq.clear();
      releaseAt.clear();
      clockState.clear();
    }

    /** The newest booking event at or before t decides; else the reading's own status. */
    private static VehicleStatusSample label(EnrichedTelemetry r, List<BookingEvent> bookings) {
      Instant t = r.getTelemetry().getEventTime();
      BookingEvent decisive = null;
      for (BookingEvent b : bookings) {
        if (b.getEventTime().isAfter(t)) {
          break;
        }
        decisive = b;
      }
      VehicleStatus status = TrackVehicleInventory.TrackVehicleFn.statusOf(r.getTelemetry(), decisive);
      String location = decisive != null ? decisive.getLocationId()
          : r.getVehicle() != null ? r.getVehicle().getHomeLocationId() : UNKNOWN;
      String type = r.getVehicle() == null
          ? UNKNOWN : r.getVehicle().getVehicleType().name().toLowerCase(Locale.ROOT);
      return VehicleStatusSample.reading(
          r.vehicleId(), t, status, location, type, r.getTelemetry().getBatteryPct());
    }

    /**
     * Keeps what a reading within the lateness could need: events of the last hour plus the
     * lateness, and the newest before them.
     */
    private void pruneBookings(ValueState<List<BookingEvent>> state, List<BookingEvent> bookings,
        long now) {
      long horizon = hourStart(now - latenessMillis);
      int firstKept = 0;
      for (int i = 0; i < bookings.size(); i++) {
        if (bookings.get(i).getEventTime().getMillis() < horizon) {
          firstKept = i; // the newest before the horizon stays
        }
      }
      // The newest event stays even when its booking has ended: the vehicle belongs where it was
      // returned until its next booking (as the inventory keeps the location).
      if (firstKept > 0) {
        state.write(new ArrayList<>(bookings.subList(firstKept, bookings.size())));
      }
    }

    private static void advanceClock(ValueState<Instant> clockState, Instant now) {
      Instant clock = clockState.read();
      if (clock == null || now.isAfter(clock)) {
        clockState.write(now);
      }
    }

    /**
     * Ends the vehicle's count in the gauge once it holds no readings or bookings: readings wait
     * exactly while a release is scheduled.
     */
    private void untrackIfEmpty(boolean hasBookings, ValueState<Instant> releaseAt,
        ValueState<Boolean> tracked) {
      if (hasBookings) {
        return;
      }
      if (tracked.read() != null && releaseAt.read() == null) {
        tracked.clear();
        vehiclesWithState.dec();
      }
    }

    private static <T> List<T> orEmpty(@Nullable List<T> list) {
      return list == null ? new ArrayList<>() : new ArrayList<>(list);
    }
  }
}
