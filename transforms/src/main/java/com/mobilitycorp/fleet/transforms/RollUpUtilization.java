package com.mobilitycorp.fleet.transforms;

import com.mobilitycorp.fleet.model.UtilizationHourly;
import com.mobilitycorp.fleet.model.VehicleStatusSample;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.schemas.NoSuchSchemaException;
import org.apache.beam.sdk.transforms.Combine;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.WithKeys;
import org.apache.beam.sdk.transforms.windowing.AfterPane;
import org.apache.beam.sdk.transforms.windowing.AfterWatermark;
import org.apache.beam.sdk.transforms.windowing.FixedWindows;
import org.apache.beam.sdk.transforms.windowing.IntervalWindow;
import org.apache.beam.sdk.transforms.windowing.PaneInfo;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.joda.time.Duration;

/**
 * Use case 5: hourly utilization per (location, vehicle type), in event time, from the status
 * samples of {@link SampleVehicleStatus}: the seed's SQL (rented readings / all readings) plus
 * distinct vehicles, mean battery and the time-weighted utilization (rented share of the spans'
 * vehicle-time).
 *
 * <p>Fixed one-hour windows, emitted when the watermark passes the hour's end, then once per late
 * sample with everything so far (accumulating panes); {@link UtilizationHourly#getVersion} is the
 * pane's index, so the stores keep the newest. A group with no reading in the hour yields no row
 * (spans alone, cut from the previous hour, are dropped with it: counted as {@code
 * utilization_groups_without_readings}). The windows keep accepting samples for the allowed
 * lateness plus the maximum span: {@link SampleVehicleStatus} decides lateness by each vehicle's
 * view of the watermark, which trails it by up to a span, and whatever it lets through must land.
 */
public final class RollUpUtilization
    extends PTransform<PCollection<VehicleStatusSample>, PCollection<UtilizationHourly>> {

  private final Duration windowLateness;

  private RollUpUtilization(Duration windowLateness) {
    this.windowLateness = windowLateness;
  }

  /** Windows accept samples for {@code lateness} + {@code maxSpan} after the hour. */
  public static RollUpUtilization create(Duration lateness, Duration maxSpan) {
    return new RollUpUtilization(lateness.plus(maxSpan));
  }

  public static RollUpUtilization create() {
    return create(SampleVehicleStatus.DEFAULT_ALLOWED_LATENESS, SampleVehicleStatus.DEFAULT_MAX_SPAN);
  }

  @Override
  public PCollection<UtilizationHourly> expand(PCollection<VehicleStatusSample> samples) {
    try {
      return samples
          .apply("Hours", Window.<VehicleStatusSample>into(FixedWindows.of(Duration.standardHours(1)))
              .triggering(AfterWatermark.pastEndOfWindow()
                  .withLateFirings(AfterPane.elementCountAtLeast(1)))
              .withAllowedLateness(windowLateness)
              // Not FIRE_ALWAYS: when the watermark jumps past a window's end and its lateness in
              // one step, FlinkRunner fires the end-of-window and the clean-up timer one by one,
              // and the second, after the first has cleared the window, emitted an empty ON_TIME
              // pane with index 0 again (the window's revision 0 twice; apache/beam#18019).
              .withOnTimeBehavior(Window.OnTimeBehavior.FIRE_IF_NON_EMPTY)
              .accumulatingFiredPanes())
          .apply("KeyByLocationAndType", WithKeys.<String, VehicleStatusSample>of(
                  s -> s.getLocationId() + "|" + s.getVehicleType())
              .withKeyType(TypeDescriptors.strings()))
          .setCoder(KvCoder.of(StringUtf8Coder.of(), samples.getCoder()))
          .apply("SummarisePerHour", Combine.perKey(new SummariseStatusSamples()))
          .apply("ToRows", ParDo.of(new ToRowFn()))
          .setCoder(samples.getPipeline().getSchemaRegistry().getSchemaCoder(UtilizationHourly.class));
    } catch (NoSuchSchemaException e) {
      throw new IllegalStateException("UtilizationHourly must have a Beam schema", e);
    }
  }

  static final class ToRowFn
      extends DoFn<KV<String, SummariseStatusSamples.Summary>, UtilizationHourly> {
    private static final long serialVersionUID = 1L;
    private final Counter rows = Metrics.counter(RollUpUtilization.class, "utilization_rows");
    private final Counter withoutReadings =
        Metrics.counter(RollUpUtilization.class, "utilization_groups_without_readings");

    @ProcessElement
    public void processElement(@Element KV<String, SummariseStatusSamples.Summary> group,
        IntervalWindow hour, PaneInfo pane, OutputReceiver<UtilizationHourly> out) {
      SummariseStatusSamples.Summary s = group.getValue();
      if (s.readings == 0) {
        withoutReadings.inc();
        return;
      }
      String[] key = group.getKey().split("\\|", 2);
      rows.inc();
      out.output(UtilizationHourly.builder()
          .setWindowStart(hour.start())
          .setWindowEnd(hour.end())
          .setLocationId(key[0])
          .setVehicleType(key[1])
          .setRentedSamples(s.rentedReadings)
          .setTotalSamples(s.readings)
          .setUtilizationPct(s.utilizationPct())
          .setDistinctVehicles(s.vehicles.size())
          .setAvgBatteryPct(s.avgBatteryPct())
          .setObservedVehicleSeconds(s.spanMillis / 1000.0)
          .setRentedVehicleSeconds(s.rentedSpanMillis / 1000.0)
          .setTimeWeightedUtilizationPct(s.timeWeightedUtilizationPct())
          .setVersion(pane.getIndex())
          .build());
    }
  }
}
