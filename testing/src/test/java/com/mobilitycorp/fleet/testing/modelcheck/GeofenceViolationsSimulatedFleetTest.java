package com.mobilitycorp.fleet.testing.modelcheck;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;

import com.mobilitycorp.fleet.model.Alert;
import com.mobilitycorp.fleet.model.EnrichedTelemetry;
import com.mobilitycorp.fleet.model.LocationMetadata;
import com.mobilitycorp.fleet.model.TelemetryEvent;
import com.mobilitycorp.fleet.model.VehicleMetadata;
import com.mobilitycorp.fleet.testing.simulator.Excursion;
import com.mobilitycorp.fleet.testing.simulator.FleetSimulator;
import com.mobilitycorp.fleet.testing.simulator.SimulatedMessage;
import com.mobilitycorp.fleet.testing.simulator.SimulatorConfig;
import com.mobilitycorp.fleet.transforms.DetectGeofenceViolations;
import com.mobilitycorp.fleet.transforms.DetectGeofenceViolationsModel;
import com.mobilitycorp.fleet.transforms.EnrichTelemetry;
import com.mobilitycorp.fleet.transforms.FleetGeography;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.MapCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestPipelineExtension;
import org.apache.beam.sdk.testing.TestStream;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.View;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionView;
import org.apache.beam.sdk.values.TimestampedValue;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@link EnrichTelemetry} + {@link DetectGeofenceViolations} against {@link
 * DetectGeofenceViolationsModel} and the simulator's excursions, on two hours of a simulated fleet
 * whose trips sometimes leave their city's operating area, delivered as the simulator delivers it
 * (resends, disorder, events beyond the lateness), with the watermark the Kafka source would
 * compute. The transform must publish exactly the model's alerts, and the model one alert per
 * true excursion.
 */
@ExtendWith(TestPipelineExtension.class)
class GeofenceViolationsSimulatedFleetTest {
  private static final Duration MAX_DISORDER = Duration.standardMinutes(5);
  private static final int BATCH = 100;

  @Test
  void testAlertsMatchModelAndOneAlertPerSimulatedExcursion(TestPipeline p) throws Exception {
    FleetSimulator simulator =
        new FleetSimulator(
            SimulatorConfig.builder()
                .seed(23)
                .vehicleCount(60)
                .locationCount(9)
                .start(Instant.parse("2026-11-25T07:00:00Z"))
                .duration(Duration.standardMinutes(120))
                .bookingsPerVehiclePerDay(30)
                .excursionRate(0.15)
                .duplicateRate(0.05)
                .lateRate(0.02)
                .malformedRate(0)
                .build());
    Map<String, VehicleMetadata> vehicles = new HashMap<>();
    simulator.vehicles().forEach(v -> vehicles.put(v.getVehicleId(), v));
    Map<String, LocationMetadata> locations = new HashMap<>();
    simulator.locations().forEach(l -> locations.put(l.getLocationId(), l));
    FleetGeography geography =
        FleetGeography.of(locations.values(), FleetGeography.DEFAULT_OPERATING_AREA_MARGIN_M);

    DetectGeofenceViolationsModel model =
        new DetectGeofenceViolationsModel(
            DetectGeofenceViolations.DEFAULT_REENTRY_MARGIN_M,
            DetectGeofenceViolations.DEFAULT_ALLOWED_LATENESS);
    Coder<TelemetryEvent> coder = p.getSchemaRegistry().getSchemaCoder(TelemetryEvent.class);
    TestStream.Builder<TelemetryEvent> stream = TestStream.create(coder);
    List<TimestampedValue<TelemetryEvent>> batch = new ArrayList<>();
    Instant watermark = new Instant(0);
    Instant newest = new Instant(0);
    for (SimulatedMessage message : (Iterable<SimulatedMessage>) simulator::messages) {
      if (!message.isTelemetry()) {
        continue;
      }
      TelemetryEvent t = message.telemetry();
      batch.add(TimestampedValue.of(t, t.getEventTime()));
      String city = locations.get(vehicles.get(t.getVehicleId()).getHomeLocationId()).getCity();
      double inside = geography.operatingArea(city).metresInside(t.getLat(), t.getLon());
      model.onReading(
          EnrichedTelemetry.builder()
              .setTelemetry(t)
              .setHomeCity(city)
              .setMetresInsideOperatingArea(inside)
              .build());
      newest = t.getEventTime().isAfter(newest) ? t.getEventTime() : newest;
      if (batch.size() == BATCH) {
        stream = flush(stream, batch);
        Instant next = newest.minus(MAX_DISORDER);
        if (next.isAfter(watermark)) {
          watermark = next;
          stream = stream.advanceWatermarkTo(watermark);
          model.onWatermark(watermark);
        }
      }
    }
    stream = flush(stream, batch);

    // The model raises one alert per true excursion, each inside it (plain Java first).
    List<Excursion> excursions = simulator.excursions();
    assertThat("the fleet must leave the area", excursions.size(), greaterThan(8));
    Map<String, Integer> truePerVehicle = new TreeMap<>();
    excursions.forEach(e -> truePerVehicle.merge(e.vehicleId(), 1, Integer::sum));
    Map<String, Integer> modelPerVehicle = new TreeMap<>();
    model.published().forEach(id -> modelPerVehicle.merge(id.split(":")[1], 1, Integer::sum));
    assertThat(modelPerVehicle, equalTo(truePerVehicle));

    PCollectionView<Map<String, VehicleMetadata>> vehicleView =
        p.apply("Vehicles", Create.of(List.of(vehicles)).withCoder(
                MapCoder.of(StringUtf8Coder.of(), p.getSchemaRegistry().getSchemaCoder(VehicleMetadata.class))))
            .apply("VehiclesView", View.asSingleton());
    PCollectionView<Map<String, LocationMetadata>> locationView =
        p.apply("Locations", Create.of(List.of(locations)).withCoder(
                MapCoder.of(StringUtf8Coder.of(), p.getSchemaRegistry().getSchemaCoder(LocationMetadata.class))))
            .apply("LocationsView", View.asSingleton());
    PCollection<Alert> alerts =
        p.apply("Telemetry", stream.advanceWatermarkToInfinity())
            .apply("Enrich", EnrichTelemetry.withReferenceData(vehicleView, locationView))
            .apply("DetectGeofenceViolations", DetectGeofenceViolations.create());
    // Plain, serializable copies for the check, which Beam serializes.
    ArrayList<String> expected = new ArrayList<>(model.published());
    expected.sort(String::compareTo);
    ArrayList<String> windows = new ArrayList<>();
    for (Excursion e : excursions) {
      windows.add(e.vehicleId() + "|" + e.leftAt().getMillis() + "|"
          + (e.returnedAt() == null ? Long.MAX_VALUE : e.returnedAt().getMillis()));
    }
    PAssert.that(alerts)
        .satisfies(
            all -> {
              List<String> ids = new ArrayList<>();
              for (Alert a : all) {
                ids.add(a.getAlertId());
                assertThat("alert inside a true excursion: " + a, insideExcursion(windows, a), equalTo(true));
              }
              ids.sort(String::compareTo);
              assertThat(ids, equalTo(expected));
              return null;
            });
    p.run().waitUntilFinish();
  }

  private static boolean insideExcursion(List<String> windows, Alert alert) {
    long at = alert.getEventTime().getMillis();
    for (String window : windows) {
      String[] w = window.split("\\|");
      // GPS noise may put the first reading outside a few seconds before the true crossing.
      if (w[0].equals(alert.getVehicleId()) && at >= Long.parseLong(w[1]) - 30_000 && at < Long.parseLong(w[2])) {
        return true;
      }
    }
    return false;
  }

  private static TestStream.Builder<TelemetryEvent> flush(
      TestStream.Builder<TelemetryEvent> stream, List<TimestampedValue<TelemetryEvent>> batch) {
    if (batch.isEmpty()) {
      return stream;
    }
    @SuppressWarnings("unchecked")
    TimestampedValue<TelemetryEvent>[] rest =
        batch.subList(1, batch.size()).toArray(new TimestampedValue[0]);
    TestStream.Builder<TelemetryEvent> next = stream.addElements(batch.get(0), rest);
    batch.clear();
    return next;
  }
}
