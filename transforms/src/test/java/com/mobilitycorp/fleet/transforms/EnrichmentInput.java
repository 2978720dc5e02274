package com.mobilitycorp.fleet.transforms;

import com.mobilitycorp.fleet.model.LocationMetadata;
import com.mobilitycorp.fleet.model.TelemetryEvent;
import com.mobilitycorp.fleet.model.VehicleMetadata;
import com.mobilitycorp.fleet.model.VehicleType;
import com.mobilitycorp.fleet.model.WeatherCondition;
import com.mobilitycorp.fleet.model.WeatherObservation;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.MapCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.schemas.NoSuchSchemaException;
import org.apache.beam.sdk.testing.TestStream;
import org.apache.beam.sdk.transforms.Combine;
import org.apache.beam.sdk.transforms.Filter;
import org.apache.beam.sdk.transforms.Latest;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.Reify;
import org.apache.beam.sdk.transforms.join.RawUnionValue;
import org.apache.beam.sdk.transforms.join.UnionCoder;
import org.apache.beam.sdk.transforms.windowing.AfterPane;
import org.apache.beam.sdk.transforms.windowing.GlobalWindows;
import org.apache.beam.sdk.transforms.windowing.Repeatedly;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionView;
import org.apache.beam.sdk.values.TimestampedValue;
import org.apache.beam.sdk.values.TypeDescriptor;
import org.joda.time.Instant;

/**
 * Feeds telemetry, reference-data snapshots and weather through ONE TestStream (so their relative
 * order and the watermark are under the test's control). Snapshots become side inputs the way
 * the io module's ReferenceData publishes them: every whole-table snapshot fires, the newest one
 * is the view.
 */
final class EnrichmentInput {
  private static final int TELEMETRY = 0;
  private static final int VEHICLES = 1;
  private static final int LOCATIONS = 2;
  private static final int WEATHER = 3;

  static final Instant SERVICED = Instant.parse("2026-10-01T00:00:00Z");

  private final PCollection<RawUnionValue> signals;
  private final Pipeline p;

  private EnrichmentInput(Pipeline p, TestStream<RawUnionValue> stream) {
    this.p = p;
    this.signals = p.apply("Signals", stream);
  }

  static EnrichmentInput of(Pipeline p, TestStream<RawUnionValue> stream) {
    return new EnrichmentInput(p, stream);
  }

  static TestStream.Builder<RawUnionValue> stream(Pipeline p) {
    return TestStream.create(
        UnionCoder.of(
            List.<Coder<?>>of(
                schemaCoder(p, TelemetryEvent.class),
                MapCoder.of(StringUtf8Coder.of(), schemaCoder(p, VehicleMetadata.class)),
                MapCoder.of(StringUtf8Coder.of(), schemaCoder(p, LocationMetadata.class)),
                schemaCoder(p, WeatherObservation.class))));
  }

  static TimestampedValue<RawUnionValue> reading(TelemetryEvent e) {
    return TimestampedValue.of(new RawUnionValue(TELEMETRY, e), e.getEventTime());
  }

  static TimestampedValue<RawUnionValue> observation(WeatherObservation o) {
    return TimestampedValue.of(new RawUnionValue(WEATHER, o), o.getObservedAt());
  }

  static TimestampedValue<RawUnionValue> vehicles(Instant at, VehicleMetadata... rows) {
    Map<String, VehicleMetadata> snapshot = new LinkedHashMap<>();
    for (VehicleMetadata v : rows) {
      snapshot.put(v.getVehicleId(), v);
    }
    return TimestampedValue.of(new RawUnionValue(VEHICLES, snapshot), at);
  }

  static TimestampedValue<RawUnionValue> locations(Instant at, LocationMetadata... rows) {
    Map<String, LocationMetadata> snapshot = new LinkedHashMap<>();
    for (LocationMetadata l : rows) {
      snapshot.put(l.getLocationId(), l);
    }
    return TimestampedValue.of(new RawUnionValue(LOCATIONS, snapshot), at);
  }

  static VehicleMetadata scooter(String id, String home) {
    return VehicleMetadata.create(id, VehicleType.E_SCOOTER, "Niu KQi3 Pro", home, SERVICED);
  }

  static WeatherObservation weather(String id, String locationId, Instant at, double tempC) {
    return WeatherObservation.create(id, locationId, at, tempC, 0.0, 12.0, WeatherCondition.CLOUDY);
  }

  PCollection<TelemetryEvent> telemetry() {
    return only("Telemetry", TELEMETRY, TelemetryEvent.class);
  }

  PCollection<WeatherObservation> weather() {
    return only("Weather", WEATHER, WeatherObservation.class);
  }

  PCollectionView<Map<String, VehicleMetadata>> vehicleView() {
    return view("Vehicles", VEHICLES, VehicleMetadata.class);
  }

  PCollectionView<Map<String, LocationMetadata>> locationView() {
    return view("Locations", LOCATIONS, LocationMetadata.class);
  }

  private <T> PCollection<T> only(String name, int tag, Class<T> type) {
    return signals
        .apply("Only" + name, Filter.by(s -> s.getUnionTag() == tag))
        .apply("As" + name, MapElements.into(TypeDescriptor.of(type)).via(s -> type.cast(s.getValue())))
        .setCoder(schemaCoder(p, type));
  }

  @SuppressWarnings("unchecked")
  private <T> PCollectionView<Map<String, T>> view(String name, int tag, Class<T> type) {
    return signals
        .apply("Only" + name, Filter.by(s -> s.getUnionTag() == tag))
        .apply(
            "As" + name,
            MapElements.into(new TypeDescriptor<Map<String, T>>() {})
                .via(s -> (Map<String, T>) s.getValue()))
        .setCoder(MapCoder.of(StringUtf8Coder.of(), schemaCoder(p, type)))
        .apply(
            name + "FireOnEverySnapshot",
            Window.<Map<String, T>>into(new GlobalWindows())
                .triggering(Repeatedly.forever(AfterPane.elementCountAtLeast(1)))
                .discardingFiredPanes())
        .apply(name + "StampWithTime", Reify.timestamps())
        .apply(
            name + "NewestSnapshotAsView",
            Combine.globally(Latest.<Map<String, T>>combineFn()).withoutDefaults().asSingletonView());
  }

  static <T> Coder<T> schemaCoder(Pipeline p, Class<T> type) {
    try {
      return p.getSchemaRegistry().getSchemaCoder(type);
    } catch (NoSuchSchemaException e) {
      throw new AssertionError(type + " must have a Beam schema", e);
    }
  }
}
