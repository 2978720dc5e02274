package com.mobilitycorp.fleet.transforms;

import com.mobilitycorp.fleet.model.LocationMetrics;
import com.mobilitycorp.fleet.model.VehicleStatusSample;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.schemas.NoSuchSchemaException;
import org.apache.beam.sdk.transforms.Combine;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.Filter;
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
 * Live per-location metrics every minute of event time: utilization (readings on trip / readings),
 * mean battery, vehicles reporting and vehicles available, from the readings of {@link
 * SampleVehicleStatus}. Emitted when the watermark passes the minute's end (the watermark's
 * delay, ~5 minutes behind real time), then once per late reading within the allowed lateness
 * (revision + 1, accumulating). A reading later than that misses its minute, counted by Beam
 * ({@code droppedDueToLateness}); it still counts in the hourly rollup, which waits longer.
 */
public final class SummariseLocationsPerMinute
    extends PTransform<PCollection<VehicleStatusSample>, PCollection<LocationMetrics>> {

  private final Duration lateness;

  private SummariseLocationsPerMinute(Duration lateness) {
    this.lateness = lateness;
  }

  public static SummariseLocationsPerMinute create(Duration lateness) {
    return new SummariseLocationsPerMinute(lateness);
  }

  @Override
  public PCollection<LocationMetrics> expand(PCollection<VehicleStatusSample> samples) {
    try {
      return samples
          .apply("ReadingsOnly", Filter.by(VehicleStatusSample::getReading))
          .apply("Minutes", Window.<VehicleStatusSample>into(FixedWindows.of(Duration.standardMinutes(1)))
              .triggering(AfterWatermark.pastEndOfWindow()
                  .withLateFirings(AfterPane.elementCountAtLeast(1)))
              .withAllowedLateness(lateness)
              // Not FIRE_ALWAYS: when the watermark jumps past a window's end and its lateness in
              // one step, FlinkRunner fires the end-of-window and the clean-up timer one by one,
              // and the second, after the first has cleared the window, emitted an empty ON_TIME
              // pane with index 0 again (the window's revision 0 twice; apache/beam#18019).
              .withOnTimeBehavior(Window.OnTimeBehavior.FIRE_IF_NON_EMPTY)
              .accumulatingFiredPanes())
          .apply("KeyByLocation", WithKeys.<String, VehicleStatusSample>of(
                  VehicleStatusSample::getLocationId)
              .withKeyType(TypeDescriptors.strings()))
          .setCoder(KvCoder.of(StringUtf8Coder.of(), samples.getCoder()))
          .apply("SummarisePerMinute", Combine.perKey(new SummariseStatusSamples()))
          .apply("ToMetrics", ParDo.of(new ToMetricsFn()))
          .setCoder(samples.getPipeline().getSchemaRegistry().getSchemaCoder(LocationMetrics.class));
    } catch (NoSuchSchemaException e) {
      throw new IllegalStateException("LocationMetrics must have a Beam schema", e);
    }
  }

  static final class ToMetricsFn
      extends DoFn<KV<String, SummariseStatusSamples.Summary>, LocationMetrics> {
    private static final long serialVersionUID = 1L;

    @ProcessElement
    public void processElement(@Element KV<String, SummariseStatusSamples.Summary> group,
        IntervalWindow minute, PaneInfo pane, OutputReceiver<LocationMetrics> out) {
      SummariseStatusSamples.Summary s = group.getValue();
      out.output(LocationMetrics.create(group.getKey(), minute.start(), minute.end(), s.readings,
          s.utilizationPct(), s.avgBatteryPct(), s.vehicles.size(),
          s.availableVehicles.size(), pane.getIndex()));
    }
  }
}
