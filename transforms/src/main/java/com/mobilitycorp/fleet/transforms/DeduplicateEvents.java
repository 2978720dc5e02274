package com.mobilitycorp.fleet.transforms;

import com.mobilitycorp.fleet.model.VehicleEvent;
import java.util.Map;
import org.apache.beam.sdk.coders.Coder;
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
import org.apache.beam.sdk.transforms.Values;
import org.apache.beam.sdk.transforms.WithKeys;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * Drops re-sent copies of vehicle events (same {@code event_id}), keyed by vehicle_id so the work
 * is partitioned like everything else per vehicle.
 *
 * <p>Rule (see {@link DeduplicateEventsModel}): the first copy of an event id passes; later copies
 * are dropped while the id is remembered. An id is remembered until the watermark passes its event
 * time plus the horizon; a copy arriving after that passes again (and an event that arrives when
 * its horizon has already passed is passed without being remembered). The horizon must cover
 * the allowed disorder plus the modems' resend delay (default 10 minutes of event time, twice the
 * 5-minute disorder).
 *
 * <p>State per vehicle is the ids it sent within the horizon, plus one expiry timer set to the
 * earliest expiry; when the last id expires both are cleared, so idle vehicles cost nothing.
 *
 * <p>Metrics (namespace {@code DeduplicateEvents}): {@code duplicates_dropped}, {@code
 * events_passed}, and {@code tracked_event_ids}, which goes up on each remembered id and down when
 * it expires: the number of ids held in state right now.
 */
public final class DeduplicateEvents<T extends VehicleEvent>
    extends PTransform<PCollection<T>, PCollection<T>> {

  /** Default horizon: twice the fleet's 5 minutes of allowed disorder. */
  public static final Duration DEFAULT_HORIZON = Duration.standardMinutes(10);

  private final Duration horizon;

  private DeduplicateEvents(Duration horizon) {
    this.horizon = horizon;
  }

  /** Remembers each event id for {@code horizon} of event time after the event. */
  public static <T extends VehicleEvent> DeduplicateEvents<T> within(Duration horizon) {
    if (!horizon.isLongerThan(Duration.ZERO)) {
      throw new IllegalArgumentException("dedup horizon must be positive, was " + horizon);
    }
    return new DeduplicateEvents<>(horizon);
  }

  @Override
  public PCollection<T> expand(PCollection<T> events) {
    Coder<T> coder = events.getCoder();
    return events
        .apply("KeyByVehicle", WithKeys.<String, T>of(VehicleEvent::getVehicleId)
            .withKeyType(TypeDescriptors.strings()))
        .apply("DropSeenEventIds", ParDo.of(new DropSeenEventIdsFn<T>(horizon)))
        .setCoder(KvCoder.of(StringUtf8Coder.of(), coder))
        .apply("DropKeys", Values.create());
  }

  /** Per-vehicle memory of event ids, expired by an event-time timer. */
  static final class DropSeenEventIdsFn<T extends VehicleEvent>
      extends DoFn<KV<String, T>, KV<String, T>> {
    private static final long serialVersionUID = 1L;

    private final Counter duplicatesDropped =
        Metrics.counter(DeduplicateEvents.class, "duplicates_dropped");
    private final Counter eventsPassed = Metrics.counter(DeduplicateEvents.class, "events_passed");
    private final Counter trackedEventIds =
        Metrics.counter(DeduplicateEvents.class, "tracked_event_ids");

    private final Duration horizon;

    /** event id -> its event time (from which its expiry follows). */
    @StateId("seenIds")
    private final StateSpec<MapState<String, Instant>> seenIdsSpec = StateSpecs.map();

    /** When the expiry timer is set to fire; absent when no timer is pending. */
    @StateId("expiryAt")
    private final StateSpec<ValueState<Instant>> expiryAtSpec = StateSpecs.value();

    @TimerId("expiry")
    private final TimerSpec expirySpec = TimerSpecs.timer(TimeDomain.EVENT_TIME);

    DropSeenEventIdsFn(Duration horizon) {
      this.horizon = horizon;
    }

    @ProcessElement
    public void processElement(
        @Element KV<String, T> element,
        @StateId("seenIds") MapState<String, Instant> seenIds,
        @StateId("expiryAt") ValueState<Instant> expiryAt,
        @TimerId("expiry") Timer expiry,
        OutputReceiver<KV<String, T>> out) {
      T event = element.getValue();
      if (seenIds.get(event.getEventId()).read() != null) {
        duplicatesDropped.inc();
        return;
      }
      seenIds.put(event.getEventId(), event.getEventTime());
      trackedEventIds.inc();
      Instant idExpiry = event.getEventTime().plus(horizon);
      Instant pending = expiryAt.read();
      if (pending == null || idExpiry.isBefore(pending)) {
        setExpiry(expiry, expiryAt, idExpiry);
      }
      eventsPassed.inc();
      out.output(element);
    }

    @OnTimer("expiry")
    public void onExpiry(
        OnTimerContext timer,
        @StateId("seenIds") MapState<String, Instant> seenIds,
        @StateId("expiryAt") ValueState<Instant> expiryAt,
        @TimerId("expiry") Timer expiry) {
      // The firing time, not timestamp(): a timer without output timestamp has none to give.
      Instant firedAt = timer.fireTimestamp();
      @Nullable Instant nextExpiry = null;
      for (Map.Entry<String, Instant> seen : seenIds.entries().read()) {
        Instant idExpiry = seen.getValue().plus(horizon);
        if (idExpiry.isAfter(firedAt)) {
          nextExpiry = nextExpiry == null || idExpiry.isBefore(nextExpiry) ? idExpiry : nextExpiry;
        } else {
          seenIds.remove(seen.getKey());
          trackedEventIds.dec();
        }
      }
      if (nextExpiry == null) {
        expiryAt.clear();
      } else {
        setExpiry(expiry, expiryAt, nextExpiry);
      }
    }

    private static void setExpiry(Timer expiry, ValueState<Instant> expiryAt, Instant at) {
      // The timer only forgets ids and never outputs, so it must not hold the watermark back.
      expiry.withNoOutputTimestamp().set(at);
      expiryAt.write(at);
    }
  }
}
