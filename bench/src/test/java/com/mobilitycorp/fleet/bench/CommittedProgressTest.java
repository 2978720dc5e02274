package com.mobilitycorp.fleet.bench;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.closeTo;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.startsWith;

import org.junit.jupiter.api.Test;

class CommittedProgressTest {

  /** Offsets that rise in checkpoint steps, observed more often than they change. */
  @Test
  void windowRunsFromTheFirstStepAtTenPercentToTheFirstAtNinetyPercent() {
    CommittedProgress p = new CommittedProgress(1_000, 0, 0.1, 0.9, 0, 0);
    p.observe(1_000, 0);
    p.observe(20_000, 50); // start-up: below 10 %
    p.observe(22_000, 150); // window opens here
    p.observe(22_250, 150); // the same step seen again changes nothing
    p.observe(24_000, 500);
    p.observe(26_000, 950); // window closes here
    assertThat(p.windowClosed(), is(true));
    assertThat(p.complete(), is(false));
    assertThat(p.stepsInWindow(), is(3));
    assertThat(p.eventsPerSecond(), closeTo((950 - 150) / 4.0, 1e-9));
    p.observe(28_000, 1_000);
    assertThat(p.complete(), is(true));
    assertThat(p.toMap().get("wallSecondsToAllCommitted"), is(28.0));
    // The draining tail after 90 % is not in the rate.
    assertThat(p.eventsPerSecond(), closeTo(200.0, 1e-9));
  }

  /** A slow runner: the window opens after the warm-up cap and closes after the measure cap. */
  @Test
  void capsOpenAndCloseTheWindowAtTheNewestStep() {
    CommittedProgress p = new CommittedProgress(1_000_000, 0, 0.1, 0.9, 30_000, 60_000);
    p.observe(10_000, 100);
    p.observe(29_000, 300);
    p.observe(31_000, 300); // warm-up cap passed: opens at the step seen at 29 s, not now
    assertThat(p.toMap().get("windowStartSecondsAfterSubmission"), is(29.0));
    p.observe(60_000, 2_000);
    p.observe(88_000, 3_500);
    p.observe(88_900, 3_500);
    assertThat(p.windowClosed(), is(false));
    p.observe(89_000, 3_500); // open 60 s: closes at the step seen at 88 s
    assertThat(p.windowClosed(), is(true));
    assertThat(p.eventsPerSecond(), closeTo((3_500 - 300) / 59.0, 1e-9));
    assertThat((String) p.toMap().get("windowEndReason"), startsWith("measured for 60 s"));
  }

  @Test
  void noRateWhileTheWindowIsOpen() {
    CommittedProgress p = new CommittedProgress(1_000, 0, 0.1, 0.9, 0, 0);
    p.observe(1_000, 500);
    assertThat(Double.isNaN(p.eventsPerSecond()), is(true));
    assertThat(p.stepsInWindow(), is(1));
  }
}
