package com.mobilitycorp.fleet.transforms;

import com.mobilitycorp.fleet.model.LocationMetadata;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The fleet's geography from one snapshot of the {@code locations} table: zones (circular
 * geofences, centre + radius, that never overlap) and each city's operating area.
 *
 * <p><b>Operating area.</b> The business draws no separate polygon per city yet, so the area is
 * derived from the city's zones and moves with them: a circle around the mean of the zone
 * centres, reaching the far edge of the outermost zone plus a margin (default 1 km, for streets
 * between zones and GPS noise). Outside it, a vehicle has left the area the city allows.
 *
 * <p>Lookups scan the zones linearly: a few hundred zones cost microseconds per event, less than
 * an index would save.
 */
public final class FleetGeography implements Serializable {
  private static final long serialVersionUID = 1L;

  public static final double DEFAULT_OPERATING_AREA_MARGIN_M = 1_000.0;
  /** Mean Earth radius (IUGG), metres. */
  private static final double EARTH_RADIUS_M = 6_371_008.8;

  private final List<LocationMetadata> zones;
  private final Map<String, OperatingArea> areas;

  private FleetGeography(List<LocationMetadata> zones, Map<String, OperatingArea> areas) {
    this.zones = zones;
    this.areas = areas;
  }

  public static FleetGeography of(Collection<LocationMetadata> locations, double marginM) {
    List<LocationMetadata> zones = new ArrayList<>(locations);
    zones.sort(Comparator.comparing(LocationMetadata::getLocationId));
    Map<String, List<LocationMetadata>> byCity = new TreeMap<>();
    for (LocationMetadata zone : zones) {
      byCity.computeIfAbsent(zone.getCity(), c -> new ArrayList<>()).add(zone);
    }
    Map<String, OperatingArea> areas = new HashMap<>();
    byCity.forEach((city, cityZones) -> areas.put(city, OperatingArea.around(city, cityZones, marginM)));
    return new FleetGeography(zones, areas);
  }

  /** The zone whose geofence contains the point (the nearest centre if two ever do), or null. */
  public @Nullable LocationMetadata zoneContaining(double lat, double lon) {
    LocationMetadata best = null;
    double bestM = Double.MAX_VALUE;
    for (LocationMetadata zone : zones) {
      double m = distanceM(lat, lon, zone.getCentreLat(), zone.getCentreLon());
      if (m <= zone.getRadiusM() && m < bestM) {
        best = zone;
        bestM = m;
      }
    }
    return best;
  }

  /** The zone with the nearest centre within {@code maxM}, or null. */
  public @Nullable LocationMetadata nearestZone(double lat, double lon, double maxM) {
    LocationMetadata best = null;
    double bestM = maxM;
    for (LocationMetadata zone : zones) {
      double m = distanceM(lat, lon, zone.getCentreLat(), zone.getCentreLon());
      if (m <= bestM) {
        best = zone;
        bestM = m;
      }
    }
    return best;
  }

  public @Nullable LocationMetadata zone(String locationId) {
    for (LocationMetadata zone : zones) {
      if (zone.getLocationId().equals(locationId)) {
        return zone;
      }
    }
    return null;
  }

  /** The city's operating area, or null for a city without zones. */
  public @Nullable OperatingArea operatingArea(String city) {
    return areas.get(city);
  }

  /** Great-circle (haversine) distance in metres. */
  public static double distanceM(double lat1, double lon1, double lat2, double lon2) {
    double dLat = Math.toRadians(lat2 - lat1);
    double dLon = Math.toRadians(lon2 - lon1);
    double a =
        Math.sin(dLat / 2) * Math.sin(dLat / 2)
            + Math.cos(Math.toRadians(lat1)) * Math.cos(Math.toRadians(lat2))
                * Math.sin(dLon / 2) * Math.sin(dLon / 2);
    return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1.0, Math.sqrt(a)));
  }

  /** A city's operating area: a circle. */
  public record OperatingArea(String city, double centreLat, double centreLon, double radiusM)
      implements Serializable {

    static OperatingArea around(String city, List<LocationMetadata> zones, double marginM) {
      double lat = zones.stream().mapToDouble(LocationMetadata::getCentreLat).average().orElseThrow();
      double lon = zones.stream().mapToDouble(LocationMetadata::getCentreLon).average().orElseThrow();
      double reach = 0;
      for (LocationMetadata zone : zones) {
        reach = Math.max(reach, distanceM(lat, lon, zone.getCentreLat(), zone.getCentreLon()) + zone.getRadiusM());
      }
      return new OperatingArea(city, lat, lon, reach + marginM);
    }

    /** Metres from the point to the area's edge: positive inside, negative outside. */
    public double metresInside(double lat, double lon) {
      return radiusM - distanceM(lat, lon, centreLat, centreLon);
    }
  }
}
