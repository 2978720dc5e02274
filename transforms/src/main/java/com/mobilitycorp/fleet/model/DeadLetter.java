package com.mobilitycorp.fleet.model;

import com.google.auto.value.AutoValue;
import org.apache.beam.sdk.schemas.AutoValueSchema;
import org.apache.beam.sdk.schemas.annotations.DefaultSchema;
import org.apache.beam.sdk.schemas.annotations.SchemaFieldNumber;
import org.joda.time.Instant;

/**
 * A record the pipeline could not (or may no longer) process, kept with enough context to find,
 * fix and replay it: the original payload and where it came from.
 */
@DefaultSchema(AutoValueSchema.class)
@AutoValue
public abstract class DeadLetter {
  @SchemaFieldNumber("0")
  public abstract String getSourceTopic();

  /** Kafka partition of the original record; -1 when it did not come straight from Kafka. */
  @SchemaFieldNumber("1")
  public abstract int getSourcePartition();

  /** Kafka offset of the original record; -1 when it did not come straight from Kafka. */
  @SchemaFieldNumber("2")
  public abstract long getSourceOffset();

  /** The original payload, verbatim. */
  @SchemaFieldNumber("3")
  public abstract String getPayload();

  @SchemaFieldNumber("4")
  public abstract DeadLetterReason getReason();

  /** Human-readable detail: which field, which value, which limit. */
  @SchemaFieldNumber("5")
  public abstract String getDetail();

  /** Processing time at which the record was rejected. */
  @SchemaFieldNumber("6")
  public abstract Instant getRejectedAt();

  public static DeadLetter create(
      String sourceTopic,
      int sourcePartition,
      long sourceOffset,
      String payload,
      DeadLetterReason reason,
      String detail,
      Instant rejectedAt) {
    return new AutoValue_DeadLetter(
        sourceTopic, sourcePartition, sourceOffset, payload, reason, detail, rejectedAt);
  }
}
