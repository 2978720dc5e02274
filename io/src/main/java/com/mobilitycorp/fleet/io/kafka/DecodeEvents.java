package com.mobilitycorp.fleet.io.kafka;

import com.mobilitycorp.fleet.io.json.EventJson;
import com.mobilitycorp.fleet.io.json.InvalidEventException;
import com.mobilitycorp.fleet.model.BookingEvent;
import com.mobilitycorp.fleet.model.DeadLetter;
import com.mobilitycorp.fleet.model.DeadLetterReason;
import com.mobilitycorp.fleet.model.TelemetryEvent;
import com.mobilitycorp.fleet.model.WeatherObservation;
import java.util.Locale;
import org.apache.beam.sdk.io.kafka.KafkaRecord;
import org.apache.beam.sdk.io.kafka.KafkaTimestampType;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ProcessFunction;
import org.apache.beam.sdk.transforms.WithFailures;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TypeDescriptor;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * Decodes and validates JSON records from Kafka. Valid records become events; everything else
 * becomes a {@link DeadLetter} with the original payload, its topic/partition/offset and the
 * reason (Beam's {@code WithFailures} dead-letter pattern), so bad input never fails the job.
 *
 * <p>Metrics (namespace {@code DecodeEvents}): {@code decoded_<topic>} and {@code
 * dead_letters_<reason>}.
 */
public final class DecodeEvents<T>
    extends PTransform<
        PCollection<KafkaRecord<String, String>>, WithFailures.Result<PCollection<T>, DeadLetter>> {

  /** Decodes one payload given the processing time; throws InvalidEventException when invalid. */
  interface Decoder<T> extends java.io.Serializable {
    T decode(String payload, Instant now, Duration maxFutureSkew);
  }

  private final TypeDescriptor<T> type;
  private final Decoder<T> decoder;
  private final Duration maxFutureSkew;

  private DecodeEvents(TypeDescriptor<T> type, Decoder<T> decoder, Duration maxFutureSkew) {
    this.type = type;
    this.decoder = decoder;
    this.maxFutureSkew = maxFutureSkew;
  }

  /** Telemetry from {@code veh.events.raw}. */
  public static DecodeEvents<TelemetryEvent> telemetry(Duration maxFutureSkew) {
    return new DecodeEvents<>(
        TypeDescriptor.of(TelemetryEvent.class), EventJson::decodeTelemetry, maxFutureSkew);
  }

  /** Booking events from {@code domain.events}. */
  public static DecodeEvents<BookingEvent> bookings(Duration maxFutureSkew) {
    return new DecodeEvents<>(
        TypeDescriptor.of(BookingEvent.class), EventJson::decodeBooking, maxFutureSkew);
  }

  /** Weather observations from {@code weather.observations}; the skew applies to observed_at. */
  public static DecodeEvents<WeatherObservation> weather(Duration maxFutureSkew) {
    return new DecodeEvents<>(
        TypeDescriptor.of(WeatherObservation.class), EventJson::decodeWeather, maxFutureSkew);
  }

  @Override
  public WithFailures.Result<PCollection<T>, DeadLetter> expand(
      PCollection<KafkaRecord<String, String>> records) {
    Decoder<T> decode = decoder;
    Duration skew = maxFutureSkew;
    return records.apply(
        "DecodeJson",
        MapElements.into(type)
            .via(new DecodeAndCount<>(decode, skew))
            .exceptionsInto(TypeDescriptor.of(DeadLetter.class))
            .exceptionsVia(DecodeEvents::toDeadLetter));
  }

  private static final class DecodeAndCount<T>
      implements ProcessFunction<KafkaRecord<String, String>, T> {
    private static final long serialVersionUID = 1L;
    private final Decoder<T> decoder;
    private final Duration maxFutureSkew;

    DecodeAndCount(Decoder<T> decoder, Duration maxFutureSkew) {
      this.decoder = decoder;
      this.maxFutureSkew = maxFutureSkew;
    }

    @Override
    public T apply(KafkaRecord<String, String> record) {
      T event = decoder.decode(record.getKV().getValue(), clockOf(record, Instant.now()),
          maxFutureSkew);
      Metrics.counter(DecodeEvents.class, "decoded_" + record.getTopic()).inc();
      return event;
    }
  }

  private static DeadLetter toDeadLetter(
      WithFailures.ExceptionElement<KafkaRecord<String, String>> failed) {
    KafkaRecord<String, String> record = failed.element();
    Exception exception = failed.exception();
    DeadLetterReason reason;
    String detail;
    if (exception instanceof InvalidEventException) {
      reason = ((InvalidEventException) exception).reason();
      detail = exception.getMessage();
    } else {
      // Anything else the decoder threw is still about this input: never let it fail the job.
      reason = DeadLetterReason.MALFORMED_JSON;
      detail = exception.getClass().getSimpleName() + ": " + exception.getMessage();
    }
    deadLetterCounter(reason).inc();
    String payload = record.getKV().getValue();
    return DeadLetter.create(
        record.getTopic(),
        record.getPartition(),
        record.getOffset(),
        payload == null ? "" : payload,
        reason,
        detail,
        Instant.now());
  }

  /**
   * The clock an event time is judged "in the future" against: the earlier of {@code now} and the
   * record's Kafka timestamp (when it was produced or appended), so that a record is judged as it
   * was when it arrived, however much later it is read. Judged against the wall clock alone, a
   * device clock days ahead passes once the backlog being read is older than its error, and then
   * moves its partition's watermark days ahead of the rest of the partition (which all becomes
   * late). A record without a usable Kafka timestamp is judged against {@code now}.
   */
  static Instant clockOf(KafkaRecord<?, ?> record, Instant now) {
    boolean stamped = record.getTimestampType() == KafkaTimestampType.CREATE_TIME
        || record.getTimestampType() == KafkaTimestampType.LOG_APPEND_TIME;
    return stamped && record.getTimestamp() > 0 && record.getTimestamp() < now.getMillis()
        ? new Instant(record.getTimestamp()) : now;
  }

  /** The counter of dead letters for one reason; shared by every stage that dead-letters. */
  public static Counter deadLetterCounter(DeadLetterReason reason) {
    return Metrics.counter(
        DecodeEvents.class, "dead_letters_" + reason.name().toLowerCase(Locale.ROOT));
  }
}
