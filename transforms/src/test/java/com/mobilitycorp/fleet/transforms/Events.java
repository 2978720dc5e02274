package com.mobilitycorp.fleet.transforms;

import com.mobilitycorp.fleet.model.EnrichedTelemetry;
import com.mobilitycorp.fleet.model.OperationalStatus;
import com.mobilitycorp.fleet.model.TelemetryEvent;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.schemas.NoSuchSchemaException;
import org.joda.time.Instant;

/** Small builders for test events. */
final class Events {
  static final Instant T0 = Instant.parse("2026-11-25T08:00:00Z");

  static TelemetryEvent telemetry(String vehicleId, String eventId, Instant eventTime) {
    return TelemetryEvent.builder()
        .setEventId(eventId)
        .setVehicleId(vehicleId)
        .setEventTime(eventTime)
        .setLat(52.52)
        .setLon(13.405)
        .setBatteryPct(80)
        .setOperationalStatus(OperationalStatus.OPERATIONAL)
        .build();
  }

  static Coder<TelemetryEvent> telemetryCoder(Pipeline pipeline) {
    try {
      return pipeline.getSchemaRegistry().getSchemaCoder(TelemetryEvent.class);
    } catch (NoSuchSchemaException e) {
      throw new AssertionError("TelemetryEvent must have a Beam schema", e);
    }
  }

  /** A reading enriched with nothing: every piece of reference data unknown. */
  static EnrichedTelemetry bare(TelemetryEvent telemetry) {
    return EnrichedTelemetry.builder().setTelemetry(telemetry).build();
  }

  static Coder<EnrichedTelemetry> enrichedCoder(Pipeline pipeline) {
    try {
      return pipeline.getSchemaRegistry().getSchemaCoder(EnrichedTelemetry.class);
    } catch (NoSuchSchemaException e) {
      throw new AssertionError("EnrichedTelemetry must have a Beam schema", e);
    }
  }

  private Events() {}
}
