package com.mobilitycorp.fleet.transforms;

import com.mobilitycorp.fleet.model.VehicleEvent;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.InstantCoder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.ListCoder;
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
import org.apache.beam.sdk.transforms.Values;
import org.apache.beam.sdk.transforms.WithKeys;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TypeDescriptors;
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
 * <p>State per vehicle is the ids it sent within the horizon, in event time, plus one expiry timer
 * set to the earliest expiry; when the last id expires both are cleared, so idle vehicles cost
 * nothing.
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

    /**
     * (event time, event id) of the ids remembered, in event time: one value, read and written once
     * per event. The expiry timer is always at the first one's time plus the horizon. A map would
     * give O(1) look-ups, but its expiry scan iterates every entry at every firing, and on RocksDB
     * that costs an iterator step and two decodes per entry; a vehicle holds a few dozen ids.
     */
    @StateId("seen")
    private final StateSpec<ValueState<List<KV<Instant, String>>>> seenSpec =
        StateSpecs.value(ListCoder.of(KvCoder.of(InstantCoder.of(), StringUtf8Coder.of())));

    @TimerId("expiry")
    private final TimerSpec expirySpec = TimerSpecs.timer(TimeDomain.EVENT_TIME);

    DropSeenEventIdsFn(Duration horizon) {
      this.horizon = horizon;
    }

    @ProcessElement
    public void processElement(
        @Element KV<String, T> element,
        @StateId("seen") ValueState<List<KV<Instant, String>>> seenState,
        @TimerId("expiry") Timer expiry,
        OutputReceiver<KV<String, T>> out) {
      T event = element.getValue();
      String id = event.getEventId();
      List<KV<Instant, String>> stored = seenState.read();
      if (stored != null) {
        for (KV<Instant, String> s : stored) {
          if (s.getValue().equals(id)) {
            duplicatesDropped.inc();
            return;
          }
        }
      }
      // A copy to insert into: the state's own list is not ours to change.
      List<KV<Instant, String>> seen = stored == null ? new ArrayList<>() : new ArrayList<>(stored);
      Instant at = event.getEventTime();
      int i = seen.size();
      while (i > 0 && seen.get(i - 1).getKey().isAfter(at)) {
        i--; // from the end: events mostly arrive in order
      }
      seen.add(i, KV.of(at, id));
      seenState.write(seen);
      trackedEventIds.inc();
      if (i == 0) {
        // The earliest id now: the timer moves to its expiry (if that has passed already, it
        // fires at once and the id is not remembered).
        setExpiry(expiry, at.plus(horizon));
      }
      eventsPassed.inc();
      out.output(element);
    }

    @OnTimer("expiry")
    public void onExpiry(
        OnTimerContext timer,
        @StateId("seen") ValueState<List<KV<Instant, String>>> seenState,
        @TimerId("expiry") Timer expiry) {
      // The firing time, not timestamp(): a timer without output timestamp has none to give.
      Instant firedAt = timer.fireTimestamp();
      List<KV<Instant, String>> seen = seenState.read();
      if (seen == null) {
        return;
      }
      int expired = 0;
      while (expired < seen.size() && !seen.get(expired).getKey().plus(horizon).isAfter(firedAt)) {
        expired++;
      }
      trackedEventIds.dec(expired);
      if (expired == seen.size()) {
        seenState.clear();
      } else {
        seenState.write(new ArrayList<>(seen.subList(expired, seen.size())));
        setExpiry(expiry, seen.get(expired).getKey().plus(horizon));
      }
    }

    private static void setExpiry(Timer expiry, Instant at) {
      // The timer only forgets ids and never outputs, so it must not hold the watermark back.
      expiry.withNoOutputTimestamp().set(at);
    }
  }
}
