package com.mobilitycorp.fleet.io.kafka;

import com.mobilitycorp.fleet.io.json.EventJson;
import com.mobilitycorp.fleet.model.BookingEvent;
import com.mobilitycorp.fleet.model.DeadLetter;
import com.mobilitycorp.fleet.model.DeadLetterReason;
import com.mobilitycorp.fleet.model.EnrichedTelemetry;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.schemas.NoSuchSchemaException;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.SerializableFunction;
import org.apache.beam.sdk.values.PCollection;
import org.joda.time.Instant;

/**
 * Events a windowed stage received after their window had closed, as dead letters with reason
 * {@code late_beyond_allowed_lateness}: the decoded event re-encoded as its wire JSON, so it can
 * be inspected and replayed. It no longer has a Kafka position (partition and offset -1).
 */
public final class LateEventDeadLetters<T> extends PTransform<PCollection<T>, PCollection<DeadLetter>> {

  private final String sourceTopic;
  private final SerializableFunction<T, String> toJson;
  private final SerializableFunction<T, String> detail;

  private LateEventDeadLetters(String sourceTopic, SerializableFunction<T, String> toJson,
      SerializableFunction<T, String> detail) {
    this.sourceTopic = sourceTopic;
    this.toJson = toJson;
    this.detail = detail;
  }

  /**
   * @param sourceTopic the topic the bookings were read from
   * @param stage the stage whose window had closed, for the detail ("demand windows")
   */
  public static LateEventDeadLetters<BookingEvent> ofBookings(String sourceTopic, String stage) {
    return new LateEventDeadLetters<>(sourceTopic, EventJson::bookingToJson,
        e -> stage + ": " + EventJson.wire(e.getEventType()) + " at "
            + EventJson.format(e.getEventTime()) + " (location " + e.getLocationId()
            + ") arrived after its window had closed");
  }

  /** Readings (as on the telemetry topic) that arrived after their window had closed. */
  public static LateEventDeadLetters<EnrichedTelemetry> ofReadings(String sourceTopic, String stage) {
    return new LateEventDeadLetters<>(sourceTopic, r -> EventJson.telemetryToJson(r.getTelemetry()),
        r -> stage + ": reading at " + EventJson.format(r.getTelemetry().getEventTime())
            + " arrived after its window had closed");
  }

  @Override
  public PCollection<DeadLetter> expand(PCollection<T> late) {
    try {
      return late.apply("AsDeadLetters", ParDo.of(new ToDeadLetterFn<>(sourceTopic, toJson, detail)))
          .setCoder(late.getPipeline().getSchemaRegistry().getSchemaCoder(DeadLetter.class));
    } catch (NoSuchSchemaException e) {
      throw new IllegalStateException("DeadLetter must have a Beam schema", e);
    }
  }

  private static final class ToDeadLetterFn<T> extends DoFn<T, DeadLetter> {
    private static final long serialVersionUID = 1L;
    private final Counter routed =
        DecodeEvents.deadLetterCounter(DeadLetterReason.LATE_BEYOND_ALLOWED_LATENESS);
    private final String sourceTopic;
    private final SerializableFunction<T, String> toJson;
    private final SerializableFunction<T, String> detail;

    ToDeadLetterFn(String sourceTopic, SerializableFunction<T, String> toJson,
        SerializableFunction<T, String> detail) {
      this.sourceTopic = sourceTopic;
      this.toJson = toJson;
      this.detail = detail;
    }

    @ProcessElement
    public void processElement(@Element T e, OutputReceiver<DeadLetter> out) {
      routed.inc();
      out.output(DeadLetter.create(sourceTopic, -1, -1L, toJson.apply(e),
          DeadLetterReason.LATE_BEYOND_ALLOWED_LATENESS, detail.apply(e), Instant.now()));
    }
  }
}
