package com.mobilitycorp.fleet.transforms;

import com.mobilitycorp.fleet.model.EnrichedTelemetry;
import com.mobilitycorp.fleet.model.LocationMetadata;
import com.mobilitycorp.fleet.model.VehicleMetadata;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The alert details every vehicle alert carries, from an enriched reading. Reference data the
 * pipeline lacks reads {@value #UNKNOWN}, so a consumer can tell "not known" from "not there"
 * (a vehicle between zones has location_id {@value #NO_ZONE}).
 */
final class ReadingContext {
  static final String UNKNOWN = "unknown";
  static final String NO_ZONE = "none";

  static Map<String, String> of(EnrichedTelemetry reading) {
    Map<String, String> details = new TreeMap<>();
    details.put("lat", String.valueOf(reading.getTelemetry().getLat()));
    details.put("lon", String.valueOf(reading.getTelemetry().getLon()));
    VehicleMetadata vehicle = reading.getVehicle();
    details.put("vehicle_type", vehicle == null ? UNKNOWN : vehicle.getVehicleType().name().toLowerCase(Locale.ROOT));
    details.put("model", vehicle == null ? UNKNOWN : vehicle.getModel());
    details.put(
        "last_service_date",
        vehicle == null ? UNKNOWN : vehicle.getLastServiceDate().toString().substring(0, 10));
    LocationMetadata zone = reading.getZone();
    details.put("location_id", zone == null ? NO_ZONE : zone.getLocationId());
    details.put("location_name", zone == null ? NO_ZONE : zone.getName());
    details.put("city", reading.getHomeCity() == null ? UNKNOWN : reading.getHomeCity());
    return details;
  }

  private ReadingContext() {}
}
