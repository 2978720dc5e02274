package com.mobilitycorp.fleet.io.kafka;

import com.mobilitycorp.fleet.io.json.EventJson;
import com.mobilitycorp.fleet.model.BookingEvent;
import com.mobilitycorp.fleet.model.DeadLetter;
import com.mobilitycorp.fleet.model.DeadLetterReason;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.schemas.NoSuchSchemaException;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PCollection;
import org.joda.time.Instant;

/**
 * Booking events a windowed stage received after their window had closed, as dead letters with
 * reason {@code late_beyond_allowed_lateness}: the decoded event re-encoded as its wire JSON, so
 * it can be inspected and replayed. It no longer has a Kafka position (partition and offset -1).
 */
public final class LateEventDeadLetters
    extends PTransform<PCollection<BookingEvent>, PCollection<DeadLetter>> {

  private final String sourceTopic;
  private final String stage;

  private LateEventDeadLetters(String sourceTopic, String stage) {
    this.sourceTopic = sourceTopic;
    this.stage = stage;
  }

  /**
   * @param sourceTopic the topic the events were read from
   * @param stage the stage whose window had closed, for the detail ("demand windows")
   */
  public static LateEventDeadLetters ofBookings(String sourceTopic, String stage) {
    return new LateEventDeadLetters(sourceTopic, stage);
  }

  @Override
  public PCollection<DeadLetter> expand(PCollection<BookingEvent> late) {
    try {
      return late.apply("AsDeadLetters", ParDo.of(new ToDeadLetterFn(sourceTopic, stage)))
          .setCoder(late.getPipeline().getSchemaRegistry().getSchemaCoder(DeadLetter.class));
    } catch (NoSuchSchemaException e) {
      throw new IllegalStateException("DeadLetter must have a Beam schema", e);
    }
  }

  private static final class ToDeadLetterFn extends DoFn<BookingEvent, DeadLetter> {
    private static final long serialVersionUID = 1L;
    private final Counter routed =
        DecodeEvents.deadLetterCounter(DeadLetterReason.LATE_BEYOND_ALLOWED_LATENESS);
    private final String sourceTopic;
    private final String stage;

    ToDeadLetterFn(String sourceTopic, String stage) {
      this.sourceTopic = sourceTopic;
      this.stage = stage;
    }

    @ProcessElement
    public void processElement(@Element BookingEvent e, OutputReceiver<DeadLetter> out) {
      routed.inc();
      out.output(DeadLetter.create(
          sourceTopic, -1, -1L, EventJson.bookingToJson(e),
          DeadLetterReason.LATE_BEYOND_ALLOWED_LATENESS,
          stage + ": " + EventJson.wire(e.getEventType()) + " at " + EventJson.format(e.getEventTime())
              + " (location " + e.getLocationId() + ") arrived after its window had closed",
          Instant.now()));
    }
  }
}
