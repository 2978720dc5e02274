package com.mobilitycorp.fleet.testing.readmodel;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.closeTo;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;

import com.mobilitycorp.fleet.io.jdbc.AvailableVehiclesQueries;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The benchmark on a small fleet: it must keep running and report what it measured. */
class ReadModelQueryBenchTest {

  @TempDir Path workDir;

  @Test
  void smallRunWritesAMarkdownReportWithBothQueriesAndTheirIndexes() throws Exception {
    Path out = workDir.resolve("report.md");
    ReadModelQueryBench.main(
        new String[] {
          "--work-dir=" + workDir.resolve("postgres"),
          "--rows=3000",
          "--locations=30",
          "--iterations=50",
          "--warmup=10",
          "--out=" + out
        });

    String report = Files.readString(out);
    assertThat(report, containsString("| Available of type T at location L | 50 |"));
    assertThat(report, containsString("| Available within 500 m of a point | 50 |"));
    assertThat(report, containsString("3,000 rows"));
    assertThat(report, containsString(AvailableVehiclesQueries.AVAILABLE_WITHIN_RADIUS));
    assertThat(report, containsString(AvailableVehiclesQueries.LOCATION_TYPE_INDEX));
    assertThat(report, containsString(AvailableVehiclesQueries.POSITION_INDEX));
  }

  @Test
  void percentilesAreNearestRank() {
    long[] sorted = new long[100];
    for (int i = 0; i < sorted.length; i++) {
      sorted[i] = (i + 1) * 1_000_000L; // 1..100 ms
    }
    assertThat(ReadModelQueryBench.percentileMs(sorted, 0.50), is(50.0));
    assertThat(ReadModelQueryBench.percentileMs(sorted, 0.99), is(99.0));
    ReadModelQueryBench.QueryStats stats =
        ReadModelQueryBench.summarise("q", new long[][] {{3_000_000, 2}, {1_000_000, 4}});
    assertThat(stats.meanRows(), closeTo(3.0, 1e-9));
    assertThat(stats.maxMs(), is(3.0));
    assertThat(stats.p50Ms(), greaterThan(0.0));
  }
}
