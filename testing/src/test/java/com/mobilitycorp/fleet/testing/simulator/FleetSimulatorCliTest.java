package com.mobilitycorp.fleet.testing.simulator;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
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
  void badOptionsAreRejected() {
    assertThrows(IllegalArgumentException.class, () -> config("--speed=0")); // needs --duration
    assertThrows(IllegalArgumentException.class, () -> config("--no-such-option=1"));
    assertThrows(IllegalArgumentException.class, () -> config("--duration=30 minutes"));
    assertThrows(IllegalArgumentException.class, () -> config("vehicles=3"));
  }

  @Test
  void dryRunGeneratesToTheEnd() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code =
        FleetSimulatorCli.run(
            new String[] {"--dry-run", "--speed=0", "--duration=PT10M", "--vehicles=50", "--seed=3"},
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    String text = out.toString(StandardCharsets.UTF_8);
    assertThat(err.toString(StandardCharsets.UTF_8), code, equalTo(0));
    assertThat(text, containsString("[simulator] done:"));
    assertThat(text, containsString("veh.events.raw="));
  }
}
