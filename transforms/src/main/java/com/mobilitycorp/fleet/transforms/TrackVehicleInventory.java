package com.mobilitycorp.fleet.transforms;

import com.mobilitycorp.fleet.model.BookingEvent;
import com.mobilitycorp.fleet.model.BookingEventType;
import com.mobilitycorp.fleet.model.InventoryUpdate;
import com.mobilitycorp.fleet.model.InventoryUpdateReason;
import com.mobilitycorp.fleet.model.TelemetryEvent;
import com.mobilitycorp.fleet.model.VehicleStatus;
import java.util.Comparator;
import java.util.List;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarLongCoder;
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
import org.apache.beam.sdk.values.TypeDescriptor;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * The vehicle inventory: joins de-duplicated telemetry with booking events per vehicle_id, in event
 * time, into the current availability of every vehicle ({@link InventoryUpdate}).
 *
 * <p><b>Rule</b> (see {@link TrackVehicleInventoryModel}). A vehicle's state is its newest
 * telemetry and its newest booking event, "newest" by event time, whatever order they arrive in.
 * This is the seed's interval join evaluated at the vehicle's newest instant: a booking holds the
 * vehicle over [booking_created, return_completed or booking_cancelled), reserved until
 * rental_started, then on trip; outside a booking the telemetry's operational_status decides
 * (operational: available, anything else: non_operational). Booking events of one vehicle with
 * equal event time are ordered by booking start (a new booking after a return in the same
 * millisecond wins), then lifecycle order, then event id.
 *
 * <p><b>Publishing.</b> A change of status, booking or location is published at once, so a return
 * is visible as soon as its event reaches the job (no waiting for the watermark). Position, battery
 * and range changes alone are published at most once per vehicle per refresh interval (processing
 * time): the newest values at the end of an interval are flushed by a timer, never dropped. Each
 * update carries {@code as_of} (event time of the newest information) and a per-vehicle {@code
 * revision}: the number of inputs the vehicle's state has taken in (events, and ended bookings
 * settling), so it rises with every update, and an update that has seen all of a vehicle's input
 * ranks highest even when a replay after a failure published a different sequence before it. A
 * late event that changes the status yields a {@link InventoryUpdateReason#LATE_CORRECTION} with
 * a higher revision.
 *
 * <p><b>No windows.</b> Status is state in the global window, so an event arriving behind the
 * watermark, even beyond the allowed lateness, still updates the vehicle when it is newer than what
 * the state holds (a return delivered 8 minutes late still frees the vehicle). Such events are
 * counted: {@code events_beyond_lateness} (older than the vehicle's newest event time by more than
 * the allowed lateness, so certainly behind the watermark) and {@code
 * events_beyond_lateness_applied}.
 *
 * <p><b>Bounded state.</b> An ended booking (returned or cancelled) is forgotten once the watermark
 * has passed its end by the allowed lateness; only its end time is kept, so that older stragglers
 * are still recognised as older. A vehicle that sends nothing for the idle expiry (default 7 days
 * of event time) is forgotten entirely; its next event starts it afresh.
 */
public final class TrackVehicleInventory
    extends PTransform<PCollectionTuple, PCollection<InventoryUpdate>> {

  /** Input tag: de-duplicated telemetry. */
  public static final TupleTag<TelemetryEvent> TELEMETRY = new TupleTag<TelemetryEvent>() {};

  /** Input tag: de-duplicated booking events. */
  public static final TupleTag<BookingEvent> BOOKINGS = new TupleTag<BookingEvent>() {};

  public static final Duration DEFAULT_REFRESH_INTERVAL = Duration.standardSeconds(30);
  public static final Duration DEFAULT_ALLOWED_LATENESS = Duration.standardMinutes(5);
  public static final Duration DEFAULT_IDLE_EXPIRY = Duration.standardDays(7);

  private static final int TELEMETRY_UNION_TAG = 0;
  private static final int BOOKING_UNION_TAG = 1;

  private final Duration refreshInterval;
  private final Duration allowedLateness;
  private final Duration idleExpiry;

  private TrackVehicleInventory(
      Duration refreshInterval, Duration allowedLateness, Duration idleExpiry) {
    this.refreshInterval = refreshInterval;
    this.allowedLateness = allowedLateness;
    this.idleExpiry = idleExpiry;
  }

  /** With the defaults: 30 s refresh interval, 5 min allowed lateness, 7 days idle expiry. */
  public static TrackVehicleInventory create() {
    return new TrackVehicleInventory(
        DEFAULT_REFRESH_INTERVAL, DEFAULT_ALLOWED_LATENESS, DEFAULT_IDLE_EXPIRY);
  }

  /** Position/battery-only changes are published at most once per vehicle per this interval. */
  public TrackVehicleInventory withRefreshInterval(Duration interval) {
    checkPositive("refresh interval", interval);
    return new TrackVehicleInventory(interval, allowedLateness, idleExpiry);
  }

  /** How late (event time) an event may be and still count as in time; also booking retention. */
  public TrackVehicleInventory withAllowedLateness(Duration lateness) {
    checkPositive("allowed lateness", lateness);
    return new TrackVehicleInventory(refreshInterval, lateness, idleExpiry);
  }

  /** A vehicle silent for this long (event time) is forgotten. */
  public TrackVehicleInventory withIdleExpiry(Duration expiry) {
    checkPositive("idle expiry", expiry);
    return new TrackVehicleInventory(refreshInterval, allowedLateness, expiry);
  }

  private static void checkPositive(String what, Duration value) {
    if (!value.isLongerThan(Duration.ZERO)) {
      throw new IllegalArgumentException(what + " must be positive, was " + value);
    }
  }

  @Override
  public PCollection<InventoryUpdate> expand(PCollectionTuple input) {
    PCollection<TelemetryEvent> telemetry = input.get(TELEMETRY);
    PCollection<BookingEvent> bookings = input.get(BOOKINGS);
    // One stream of tagged signals per vehicle: Beam's join union, as CoGroupByKey uses it.
    KvCoder<String, RawUnionValue> signalCoder =
        KvCoder.of(
            StringUtf8Coder.of(),
            UnionCoder.of(List.<Coder<?>>of(telemetry.getCoder(), bookings.getCoder())));
    TypeDescriptor<KV<String, RawUnionValue>> signalType =
        TypeDescriptors.kvs(TypeDescriptors.strings(), TypeDescriptor.of(RawUnionValue.class));
    PCollection<KV<String, RawUnionValue>> telemetrySignals =
        telemetry
            .apply(
                "TelemetryAsSignals",
                MapElements.into(signalType)
                    .via(e -> KV.of(e.getVehicleId(), new RawUnionValue(TELEMETRY_UNION_TAG, e))))
            .setCoder(signalCoder);
    PCollection<KV<String, RawUnionValue>> bookingSignals =
        bookings
            .apply(
                "BookingsAsSignals",
                MapElements.into(signalType)
                    .via(e -> KV.of(e.getVehicleId(), new RawUnionValue(BOOKING_UNION_TAG, e))))
            .setCoder(signalCoder);
    return PCollectionList.of(telemetrySignals)
        .and(bookingSignals)
        .apply("MergeSignalsPerVehicle", Flatten.pCollections())
        .apply(
            "TrackEachVehicle",
            ParDo.of(new TrackVehicleFn(refreshInterval, allowedLateness, idleExpiry)));
  }

  /** Total order of one vehicle's booking events: event time, booking start, lifecycle, id. */
  static final Comparator<BookingEvent> BOOKING_ORDER =
      Comparator.comparing(BookingEvent::getEventTime)
          .thenComparing(BookingEvent::getBookingStart)
          .thenComparingInt(e -> lifecycleRank(e.getEventType()))
          .thenComparing(BookingEvent::getEventId);

  /** Total order of one vehicle's telemetry: event time, then id. */
  static final Comparator<TelemetryEvent> TELEMETRY_ORDER =
      Comparator.comparing(TelemetryEvent::getEventTime).thenComparing(TelemetryEvent::getEventId);

  static int lifecycleRank(BookingEventType type) {
    switch (type) {
      case BOOKING_CREATED:
        return 0;
      case RENTAL_STARTED:
        return 1;
      default:
        return 2; // cancelled or returned: the booking's end
    }
  }

  static boolean isOpen(BookingEvent booking) {
    return booking.getEventType() == BookingEventType.BOOKING_CREATED
        || booking.getEventType() == BookingEventType.RENTAL_STARTED;
  }

  /** The per-vehicle state machine. */
  static final class TrackVehicleFn extends DoFn<KV<String, RawUnionValue>, InventoryUpdate> {
    private static final long serialVersionUID = 1L;

    private final Counter statusChanges =
        Metrics.counter(TrackVehicleInventory.class, "status_changes");
    private final Counter lateCorrections =
        Metrics.counter(TrackVehicleInventory.class, "late_corrections");
    private final Counter positionRefreshes =
        Metrics.counter(TrackVehicleInventory.class, "position_refreshes");
    private final Counter staleEvents =
        Metrics.counter(TrackVehicleInventory.class, "stale_events_ignored");
    private final Counter beyondLateness =
        Metrics.counter(TrackVehicleInventory.class, "events_beyond_lateness");
    private final Counter beyondLatenessApplied =
        Metrics.counter(TrackVehicleInventory.class, "events_beyond_lateness_applied");
    private final Counter bookingsSettled =
        Metrics.counter(TrackVehicleInventory.class, "bookings_settled");
    private final Counter vehiclesTracked =
        Metrics.counter(TrackVehicleInventory.class, "vehicles_tracked");

    private final Duration refreshInterval;
    private final Duration allowedLateness;
    private final Duration idleExpiry;

    @StateId("telemetry")
    private final StateSpec<ValueState<TelemetryEvent>> telemetrySpec = StateSpecs.value();

    /** The newest booking event while its booking matters (open, or ended within lateness). */
    @StateId("booking")
    private final StateSpec<ValueState<BookingEvent>> bookingSpec = StateSpecs.value();

    /** End time of the newest booking already forgotten: anything older is stale. */
    @StateId("settledUntil")
    private final StateSpec<ValueState<Instant>> settledUntilSpec = StateSpecs.value();

    /** Location of the newest booking event, kept after the booking is forgotten. */
    @StateId("locationId")
    private final StateSpec<ValueState<String>> locationIdSpec = StateSpecs.value();

    @StateId("published")
    private final StateSpec<ValueState<InventoryUpdate>> publishedSpec = StateSpecs.value();

    /**
     * How many inputs (events, and ended bookings settling) the vehicle's state has taken in: an
     * update's revision. Not a count of updates: after a restore from a checkpoint the replay can
     * publish a different, coarser sequence (publishing is paced in processing time, and the two
     * input topics interleave differently), and a count of updates would then give an older update
     * from before the failure a higher revision than the newest one after it. Counted inputs give
     * the update that has seen everything the highest revision in any run.
     */
    @StateId("inputsSeen")
    private final StateSpec<ValueState<Long>> inputsSeenSpec = StateSpecs.value(VarLongCoder.of());

    /** True while a refresh interval runs: position-only changes wait for its timer. */
    @StateId("refreshPending")
    private final StateSpec<ValueState<Boolean>> refreshPendingSpec = StateSpecs.value();

    @TimerId("refresh")
    private final TimerSpec refreshSpec = TimerSpecs.timer(TimeDomain.PROCESSING_TIME);

    @TimerId("settleBooking")
    private final TimerSpec settleBookingSpec = TimerSpecs.timer(TimeDomain.EVENT_TIME);

    @TimerId("idleExpiry")
    private final TimerSpec idleExpirySpec = TimerSpecs.timer(TimeDomain.EVENT_TIME);

    TrackVehicleFn(Duration refreshInterval, Duration allowedLateness, Duration idleExpiry) {
      this.refreshInterval = refreshInterval;
      this.allowedLateness = allowedLateness;
      this.idleExpiry = idleExpiry;
    }

    @ProcessElement
    public void processElement(
        @Element KV<String, RawUnionValue> signal,
        @StateId("telemetry") ValueState<TelemetryEvent> telemetryState,
        @StateId("booking") ValueState<BookingEvent> bookingState,
        @StateId("settledUntil") ValueState<Instant> settledUntilState,
        @StateId("locationId") ValueState<String> locationIdState,
        @StateId("published") ValueState<InventoryUpdate> publishedState,
        @StateId("refreshPending") ValueState<Boolean> refreshPendingState,
        @StateId("inputsSeen") ValueState<Long> inputsSeenState,
        @TimerId("refresh") Timer refresh,
        @TimerId("settleBooking") Timer settleBooking,
        @TimerId("idleExpiry") Timer idleExpiryTimer,
        OutputReceiver<InventoryUpdate> out) {
      String vehicleId = signal.getKey();
      long inputsSeen = countInput(inputsSeenState);
      TelemetryEvent telemetry = telemetryState.read();
      BookingEvent booking = bookingState.read();
      Instant settledUntil = settledUntilState.read();
      InventoryUpdate published = publishedState.read();
      Instant newestBefore = newest(telemetry, booking, settledUntil);
      if (newestBefore == null) {
        vehiclesTracked.inc();
      }

      Instant eventTime;
      boolean applied;
      RawUnionValue union = signal.getValue();
      if (union.getUnionTag() == TELEMETRY_UNION_TAG) {
        TelemetryEvent event = (TelemetryEvent) union.getValue();
        eventTime = event.getEventTime();
        applied = telemetry == null || TELEMETRY_ORDER.compare(event, telemetry) > 0;
        if (applied) {
          telemetry = event;
          telemetryState.write(event);
        }
      } else {
        BookingEvent event = (BookingEvent) union.getValue();
        eventTime = event.getEventTime();
        applied =
            (booking == null || BOOKING_ORDER.compare(event, booking) > 0)
                && (settledUntil == null || event.getEventTime().isAfter(settledUntil));
        if (applied) {
          booking = event;
          bookingState.write(event);
          locationIdState.write(event.getLocationId());
          if (!isOpen(event)) {
            // Forget the ended booking once nothing within the lateness can reorder it.
            settleBooking.withNoOutputTimestamp().set(event.getEventTime().plus(allowedLateness));
          }
        }
      }

      boolean beyond =
          newestBefore != null && eventTime.isBefore(newestBefore.minus(allowedLateness));
      if (beyond) {
        beyondLateness.inc();
      }
      if (!applied) {
        staleEvents.inc();
        return;
      }
      if (beyond) {
        beyondLatenessApplied.inc();
      }
      Instant newest = newest(telemetry, booking, settledUntil);
      idleExpiryTimer.withNoOutputTimestamp().set(newest.plus(idleExpiry));

      InventoryUpdate current =
          currentState(vehicleId, telemetry, booking, locationIdState.read(), newest);
      if (published == null || !current.sameStatusAs(published)) {
        boolean correction = published != null && eventTime.isBefore(published.getAsOf());
        publish(
            current,
            correction ? InventoryUpdateReason.LATE_CORRECTION : InventoryUpdateReason.STATUS_CHANGE,
            inputsSeen, publishedState, refreshPendingState, refresh, out);
      } else if (!current.sameStateAs(published) && refreshPendingState.read() == null) {
        publish(
            current, InventoryUpdateReason.POSITION_REFRESH,
            inputsSeen, publishedState, refreshPendingState, refresh, out);
      }
      // Otherwise nothing new, or a refresh interval is running and its timer will publish.
    }

    @OnTimer("refresh")
    public void onRefresh(
        @Key String vehicleId,
        @StateId("telemetry") ValueState<TelemetryEvent> telemetryState,
        @StateId("booking") ValueState<BookingEvent> bookingState,
        @StateId("settledUntil") ValueState<Instant> settledUntilState,
        @StateId("locationId") ValueState<String> locationIdState,
        @StateId("published") ValueState<InventoryUpdate> publishedState,
        @StateId("refreshPending") ValueState<Boolean> refreshPendingState,
        @StateId("inputsSeen") ValueState<Long> inputsSeenState,
        @TimerId("refresh") Timer refresh,
        OutputReceiver<InventoryUpdate> out) {
      InventoryUpdate published = publishedState.read();
      TelemetryEvent telemetry = telemetryState.read();
      BookingEvent booking = bookingState.read();
      Instant newest = newest(telemetry, booking, settledUntilState.read());
      if (published == null || newest == null) {
        refreshPendingState.clear(); // the vehicle expired meanwhile
        return;
      }
      InventoryUpdate current =
          currentState(vehicleId, telemetry, booking, locationIdState.read(), newest);
      if (current.sameStateAs(published)) {
        refreshPendingState.clear(); // quiet interval: the next change is published at once
      } else {
        // Inputs arrived since the last update (the state changed), so this revision is higher.
        publish(
            current, InventoryUpdateReason.POSITION_REFRESH,
            inputsSeenState.read(), publishedState, refreshPendingState, refresh, out);
      }
    }

    @OnTimer("settleBooking")
    public void onSettleBooking(
        OnTimerContext timer,
        @StateId("booking") ValueState<BookingEvent> bookingState,
        @StateId("settledUntil") ValueState<Instant> settledUntilState,
        @StateId("inputsSeen") ValueState<Long> inputsSeenState) {
      BookingEvent booking = bookingState.read();
      // A newer booking may have replaced the ended one since the timer was set.
      if (booking != null
          && !isOpen(booking)
          && !booking.getEventTime().plus(allowedLateness).isAfter(timer.fireTimestamp())) {
        settledUntilState.write(booking.getEventTime());
        bookingState.clear();
        countInput(inputsSeenState); // the state changed: the next update must rank above the last
        bookingsSettled.inc();
      }
    }

    @OnTimer("idleExpiry")
    public void onIdleExpiry(
        @StateId("telemetry") ValueState<TelemetryEvent> telemetryState,
        @StateId("booking") ValueState<BookingEvent> bookingState,
        @StateId("settledUntil") ValueState<Instant> settledUntilState,
        @StateId("locationId") ValueState<String> locationIdState,
        @StateId("published") ValueState<InventoryUpdate> publishedState,
        @StateId("refreshPending") ValueState<Boolean> refreshPendingState,
        @StateId("inputsSeen") ValueState<Long> inputsSeenState,
        @TimerId("settleBooking") Timer settleBooking,
        @TimerId("refresh") Timer refresh) {
      // The timer is moved on with every newer event, so firing means the vehicle went silent.
      telemetryState.clear();
      bookingState.clear();
      settledUntilState.clear();
      locationIdState.clear();
      publishedState.clear();
      refreshPendingState.clear();
      inputsSeenState.clear();
      settleBooking.clear();
      refresh.clear();
      vehiclesTracked.dec();
    }

    /** Counts one more input into the vehicle's state; returns the new count. */
    private static long countInput(ValueState<Long> inputsSeenState) {
      Long seen = inputsSeenState.read();
      long now = (seen == null ? 0 : seen) + 1;
      inputsSeenState.write(now);
      return now;
    }

    private void publish(
        InventoryUpdate current,
        InventoryUpdateReason reason,
        long revision,
        ValueState<InventoryUpdate> publishedState,
        ValueState<Boolean> refreshPendingState,
        Timer refresh,
        OutputReceiver<InventoryUpdate> out) {
      InventoryUpdate update =
          current.toBuilder()
              .setRevision(revision)
              .setReason(reason)
              .build();
      publishedState.write(update);
      // Every publication opens a refresh interval: position-only changes wait for its end.
      refresh.offset(refreshInterval).setRelative();
      refreshPendingState.write(true);
      switch (reason) {
        case STATUS_CHANGE:
          statusChanges.inc();
          break;
        case LATE_CORRECTION:
          lateCorrections.inc();
          break;
        default:
          positionRefreshes.inc();
      }
      out.output(update);
    }

    /** The vehicle's state as the rule derives it; revision and reason are placeholders. */
    private static InventoryUpdate currentState(
        String vehicleId,
        @Nullable TelemetryEvent telemetry,
        @Nullable BookingEvent booking,
        @Nullable String locationId,
        Instant asOf) {
      VehicleStatus status = statusOf(telemetry, booking);
      InventoryUpdate.Builder update =
          InventoryUpdate.builder()
              .setVehicleId(vehicleId)
              .setStatus(status)
              .setBookingId(booking != null && isOpen(booking) ? booking.getBookingId() : null)
              .setLocationId(locationId)
              .setAsOf(asOf)
              .setRevision(0)
              .setReason(InventoryUpdateReason.STATUS_CHANGE);
      if (telemetry != null) {
        update
            .setLat(telemetry.getLat())
            .setLon(telemetry.getLon())
            .setBatteryPct(telemetry.getBatteryPct())
            .setEstimatedRangeM(telemetry.getEstimatedRangeM())
            .setOperationalStatus(telemetry.getOperationalStatus())
            .setLastReported(telemetry.getEventTime());
      }
      return update.build();
    }

    static VehicleStatus statusOf(@Nullable TelemetryEvent telemetry, @Nullable BookingEvent booking) {
      if (booking != null && booking.getEventType() == BookingEventType.BOOKING_CREATED) {
        return VehicleStatus.RESERVED;
      }
      if (booking != null && booking.getEventType() == BookingEventType.RENTAL_STARTED) {
        return VehicleStatus.ON_TRIP;
      }
      // No open booking: a vehicle that never reported is assumed rentable until it says otherwise.
      return telemetry == null || telemetry.getOperationalStatus().isRentable()
          ? VehicleStatus.AVAILABLE
          : VehicleStatus.NON_OPERATIONAL;
    }

    private static @Nullable Instant newest(
        @Nullable TelemetryEvent telemetry,
        @Nullable BookingEvent booking,
        @Nullable Instant settledUntil) {
      Instant newest = settledUntil;
      if (telemetry != null && (newest == null || telemetry.getEventTime().isAfter(newest))) {
        newest = telemetry.getEventTime();
      }
      if (booking != null && (newest == null || booking.getEventTime().isAfter(newest))) {
        newest = booking.getEventTime();
      }
      return newest;
    }
  }
}
