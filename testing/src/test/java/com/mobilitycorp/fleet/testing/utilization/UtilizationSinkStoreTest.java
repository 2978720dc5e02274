package com.mobilitycorp.fleet.testing.utilization;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.mobilitycorp.fleet.io.jdbc.UtilizationSink;
import com.mobilitycorp.fleet.io.jdbc.UtilizationSink.Store;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Which statement and store a JDBC URL selects; no database needed. */
class UtilizationSinkStoreTest {

  @Test
  void postgresqlUrlsSelectTheVersionGuardedUpsert() {
    Store store = Store.forUrl("jdbc:postgresql://127.0.0.1:15432/postgres");
    assertThat(store, is(Store.POSTGRESQL));
    assertThat(store.driverClassName(), is("org.postgresql.Driver"));
    assertThat(
        store.statement(),
        allOf(
            containsString("INSERT INTO vehicle_utilization_hourly"),
            containsString("ON CONFLICT (window_start, location_id, vehicle_type) DO UPDATE SET"),
            containsString("WHERE vehicle_utilization_hourly.version <= EXCLUDED.version")));
    assertThat(store.statement(), is(UtilizationSink.POSTGRES_UPSERT));
    assertThat(
        UtilizationSink.to("jdbc:postgresql://db/fleet", "u", "p").store(), is(Store.POSTGRESQL));
  }

  @Test
  void clickhouseUrlsSelectAPlainInsert() {
    Store store = Store.forUrl("jdbc:clickhouse://127.0.0.1:8123/default?compress=0");
    assertThat(store, is(Store.CLICKHOUSE));
    assertThat(store.driverClassName(), is("ru.yandex.clickhouse.ClickHouseDriver"));
    assertThat(store.statement(), is(UtilizationSink.CLICKHOUSE_INSERT));
    assertThat(store.statement(), containsString("INSERT INTO vehicle_utilization_hourly ("));
    assertThat(store.statement(), not(containsString("ON CONFLICT")));
    assertThat(store.statement(), not(containsString("updated_at")));
    assertThat(
        UtilizationSink.to("JDBC:ClickHouse://ch:8123/fleet", null, null).store(),
        is(Store.CLICKHOUSE));
  }

  @Test
  void bothStatementsBindTheSameThirteenParameters() {
    assertThat(placeholders(UtilizationSink.POSTGRES_UPSERT), is(13L));
    assertThat(placeholders(UtilizationSink.CLICKHOUSE_INSERT), is(13L));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "jdbc:mysql://db/fleet",
        "jdbc:ch://127.0.0.1:8123/default", // the com.clickhouse driver's scheme: not 18.16
        "jdbc:h2:mem:x",
        "postgresql://db/fleet",
        "clickhouse://db:8123",
        ""
      })
  void anyOtherSchemeIsRejectedNamingTheSupportedOnes(String url) {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> UtilizationSink.to(url, "u", "p"));
    assertThat(
        e.getMessage(),
        allOf(containsString("jdbc:postgresql:"), containsString("jdbc:clickhouse:")));
    assertThrows(IllegalArgumentException.class, () -> Store.forUrl(url));
    assertThrows(IllegalArgumentException.class, () -> UtilizationSink.applySchema(url, "u", "p"));
  }

  @Test
  void theRejectionDoesNotEchoTheQueryString() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> Store.forUrl("jdbc:mysql://db/fleet?user=x&password=s3cret"));
    assertThat(e.getMessage(), containsString("jdbc:mysql://db/fleet"));
    assertThat(e.getMessage(), not(containsString("s3cret")));
  }

  @Test
  void aNullUrlIsRejected() {
    assertThrows(IllegalArgumentException.class, () -> Store.forUrl(null));
  }

  private static long placeholders(String sql) {
    return sql.chars().filter(c -> c == '?').count();
  }
}
