package com.mobilitycorp.fleet.testing.simulator;

import com.mobilitycorp.fleet.model.BookingEvent;
import com.mobilitycorp.fleet.model.DeadLetterReason;
import com.mobilitycorp.fleet.model.TelemetryEvent;
import com.mobilitycorp.fleet.model.VehicleEvent;
import com.mobilitycorp.fleet.model.WeatherObservation;
import java.util.Objects;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Instant;

/**
 * One record as it goes on the wire, at its delivery time, with the ground truth about it. A
 * message carries a vehicle {@link #event}, or a {@link #weather} observation, or (malformed) none.
 *
 * @param topic {@code veh.events.raw} for telemetry, {@code domain.events} for booking events,
 *     {@code weather.observations} for weather
 * @param key the vehicle id (also for malformed messages); the location id for weather
 * @param payload the JSON (or broken JSON) value
 * @param deliveryTime when the record reaches the broker (the stream is ordered by it)
 * @param eventId the event id the payload carries (for malformed messages: the id injected into it,
 *     even when the breakage removed or garbled it); for weather the observation_id
 * @param eventTime the event's true time (for malformed messages: that of the event it was derived
 *     from, whatever the payload's event_time says); for weather observed_at
 * @param event the vehicle event the payload encodes; null for weather and {@link Kind#MALFORMED}
 * @param weather the weather observation the payload encodes; null for everything else
 * @param kind original, duplicate (same payload and event id as an earlier original) or malformed
 * @param delay the delivery class of the event: for an original, its own; a duplicate inherits its
 *     original's class (its delay is the original's plus the 1-60 s resend gap); malformed messages
 *     are always {@link Delay#ON_TIME}. Weather has its own ranges: see {@link Delay}
 * @param expectedReason for malformed messages the dead-letter reason a correct validator gives it;
 *     null otherwise
 */
public record SimulatedMessage(
    String topic,
    String key,
    String payload,
    Instant deliveryTime,
    String eventId,
    Instant eventTime,
    @Nullable VehicleEvent event,
    @Nullable WeatherObservation weather,
    Kind kind,
    Delay delay,
    @Nullable DeadLetterReason expectedReason) {

  /** What the record is relative to the generated event stream. */
  public enum Kind {
    /** The first copy of a generated event. */
    ORIGINAL,
    /** A resend of an earlier original: same payload, same event id. */
    DUPLICATE,
    /** An extra, invalid record that belongs on the dead-letter topic. */
    MALFORMED
  }

  /** How the event's delivery was delayed. */
  public enum Delay {
    /** Network delay of 50 ms .. 2 s; weather: 0.5 .. 30 s. */
    ON_TIME,
    /** Delayed by 5 s .. maxDisorder: later events of the same vehicle overtake it. Not weather. */
    OUT_OF_ORDER,
    /**
     * Delayed beyond the allowed lateness (6 .. 15 min by default); weather: 1 .. 4 min, so it
     * arrives after telemetry taken while it was already valid.
     */
    LATE
  }

  public SimulatedMessage {
    Objects.requireNonNull(topic, "topic");
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(payload, "payload");
    Objects.requireNonNull(deliveryTime, "deliveryTime");
    Objects.requireNonNull(eventId, "eventId");
    Objects.requireNonNull(eventTime, "eventTime");
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(delay, "delay");
    if (event != null && weather != null) {
      throw new IllegalArgumentException("a message carries a vehicle event or weather, not both");
    }
    if ((kind == Kind.MALFORMED) != (event == null && weather == null)) {
      throw new IllegalArgumentException("exactly the malformed messages have no event or weather");
    }
    if ((kind == Kind.MALFORMED) != (expectedReason != null)) {
      throw new IllegalArgumentException("exactly the malformed messages have an expected reason");
    }
  }

  /** Delivery time minus event time, milliseconds. */
  public long delayMillis() {
    return deliveryTime.getMillis() - eventTime.getMillis();
  }

  public boolean isTelemetry() {
    return event instanceof TelemetryEvent;
  }

  public boolean isBooking() {
    return event instanceof BookingEvent;
  }

  public boolean isWeather() {
    return weather != null;
  }

  /** The telemetry event, or null when this message carries none. */
  public @Nullable TelemetryEvent telemetry() {
    return event instanceof TelemetryEvent ? (TelemetryEvent) event : null;
  }

  /** The booking event, or null when this message carries none. */
  public @Nullable BookingEvent booking() {
    return event instanceof BookingEvent ? (BookingEvent) event : null;
  }
}
