package com.mobilitycorp.fleet.testing.simulator;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;

import com.mobilitycorp.fleet.model.LocationMetadata;
import com.mobilitycorp.fleet.model.VehicleMetadata;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.LocalDate;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/** Upserting the reference data into a real PostgreSQL, twice (idempotent). */
class ReferenceDataWriterTest {

  @Test
  void upsertsVehiclesAndLocationsIdempotently() throws Exception {
    FleetSimulator sim =
        new FleetSimulator(SimulatorConfig.builder().vehicleCount(700).locationCount(20).build());
    try (EmbeddedPostgres pg = EmbeddedPostgres.start()) {
      String url = pg.getJdbcUrl("postgres", "postgres");
      int rows = ReferenceDataWriter.apply(url, "postgres", null, sim.locations(), sim.vehicles());
      assertThat(rows, equalTo(720));
      // Again, with one changed model: updated in place, no duplicates.
      List<VehicleMetadata> changed = new java.util.ArrayList<>(sim.vehicles());
      VehicleMetadata first = changed.get(0);
      changed.set(
          0,
          VehicleMetadata.create(
              first.getVehicleId(), first.getVehicleType(), "Refurbished " + first.getModel(),
              first.getHomeLocationId(), first.getLastServiceDate()));
      ReferenceDataWriter.apply(url, "postgres", null, sim.locations(), changed);

      try (Connection c = DriverManager.getConnection(url, "postgres", null);
          Statement s = c.createStatement()) {
        assertThat(count(s, "SELECT count(*) FROM locations"), equalTo(20L));
        assertThat(count(s, "SELECT count(*) FROM vehicles"), equalTo(700L));
        assertThat(
            count(s, "SELECT count(*) FROM vehicles WHERE vehicle_type NOT IN ('e_scooter','e_bike','car')"),
            equalTo(0L));
        try (PreparedStatement ps =
            c.prepareStatement(
                "SELECT vehicle_type, model, home_location_id, last_service_date FROM vehicles WHERE vehicle_id = ?")) {
          ps.setString(1, first.getVehicleId());
          try (ResultSet rs = ps.executeQuery()) {
            rs.next();
            assertThat(rs.getString(1), equalTo(first.getVehicleType().name().toLowerCase(Locale.ROOT)));
            assertThat(rs.getString(2), equalTo("Refurbished " + first.getModel()));
            assertThat(rs.getString(3), equalTo(first.getHomeLocationId()));
            assertThat(rs.getObject(4, LocalDate.class), equalTo(ReferenceDataWriter.serviceDay(first)));
          }
        }
        LocationMetadata loc = sim.locations().get(0);
        try (ResultSet rs =
            s.executeQuery(
                "SELECT name, city, centre_lat, centre_lon, radius_m FROM locations WHERE location_id = '"
                    + loc.getLocationId()
                    + "'")) {
          rs.next();
          assertThat(rs.getString(1), equalTo(loc.getName()));
          assertThat(rs.getString(2), equalTo(loc.getCity()));
          assertThat(rs.getDouble(3), equalTo(loc.getCentreLat()));
          assertThat(rs.getDouble(4), equalTo(loc.getCentreLon()));
          assertThat(rs.getDouble(5), equalTo(loc.getRadiusM()));
        }
      }
    }
  }

  @Test
  void leavesUnregisteredVehiclesOut() throws Exception {
    FleetSimulator sim =
        new FleetSimulator(
            SimulatorConfig.builder()
                .vehicleCount(300)
                .locationCount(12)
                .unregisteredVehicleRate(0.05)
                .build());
    assertThat(sim.unregisteredVehicles().size(), equalTo(15));
    try (EmbeddedPostgres pg = EmbeddedPostgres.start()) {
      String url = pg.getJdbcUrl("postgres", "postgres");
      // What the CLI does with --jdbc-url.
      int rows = ReferenceDataWriter.apply(url, "postgres", null, sim);
      assertThat(rows, equalTo(12 + 285));

      java.util.Set<String> stored = new java.util.TreeSet<>();
      try (Connection c = DriverManager.getConnection(url, "postgres", null);
          Statement s = c.createStatement();
          ResultSet rs = s.executeQuery("SELECT vehicle_id FROM vehicles")) {
        while (rs.next()) {
          stored.add(rs.getString(1));
        }
      }
      java.util.Set<String> registered = new java.util.TreeSet<>();
      sim.registeredVehicles().forEach(v -> registered.add(v.getVehicleId()));
      assertThat(stored, equalTo(registered));
      for (String id : sim.unregisteredVehicles()) {
        assertThat(id, stored.contains(id), equalTo(false));
      }
    }
  }

  private static long count(Statement s, String sql) throws Exception {
    try (ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
