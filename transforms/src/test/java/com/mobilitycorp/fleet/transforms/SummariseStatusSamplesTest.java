package com.mobilitycorp.fleet.transforms;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

import com.mobilitycorp.fleet.model.VehicleStatus;
import com.mobilitycorp.fleet.model.VehicleStatusSample;
import java.util.List;
import org.joda.time.Instant;
import org.junit.jupiter.api.Test;

/** The combiner's sums must not depend on the order readings and partial sums arrive in. */
class SummariseStatusSamplesTest {
  private static final SummariseStatusSamples FN = new SummariseStatusSamples();

  private static SummariseStatusSamples.Summary of(double... batteries) {
    SummariseStatusSamples.Summary s = FN.createAccumulator();
    for (double battery : batteries) {
      FN.addInput(s, VehicleStatusSample.reading("v" + battery, new Instant(0),
          VehicleStatus.AVAILABLE, "L1", "e_scooter", battery));
    }
    return s;
  }

  @Test
  void testMeanBatteryIsTheSameWhicheverWayTheReadingsWereGrouped() {
    // As doubles, (0.1 + 0.2) + 0.3 and 0.1 + (0.2 + 0.3) differ in the last digit: a window
    // re-emitted after a restore (other partial sums) must still carry exactly the same mean.
    double onePartition = FN.mergeAccumulators(List.of(of(0.1, 0.2), of(0.3))).avgBatteryPct();
    double replayed = FN.mergeAccumulators(List.of(of(0.1), of(0.2, 0.3))).avgBatteryPct();
    assertThat(replayed, is(onePartition));
    assertThat(onePartition, is(0.2));
  }
}
