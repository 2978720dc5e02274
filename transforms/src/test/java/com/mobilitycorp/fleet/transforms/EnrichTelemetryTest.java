package com.mobilitycorp.fleet.transforms;

import static com.mobilitycorp.fleet.transforms.EnrichmentInput.locations;
import static com.mobilitycorp.fleet.transforms.EnrichmentInput.reading;
import static com.mobilitycorp.fleet.transforms.EnrichmentInput.scooter;
import static com.mobilitycorp.fleet.transforms.EnrichmentInput.vehicles;
import static com.mobilitycorp.fleet.transforms.Events.T0;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.closeTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.nullValue;

import com.mobilitycorp.fleet.model.EnrichedTelemetry;
import com.mobilitycorp.fleet.model.EnrichedTelemetry.Unknown;
import com.mobilitycorp.fleet.model.LocationMetadata;
import com.mobilitycorp.fleet.model.OperationalStatus;
import com.mobilitycorp.fleet.model.TelemetryEvent;
import com.mobilitycorp.fleet.model.VehicleMetadata;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Map;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestPipelineExtension;
import org.apache.beam.sdk.testing.TestStream;
import org.apache.beam.sdk.transforms.join.RawUnionValue;
import org.apache.beam.sdk.values.PCollection;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** TestStream cases for {@link EnrichTelemetry}: zones, areas, unknowns, refreshed snapshots. */
@ExtendWith(TestPipelineExtension.class)
class EnrichTelemetryTest {

  // Two Berlin zones 2.2 km apart and one in Hamburg.
  static final LocationMetadata ALEX = LocationMetadata.create("ber-1", "Alexanderplatz", "Berlin", 52.52, 13.405, 300);
  static final LocationMetadata KOTTI = LocationMetadata.create("ber-2", "Kottbusser Tor", "Berlin", 52.50, 13.40, 200);
  static final LocationMetadata RATHAUS = LocationMetadata.create("ham-1", "Rathausmarkt", "Hamburg", 53.55, 9.99, 300);

  // Static: PAssert's checks are serialized, and the model classes are not Serializable.
  private static final VehicleMetadata HOMELESS = scooter("v2", "ber-404");
  private static final VehicleMetadata SERVICED_AGAIN =
      VehicleMetadata.create(
          "v1", HOMELESS.getVehicleType(), "Niu KQi3 Pro", "ber-1", Instant.parse("2026-11-20T00:00:00Z"));

  private static Instant sec(long s) {
    return T0.plus(Duration.standardSeconds(s));
  }

  private static TelemetryEvent at(String vehicle, String id, Instant t, double lat, double lon) {
    return TelemetryEvent.builder()
        .setEventId(id)
        .setVehicleId(vehicle)
        .setEventTime(t)
        .setLat(lat)
        .setLon(lon)
        .setBatteryPct(55)
        .setOperationalStatus(OperationalStatus.OPERATIONAL)
        .build();
  }

  private static PCollection<EnrichedTelemetry> enrich(TestPipeline p, TestStream<RawUnionValue> stream) {
    EnrichmentInput input = EnrichmentInput.of(p, stream);
    return input
        .telemetry()
        .apply(EnrichTelemetry.withReferenceData(input.vehicleView(), input.locationView()));
  }

  private static Map<String, EnrichedTelemetry> byEventId(Iterable<EnrichedTelemetry> all) {
    Map<String, EnrichedTelemetry> byId = new HashMap<>();
    all.forEach(e -> byId.put(e.getTelemetry().getEventId(), e));
    return byId;
  }

  private static long counter(PipelineResult result, String name) {
    return PipelineMetrics.counter(result, EnrichTelemetry.class, name);
  }

  @Test
  void testOnTimeReadingGetsVehicleZoneHomeCityAndAreaDistance(TestPipeline p) {
    TestStream<RawUnionValue> stream =
        EnrichmentInput.stream(p)
            .advanceWatermarkTo(T0)
            .addElements(vehicles(T0, scooter("v1", "ber-1")), locations(T0, ALEX, KOTTI, RATHAUS))
            .addElements(reading(at("v1", "in-zone", sec(1), 52.5201, 13.4051)))
            .addElements(reading(at("v1", "between", sec(2), 52.512, 13.404)))
            .addElements(reading(at("v1", "far-out", sec(3), 52.60, 13.405)))
            .advanceWatermarkToInfinity();
    PAssert.that(enrich(p, stream))
        .satisfies(
            all -> {
              Map<String, EnrichedTelemetry> byId = byEventId(all);
              EnrichedTelemetry inZone = byId.get("in-zone");
              assertThat(inZone.getVehicle(), is(scooter("v1", "ber-1")));
              assertThat(inZone.getZone(), is(ALEX));
              assertThat(inZone.getHomeCity(), is("Berlin"));
              assertThat(inZone.getWeatherLocationId(), is("ber-1"));
              // Area: centroid of the two zones, reach 1.41 km + 1 km margin; Alexanderplatz is 1.12 km from it.
              assertThat(inZone.getMetresInsideOperatingArea(), closeTo(1_300, 30));
              assertThat(inZone.unknowns(), is(EnumSet.of(Unknown.WEATHER)));

              EnrichedTelemetry between = byId.get("between");
              assertThat(between.getZone(), nullValue());
              assertThat("nearest zone's weather", between.getWeatherLocationId(), is("ber-1"));
              assertThat(between.unknowns(), is(EnumSet.of(Unknown.WEATHER)));

              EnrichedTelemetry farOut = byId.get("far-out");
              assertThat(farOut.getMetresInsideOperatingArea(), lessThan(-6_000.0));
              assertThat("no zone within 5 km", farOut.getWeatherLocationId(), nullValue());
              return null;
            });
    PipelineResult result = p.run();
    result.waitUntilFinish();
    assertThat(counter(result, "readings_enriched"), is(3L));
    assertThat(counter(result, "enrichment_unknown_vehicle"), is(0L));
  }

  @Test
  void testOnTimeReadingOfUnknownVehicleIsKeptWithExplicitUnknownsAndCounted(TestPipeline p) {
    TestStream<RawUnionValue> stream =
        EnrichmentInput.stream(p)
            .advanceWatermarkTo(T0)
            .addElements(vehicles(T0, scooter("v1", "ber-1"), HOMELESS), locations(T0, ALEX, KOTTI))
            .addElements(reading(at("v9", "unregistered", sec(1), 52.52, 13.405)))
            .addElements(reading(at("v2", "home-missing", sec(2), 52.52, 13.405)))
            .advanceWatermarkToInfinity();
    PAssert.that(enrich(p, stream))
        .satisfies(
            all -> {
              Map<String, EnrichedTelemetry> byId = byEventId(all);
              EnrichedTelemetry unregistered = byId.get("unregistered");
              assertThat(unregistered.unknowns(), is(EnumSet.of(Unknown.VEHICLE, Unknown.WEATHER)));
              assertThat("position is still resolved", unregistered.getZone(), is(ALEX));
              assertThat(unregistered.getMetresInsideOperatingArea(), nullValue());
              EnrichedTelemetry homeMissing = byId.get("home-missing");
              assertThat(homeMissing.getVehicle(), is(HOMELESS));
              assertThat(homeMissing.unknowns(), is(EnumSet.of(Unknown.HOME_CITY, Unknown.WEATHER)));
              assertThat(homeMissing.getHomeCity(), nullValue());
              return null;
            });
    PipelineResult result = p.run();
    result.waitUntilFinish();
    assertThat(counter(result, "enrichment_unknown_vehicle"), is(1L));
    assertThat(counter(result, "enrichment_unknown_home_city"), is(1L));
    assertThat(counter(result, "readings_enriched"), is(2L));
  }

  @Test
  void testOnTimeReferenceDataChangeIsPickedUpAfterRefresh(TestPipeline p) {
    TestStream<RawUnionValue> stream =
        EnrichmentInput.stream(p)
            .advanceWatermarkTo(T0)
            .addElements(vehicles(T0, scooter("v1", "ber-1")), locations(T0, ALEX, KOTTI))
            .addElements(
                reading(at("v1", "before-v1", sec(1), 52.52, 13.405)),
                reading(at("v2", "before-v2", sec(1), 53.55, 9.99)))
            // The refresh: v1 was SERVICED_AGAIN, v2 was registered, Hamburg opened.
            .addElements(
                vehicles(sec(60), SERVICED_AGAIN, scooter("v2", "ham-1")), locations(sec(60), ALEX, KOTTI, RATHAUS))
            .addElements(
                reading(at("v1", "after-v1", sec(61), 52.52, 13.405)),
                reading(at("v2", "after-v2", sec(61), 53.55, 9.99)))
            .advanceWatermarkToInfinity();
    PAssert.that(enrich(p, stream))
        .satisfies(
            all -> {
              Map<String, EnrichedTelemetry> byId = byEventId(all);
              assertThat(byId.get("before-v1").getVehicle().getLastServiceDate(), is(EnrichmentInput.SERVICED));
              assertThat(byId.get("before-v2").getVehicle(), nullValue());
              assertThat(byId.get("before-v2").getZone(), nullValue());
              assertThat(byId.get("after-v1").getVehicle(), is(SERVICED_AGAIN));
              assertThat(byId.get("after-v2").getVehicle(), is(scooter("v2", "ham-1")));
              assertThat(byId.get("after-v2").getZone(), is(RATHAUS));
              assertThat(byId.get("after-v2").getHomeCity(), is("Hamburg"));
              assertThat(byId.get("after-v2").getMetresInsideOperatingArea(), greaterThan(1_200.0));
              assertThat(byId.get("after-v2").unknowns(), is(EnumSet.of(Unknown.WEATHER)));
              assertThat(byId.get("after-v1").unknowns(), is(EnumSet.of(Unknown.WEATHER)));
              assertThat(byId.size(), is(4));
              return null;
            });
    PipelineResult result = p.run();
    result.waitUntilFinish();
    assertThat(counter(result, "enrichment_unknown_vehicle"), is(1L));
  }

  @Test
  void testOperatingAreaIsDerivedFromTheCitysZonesPlusMargin() {
    FleetGeography geo = FleetGeography.of(java.util.List.of(ALEX, KOTTI, RATHAUS), 1_000);
    FleetGeography.OperatingArea berlin = geo.operatingArea("Berlin");
    assertThat(berlin.centreLat(), closeTo(52.51, 1e-9));
    double alexFromCentre = FleetGeography.distanceM(52.51, 13.4025, 52.52, 13.405);
    assertThat(berlin.radiusM(), closeTo(alexFromCentre + 300 + 1_000, 1e-6));
    assertThat(geo.operatingArea("Hamburg").radiusM(), closeTo(1_300, 1e-6));
    assertThat(geo.operatingArea("Munich"), nullValue());
    assertThat(geo.zoneContaining(52.5, 13.4), is(KOTTI));
    assertThat(geo.zoneContaining(52.51, 13.4025), nullValue());
  }
}
