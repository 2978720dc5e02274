package com.mobilitycorp.fleet.transforms;

import com.mobilitycorp.fleet.model.EnrichedTelemetry;
import com.mobilitycorp.fleet.model.LocationMetadata;
import com.mobilitycorp.fleet.model.VehicleMetadata;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The alert details every vehicle alert carries, from an enriched reading. Reference data the
 * pipeline lacks reads {@value #UNKNOWN}, so a consumer can tell "not known" from "not there"
 * (a vehicle between zones has location_id {@value #NO_ZONE}).
 */
final class ReadingContext {
  static final String UNKNOWN = "unknown";
  static final String NO_ZONE = "none";

  static Map<String, String> of(EnrichedTelemetry reading) {
    return of(
        reading.getTelemetry().getLat(), reading.getTelemetry().getLon(), reading.getVehicle(),
        reading.getZone(), reading.getHomeCity());
  }

  static Map<String, String> of(
      double lat, double lon, @Nullable VehicleMetadata vehicle, @Nullable LocationMetadata zone,
      @Nullable String homeCity) {
    Map<String, String> details = new TreeMap<>();
    details.put("lat", String.valueOf(lat));
    details.put("lon", String.valueOf(lon));
    details.put("vehicle_type", vehicle == null ? UNKNOWN : vehicle.getVehicleType().name().toLowerCase(Locale.ROOT));
    details.put("model", vehicle == null ? UNKNOWN : vehicle.getModel());
    details.put(
        "last_service_date",
        vehicle == null ? UNKNOWN : vehicle.getLastServiceDate().toString().substring(0, 10));
    details.put("location_id", zone == null ? NO_ZONE : zone.getLocationId());
    details.put("location_name", zone == null ? NO_ZONE : zone.getName());
    details.put("city", homeCity == null ? UNKNOWN : homeCity);
    return details;
  }

  private ReadingContext() {}
}
