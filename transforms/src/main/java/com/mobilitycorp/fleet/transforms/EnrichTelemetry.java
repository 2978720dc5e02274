package com.mobilitycorp.fleet.transforms;

import com.mobilitycorp.fleet.model.EnrichedTelemetry;
import com.mobilitycorp.fleet.model.LocationMetadata;
import com.mobilitycorp.fleet.model.TelemetryEvent;
import com.mobilitycorp.fleet.model.VehicleMetadata;
import com.mobilitycorp.fleet.transforms.FleetGeography.OperatingArea;
import java.util.Map;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionView;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Enriches each telemetry reading, at once, with the reference data: the vehicle's metadata, the
 * zone whose geofence contains it, its home city and the metres inside that city's operating area,
 * and the zone whose weather applies (for {@link JoinWeather}).
 *
 * <p>Reference data comes as side inputs (whole-table snapshots of {@code vehicles} and {@code
 * locations}, refreshed while the job runs), so a changed table reaches the next reading without a
 * restart. Readings wait until the first snapshot has arrived, then never: a vehicle or home
 * location missing from the snapshot leaves the field null (see {@link
 * EnrichedTelemetry#unknowns()}) and is counted ({@code enrichment_unknown_vehicle}, {@code
 * enrichment_unknown_home_city}); the reading is never dropped.
 */
public final class EnrichTelemetry
    extends PTransform<PCollection<TelemetryEvent>, PCollection<EnrichedTelemetry>> {

  /** Beyond this from every zone centre, no zone's weather applies. */
  public static final double DEFAULT_WEATHER_RADIUS_M = 5_000.0;

  private final PCollectionView<Map<String, VehicleMetadata>> vehicles;
  private final PCollectionView<Map<String, LocationMetadata>> locations;
  private final double operatingAreaMarginM;
  private final double weatherRadiusM;

  private EnrichTelemetry(
      PCollectionView<Map<String, VehicleMetadata>> vehicles,
      PCollectionView<Map<String, LocationMetadata>> locations,
      double operatingAreaMarginM,
      double weatherRadiusM) {
    this.vehicles = vehicles;
    this.locations = locations;
    this.operatingAreaMarginM = operatingAreaMarginM;
    this.weatherRadiusM = weatherRadiusM;
  }

  /** Enrichment from snapshots of the vehicles and locations tables, keyed by their ids. */
  public static EnrichTelemetry withReferenceData(
      PCollectionView<Map<String, VehicleMetadata>> vehicles,
      PCollectionView<Map<String, LocationMetadata>> locations) {
    return new EnrichTelemetry(
        vehicles, locations, FleetGeography.DEFAULT_OPERATING_AREA_MARGIN_M, DEFAULT_WEATHER_RADIUS_M);
  }

  public EnrichTelemetry withOperatingAreaMarginM(double marginM) {
    return new EnrichTelemetry(vehicles, locations, marginM, weatherRadiusM);
  }

  public EnrichTelemetry withWeatherRadiusM(double radiusM) {
    return new EnrichTelemetry(vehicles, locations, operatingAreaMarginM, radiusM);
  }

  @Override
  public PCollection<EnrichedTelemetry> expand(PCollection<TelemetryEvent> telemetry) {
    return telemetry.apply(
        "AttachReferenceData",
        ParDo.of(new AttachReferenceDataFn(vehicles, locations, operatingAreaMarginM, weatherRadiusM))
            .withSideInputs(vehicles, locations));
  }

  static final class AttachReferenceDataFn extends DoFn<TelemetryEvent, EnrichedTelemetry> {
    private static final long serialVersionUID = 1L;

    private final Counter enriched = Metrics.counter(EnrichTelemetry.class, "readings_enriched");
    private final Counter unknownVehicle =
        Metrics.counter(EnrichTelemetry.class, "enrichment_unknown_vehicle");
    private final Counter unknownHomeCity =
        Metrics.counter(EnrichTelemetry.class, "enrichment_unknown_home_city");

    private final PCollectionView<Map<String, VehicleMetadata>> vehicles;
    private final PCollectionView<Map<String, LocationMetadata>> locations;
    private final double operatingAreaMarginM;
    private final double weatherRadiusM;

    // The geography of the last locations snapshot seen; rebuilt when a refresh brings a new one.
    private transient @Nullable Map<String, LocationMetadata> geographyOf;
    private transient @Nullable FleetGeography geography;

    AttachReferenceDataFn(
        PCollectionView<Map<String, VehicleMetadata>> vehicles,
        PCollectionView<Map<String, LocationMetadata>> locations,
        double operatingAreaMarginM,
        double weatherRadiusM) {
      this.vehicles = vehicles;
      this.locations = locations;
      this.operatingAreaMarginM = operatingAreaMarginM;
      this.weatherRadiusM = weatherRadiusM;
    }

    @ProcessElement
    public void processElement(ProcessContext c) {
      TelemetryEvent reading = c.element();
      Map<String, LocationMetadata> zones = c.sideInput(locations);
      FleetGeography geo = geography(zones);
      VehicleMetadata vehicle = c.sideInput(vehicles).get(reading.getVehicleId());
      LocationMetadata home = vehicle == null ? null : zones.get(vehicle.getHomeLocationId());
      String city = home == null ? null : home.getCity();
      OperatingArea area = city == null ? null : geo.operatingArea(city);
      LocationMetadata zone = geo.zoneContaining(reading.getLat(), reading.getLon());
      LocationMetadata weatherZone =
          zone != null ? zone : geo.nearestZone(reading.getLat(), reading.getLon(), weatherRadiusM);
      if (vehicle == null) {
        unknownVehicle.inc();
      } else if (city == null) {
        unknownHomeCity.inc();
      }
      enriched.inc();
      c.output(
          EnrichedTelemetry.builder()
              .setTelemetry(reading)
              .setVehicle(vehicle)
              .setZone(zone)
              .setHomeCity(city)
              .setMetresInsideOperatingArea(
                  area == null ? null : area.metresInside(reading.getLat(), reading.getLon()))
              .setWeatherLocationId(weatherZone == null ? null : weatherZone.getLocationId())
              .setWeather(null)
              .build());
    }

    private FleetGeography geography(Map<String, LocationMetadata> zones) {
      if (geography == null || geographyOf != zones) {
        geography = FleetGeography.of(zones.values(), operatingAreaMarginM);
        geographyOf = zones;
      }
      return geography;
    }
  }
}
