package com.mobilitycorp.fleet.testing.simulator;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.jupiter.api.Test;

class FleetSimulatorCliTest {
  private static final Instant NOW = Instant.parse("2026-11-25T12:00:00Z");

  private static SimulatorConfig config(String... args) {
    return FleetSimulatorCli.config(FleetSimulatorCli.Options.parse(args), NOW);
  }

  @Test
  void realTimeStartsNowAndIsUnboundedByDefault() {
    SimulatorConfig c = config();
    assertThat(c.start(), equalTo(NOW));
    assertThat(c.end(), equalTo(null));
    assertThat(c.seed(), equalTo(42L));
    assertThat(c.vehicleCount(), equalTo(1000));
  }

  @Test
  void asFastAsPossibleReplaysTheLastDuration() {
    SimulatorConfig c = config("--speed=0", "--duration=PT30M", "--vehicles=50", "--late-rate=0.01");
    assertThat(c.start(), equalTo(NOW.minus(Duration.standardMinutes(30))));
    assertThat(c.end(), equalTo(NOW));
    assertThat(c.vehicleCount(), equalTo(50));
    assertThat(c.lateRate(), equalTo(0.01));
  }

  @Test
  void weatherIsOnByDefaultAndCanBeTurnedOff() {
    SimulatorConfig defaults = config();
    assertThat(defaults.weatherEnabled(), equalTo(true));
    assertThat(defaults.weatherInterval(), equalTo(Duration.standardMinutes(5)));
    assertThat(defaults.weatherLateRate(), equalTo(0.05));

    assertThat(config("--no-weather").weatherEnabled(), equalTo(false));
    SimulatorConfig tuned = config("--weather-interval=PT10M", "--weather-late-rate=0.2");
    assertThat(tuned.weatherInterval(), equalTo(Duration.standardMinutes(10)));
    assertThat(tuned.weatherLateRate(), equalTo(0.2));
  }

  @Test
  void anomaliesAreOnByDefaultAndCanBeTuned() {
    SimulatorConfig defaults = config();
    assertThat(defaults.batteryFaultRatePerVehicleDay(), equalTo(0.3));
    assertThat(defaults.excursionRate(), equalTo(0.02));
    assertThat(defaults.unregisteredVehicleRate(), equalTo(0.01));
    assertThat(defaults.confineTripsToOperatingArea(), equalTo(true));

    SimulatorConfig off =
        config(
            "--battery-fault-rate=0",
            "--excursion-rate=0",
            "--unregistered-rate=0",
            "--unconfined-trips");
    assertThat(off.batteryFaultRatePerVehicleDay(), equalTo(0.0));
    assertThat(off.excursionRate(), equalTo(0.0));
    assertThat(off.unregisteredVehicleRate(), equalTo(0.0));
    assertThat(off.tripsConfined(), equalTo(false));
    assertThrows(IllegalArgumentException.class, () -> config("--excursion-rate=1.5"));
    assertThrows(IllegalArgumentException.class, () -> config("--battery-fault-rate=-1"));
  }

  @Test
  void badOptionsAreRejected() {
    assertThrows(IllegalArgumentException.class, () -> config("--speed=0")); // needs --duration
    assertThrows(IllegalArgumentException.class, () -> config("--no-such-option=1"));
    assertThrows(IllegalArgumentException.class, () -> config("--duration=30 minutes"));
    assertThrows(IllegalArgumentException.class, () -> config("vehicles=3"));
    assertThrows(IllegalArgumentException.class, () -> config("--weather-interval=PT10S"));
  }

  @Test
  void surgesAreRepeatableAndRoundTrip() {
    String first = "loc-ber-03@2026-11-30T07:30:00Z/PT10M/25";
    String second = "loc-muc-10@2026-11-30T16:45:00Z/PT15M/40";
    SimulatorConfig c = config("--surge=" + first, "--vehicles=500", "--surge=" + second);
    assertThat(
        c.demandSurges(),
        equalTo(
            java.util.List.of(
                new DemandSurge(
                    "loc-ber-03", Instant.parse("2026-11-30T07:30:00Z"), Duration.standardMinutes(10), 25),
                new DemandSurge(
                    "loc-muc-10", Instant.parse("2026-11-30T16:45:00Z"), Duration.standardMinutes(15), 40))));
    // The config's surges, written back as flags, give the same config.
    String[] again =
        c.demandSurges().stream().map(x -> "--surge=" + x.toSpec()).toArray(String[]::new);
    assertThat(again, equalTo(new String[] {"--surge=" + first, "--surge=" + second}));
    String[] args = java.util.Arrays.copyOf(again, again.length + 1);
    args[again.length] = "--vehicles=500";
    assertThat(config(args), equalTo(c));
    assertThat(config().demandSurges(), equalTo(java.util.List.of()));
  }

  @Test
  void badSurgesAreRejectedWithTheReason() {
    IllegalArgumentException unknown =
        assertThrows(
            IllegalArgumentException.class,
            () -> config("--surge=loc-ber-11@2026-11-30T07:30:00Z/PT10M/25"));
    assertThat(unknown.getMessage(), containsString("unknown location id 'loc-ber-11'"));
    assertThat(unknown.getMessage(), containsString("loc-ber-01..loc-ber-10"));
    IllegalArgumentException malformed =
        assertThrows(
            IllegalArgumentException.class, () -> config("--surge=loc-ber-03@2026-11-30T07:30:00Z/25"));
    assertThat(malformed.getMessage(), containsString("--surge: "));
    assertThat(malformed.getMessage(), containsString("<location_id>@<ISO instant>/<ISO duration>/<count>"));
    // Before the start (the CLI's default start is now).
    IllegalArgumentException past =
        assertThrows(
            IllegalArgumentException.class,
            () -> config("--surge=loc-ber-03@2026-11-25T11:00:00Z/PT10M/25"));
    assertThat(past.getMessage(), containsString("starts before the simulation start"));
  }

  @Test
  void usageListsTheSurgeFlag() throws Exception {
    String text = dryRun("--help");
    assertThat(text, containsString("--surge"));
    assertThat(text, containsString("<location_id>@<ISO start>/<ISO duration>/<count>"));
  }

  @Test
  void dryRunReportsWhatTheSurgesBooked() throws Exception {
    String text =
        dryRun(
            "--dry-run",
            "--speed=0",
            "--start=2026-11-25T06:00:00Z",
            "--duration=PT30M",
            "--vehicles=300",
            "--no-weather",
            "--surge=loc-ber-01@2026-11-25T06:10:00Z/PT5M/3");
    assertThat(text, containsString("demandSurges=[loc-ber-01@2026-11-25T06:10:00Z/PT5M/3]"));
    assertThat(text, containsString("surge-bookings="));
    Matcher m =
        Pattern.compile("surge loc-ber-01@2026-11-25T06:10:00Z/PT5M/3: 3 requests, (\\d+) booked, (\\d+) unserved")
            .matcher(text);
    assertThat(text, m.find(), equalTo(true));
    assertThat(Integer.parseInt(m.group(1)) + Integer.parseInt(m.group(2)), equalTo(3));
  }

  /** Runs the CLI without Kafka; returns what it printed, failing on a non-zero exit code. */
  private static String dryRun(String... args) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code =
        FleetSimulatorCli.run(
            args,
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    assertThat(err.toString(StandardCharsets.UTF_8), code, equalTo(0));
    return out.toString(StandardCharsets.UTF_8);
  }

  /** The weather.observations count of the CLI's last progress line. */
  private static long weatherSent(String output) {
    Matcher m = Pattern.compile("weather\\.observations=(\\d+)").matcher(output);
    long last = -1;
    while (m.find()) {
      last = Long.parseLong(m.group(1));
    }
    return last;
  }

  @Test
  void dryRunGeneratesToTheEnd() throws Exception {
    String text = dryRun("--dry-run", "--speed=0", "--duration=PT10M", "--vehicles=50", "--seed=3");
    assertThat(text, containsString("[simulator] done:"));
    assertThat(text, containsString("veh.events.raw="));
    assertThat(text, containsString("battery-faults="));
    assertThat(text, containsString("batteryFaults="));
    assertThat(text, containsString("excursions="));
  }

  @Test
  void dryRunPublishesWeatherUnlessTurnedOff() throws Exception {
    String withWeather = dryRun("--dry-run", "--speed=0", "--duration=PT30M", "--vehicles=20");
    String withoutWeather =
        dryRun("--dry-run", "--speed=0", "--duration=PT30M", "--vehicles=20", "--no-weather");

    // 30 zones (the default) reporting every 5 minutes for 30 minutes.
    assertThat(weatherSent(withWeather), equalTo(180L));
    assertThat(weatherSent(withoutWeather), equalTo(0L));
  }
}
