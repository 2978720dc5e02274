package com.mobilitycorp.fleet.testing.simulator;

import com.mobilitycorp.fleet.model.LocationMetadata;
import com.mobilitycorp.fleet.model.VehicleMetadata;
import com.mobilitycorp.fleet.model.VehicleType;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.joda.time.DateTimeConstants;
import org.joda.time.Instant;

/**
 * The fleet's reference data, derived from the seed only (its own random stream, so it does not
 * depend on how far a simulation has run): zones spread round-robin over the configured cities,
 * first at real neighbourhoods, then at random points 0.5-4.8 km from the centre; zone geofences
 * (150-400 m) never overlap. Vehicles get an exact type mix, a model, a home zone (drawn by zone
 * popularity) and a last service date within the year before the start.
 *
 * <p>A share of the vehicles ({@link SimulatorConfig#unregisteredVehicleRate()}, rounded) is not
 * registered yet: chosen with a random stream of its own, so the rest of the data, and the whole
 * simulation, is the same whatever the share.
 */
final class ReferenceData {
  private static final long SALT = 0x5EED_0001L;
  private static final long UNREGISTERED_SALT = 0x5EED_0009L;
  private static final double MIN_RADIUS_M = 150;
  private static final double MAX_RADIUS_M = 400;
  private static final double MIN_GENERATED_SEPARATION_M = 750;

  final List<LocationMetadata> locations;
  final City[] zoneCity;
  /** Popularity of each zone (relative demand and share of the fleet based there). */
  final double[] zoneWeight;

  final List<VehicleMetadata> vehicles;
  final VehicleProfile[] vehicleProfile;
  final VehicleProfile.Model[] vehicleModel;
  final int[] homeZone;
  /** Ids of the vehicles missing from the metadata table, sorted. */
  final Set<String> unregisteredIds;
  /** The vehicles in the metadata table: {@link #vehicles} without the unregistered ones. */
  final List<VehicleMetadata> registeredVehicles;

  ReferenceData(SimulatorConfig config) {
    SimRandom rnd = SimRandom.forStream(config.seed(), SALT);
    int m = config.locationCount();
    City[] cities = City.values();
    int cityCount = Math.min(config.cityCount(), m);

    // 1. Zone centres.
    zoneCity = new City[m];
    String[] names = new String[m];
    String[] ids = new String[m];
    double[] lat = new double[m];
    double[] lon = new double[m];
    int[] perCity = new int[cities.length];
    List<String> zoneIds = locationIds(m, config.cityCount());
    for (int i = 0; i < m; i++) {
      City city = cities[i % cityCount];
      int k = perCity[city.ordinal()]++;
      zoneCity[i] = city;
      ids[i] = zoneIds.get(i);
      if (k < city.hubs.size()) {
        City.Hub hub = city.hubs.get(k);
        names[i] = city.displayName + " " + hub.name();
        lat[i] = hub.lat();
        lon[i] = hub.lon();
      } else {
        names[i] = city.displayName + " Zone " + (k + 1);
        double[] p = randomCentre(rnd, city, lat, lon, i);
        lat[i] = p[0];
        lon[i] = p[1];
      }
    }

    // 2. Radii (no two geofences overlap) and popularity.
    List<LocationMetadata> locs = new ArrayList<>(m);
    zoneWeight = new double[m];
    for (int i = 0; i < m; i++) {
      double nearest = Double.MAX_VALUE;
      for (int j = 0; j < m; j++) {
        if (j != i) {
          nearest = Math.min(nearest, Geo.distanceM(lat[i], lon[i], lat[j], lon[j]));
        }
      }
      // Never more than half the distance to the nearest other centre (minus a margin), so no
      // position lies in two geofences; rounded down to 10 m.
      double radius = Math.min(rnd.uniform(MIN_RADIUS_M, MAX_RADIUS_M), nearest / 2 - 20);
      radius = Math.max(10.0, Math.floor(radius / 10.0) * 10.0);
      City city = zoneCity[i];
      double fromCentreKm = Geo.distanceM(city.centreLat, city.centreLon, lat[i], lon[i]) / 1000.0;
      zoneWeight[i] = rnd.uniform(0.6, 1.4) * (1.3 - 0.6 * Math.min(fromCentreKm / 5.0, 1.0));
      locs.add(LocationMetadata.create(ids[i], names[i], city.displayName, lat[i], lon[i], radius));
    }
    locations = Collections.unmodifiableList(locs);
    double[] cumulative = cumulative(zoneWeight);

    // 3. Vehicles: exact type counts (largest remainder), shuffled over the fleet.
    int n = config.vehicleCount();
    VehicleType[] types = typeAssignment(config.typeMix(), n, rnd);
    int idDigits = Math.max(5, String.valueOf(n).length());
    long startDay =
        config.start().getMillis() - Math.floorMod(config.start().getMillis(), DateTimeConstants.MILLIS_PER_DAY);
    List<VehicleMetadata> vs = new ArrayList<>(n);
    vehicleProfile = new VehicleProfile[n];
    vehicleModel = new VehicleProfile.Model[n];
    homeZone = new int[n];
    for (int v = 0; v < n; v++) {
      VehicleProfile profile = VehicleProfile.of(types[v]);
      VehicleProfile.Model model = profile.models.get(rnd.nextInt(profile.models.size()));
      int home = rnd.pickCumulative(cumulative);
      long serviceDay = startDay - (1 + rnd.nextInt(365)) * (long) DateTimeConstants.MILLIS_PER_DAY;
      vehicleProfile[v] = profile;
      vehicleModel[v] = model;
      homeZone[v] = home;
      vs.add(
          VehicleMetadata.create(
              String.format("veh-%0" + idDigits + "d", v + 1),
              types[v],
              model.name(),
              ids[home],
              new Instant(serviceDay)));
    }
    vehicles = Collections.unmodifiableList(vs);

    // 4. Vehicles not registered yet: a partial shuffle picks them.
    int unregistered = (int) Math.min(n, Math.round(config.unregisteredVehicleRate() * n));
    Set<String> left = new TreeSet<>();
    if (unregistered > 0) {
      SimRandom pick = SimRandom.forStream(config.seed(), UNREGISTERED_SALT);
      int[] order = new int[n];
      for (int i = 0; i < n; i++) {
        order[i] = i;
      }
      for (int i = 0; i < unregistered; i++) {
        int j = i + pick.nextInt(n - i);
        int tmp = order[i];
        order[i] = order[j];
        order[j] = tmp;
        left.add(vs.get(order[i]).getVehicleId());
      }
    }
    unregisteredIds = Collections.unmodifiableSet(left);
    List<VehicleMetadata> registered = new ArrayList<>(n - unregistered);
    for (VehicleMetadata v : vs) {
      if (!left.contains(v.getVehicleId())) {
        registered.add(v);
      }
    }
    registeredVehicles = Collections.unmodifiableList(registered);
  }

  /**
   * The location ids of a config with these settings, in zone order (round-robin over the cities:
   * loc-ber-01, loc-muc-01, loc-ham-01, loc-ber-02, ...). They depend on the counts only, not on
   * the seed, so a config can check ids without generating the reference data.
   */
  static List<String> locationIds(int locationCount, int cityCount) {
    City[] cities = City.values();
    int used = Math.min(cityCount, locationCount);
    int idWidth = Math.max(2, String.valueOf((locationCount + used - 1) / used).length());
    int[] perCity = new int[cities.length];
    List<String> ids = new ArrayList<>(locationCount);
    for (int i = 0; i < locationCount; i++) {
      City city = cities[i % used];
      int k = perCity[city.ordinal()]++;
      ids.add(String.format("loc-%s-%0" + idWidth + "d", city.code, k + 1));
    }
    return Collections.unmodifiableList(ids);
  }

  private static double[] randomCentre(SimRandom rnd, City city, double[] lat, double[] lon, int count) {
    double[] best = null;
    double bestSeparation = -1;
    for (int attempt = 0; attempt < 200; attempt++) {
      // Area-uniform between 0.5 and 4.8 km from the centre.
      double r = Math.sqrt(rnd.uniform(0.5 * 0.5, 4.8 * 4.8)) * 1000.0;
      double angle = rnd.uniform(0, 2 * Math.PI);
      double north = r * StrictMath.cos(angle);
      double east = r * StrictMath.sin(angle);
      double la = Geo.round(Geo.latAt(city.centreLat, north), 5);
      double lo = Geo.round(Geo.lonAt(city.centreLat, city.centreLon, east), 5);
      double separation = Double.MAX_VALUE;
      for (int j = 0; j < count; j++) {
        separation = Math.min(separation, Geo.distanceM(la, lo, lat[j], lon[j]));
      }
      if (separation >= MIN_GENERATED_SEPARATION_M) {
        return new double[] {la, lo};
      }
      if (separation > bestSeparation) {
        bestSeparation = separation;
        best = new double[] {la, lo};
      }
    }
    return best; // very dense configurations: the most separated candidate (radii shrink to fit)
  }

  private static VehicleType[] typeAssignment(Map<VehicleType, Double> mix, int n, SimRandom rnd) {
    VehicleType[] all = VehicleType.values();
    double total = 0;
    for (VehicleType t : all) {
      total += mix.getOrDefault(t, 0.0);
    }
    int[] counts = new int[all.length];
    double[] remainders = new double[all.length];
    int assigned = 0;
    for (int i = 0; i < all.length; i++) {
      double exact = n * mix.getOrDefault(all[i], 0.0) / total;
      counts[i] = (int) Math.floor(exact);
      remainders[i] = exact - counts[i];
      assigned += counts[i];
    }
    while (assigned < n) {
      int best = 0;
      for (int i = 1; i < all.length; i++) {
        if (remainders[i] > remainders[best]) {
          best = i;
        }
      }
      counts[best]++;
      remainders[best] = -1;
      assigned++;
    }
    VehicleType[] types = new VehicleType[n];
    int pos = 0;
    for (int i = 0; i < all.length; i++) {
      for (int c = 0; c < counts[i]; c++) {
        types[pos++] = all[i];
      }
    }
    for (int i = n - 1; i > 0; i--) { // Fisher-Yates
      int j = rnd.nextInt(i + 1);
      VehicleType tmp = types[i];
      types[i] = types[j];
      types[j] = tmp;
    }
    return types;
  }

  static double[] cumulative(double[] weights) {
    double[] c = new double[weights.length];
    double sum = 0;
    for (int i = 0; i < weights.length; i++) {
      sum += weights[i];
      c[i] = sum;
    }
    return c;
  }
}
