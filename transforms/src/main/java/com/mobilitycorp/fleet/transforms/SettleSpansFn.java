package com.mobilitycorp.fleet.transforms;

import com.mobilitycorp.fleet.model.VehicleStatusSample;
import java.util.Comparator;
import java.util.List;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.InstantCoder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.state.MapState;
import org.apache.beam.sdk.state.StateSpec;
import org.apache.beam.sdk.state.StateSpecs;
import org.apache.beam.sdk.state.TimeDomain;
import org.apache.beam.sdk.state.Timer;
import org.apache.beam.sdk.state.TimerSpec;
import org.apache.beam.sdk.state.TimerSpecs;
import org.apache.beam.sdk.state.ValueState;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.values.KV;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * Per vehicle: the spans of vehicle-time its labelled readings stand for ({@link
 * SampleVehicleStatus}'s span rule). A reading's span ends at the vehicle's next reading, at most
 * the max span after it, cut at the hour's end.
 *
 * <p>Why wait for the allowed lateness: which reading is "next" is only known once no earlier one
 * can still come. A reading may arrive behind the watermark by up to the allowed lateness (the
 * global watermark follows the slowest partition, so how far behind depends on read progress, which
 * a restart changes). So a reading settles its predecessor's span only when the watermark passes its
 * time plus the lateness, and a span capped by the max span or the hour ends at the same delay.
 * Then every reading within the lateness is in place, and the spans are the same in any run. A
 * reading later than that (its hour still open) counts as a reading but adds no span: counted, {@code
 * utilization_readings_without_span}.
 *
 * <p>A separate stage from the labelling, so that its watermark holds (the lateness) delay only
 * the hourly rollup, not the minute metrics. Its state empties as spans end: nothing waits and no
 * span is open longer than the lateness plus the max span after a vehicle's last reading.
 */
final class SettleSpansFn extends DoFn<KV<String, VehicleStatusSample>, VehicleStatusSample> {
  private static final long serialVersionUID = 1L;

  private final Counter withoutSpan =
      Metrics.counter(SampleVehicleStatus.class, "utilization_readings_without_span");
  /** Readings held in {@code unsettled} (a gauge: up when one is put, down when removed). */
  private final Counter unsettledReadings =
      Metrics.counter(SampleVehicleStatus.class, "utilization_readings_unsettled");
  /** Vehicles with an open span (a gauge). */
  private final Counter openSpans =
      Metrics.counter(SampleVehicleStatus.class, "utilization_open_spans");

  private final long maxSpanMillis;
  private final long latenessMillis;

  /**
   * Labelled readings waiting for the lateness, one entry each: (event time, arrival number) ->
   * reading; the arrival number keeps equal readings apart and in arrival order.
   */
  @StateId("unsettled")
  private final StateSpec<MapState<KV<Instant, Long>, VehicleStatusSample>> unsettledSpec;

  /** The arrival number of the next waiting reading; absent while nothing waits. */
  @StateId("unsettledSeq")
  private final StateSpec<ValueState<Long>> unsettledSeqSpec = StateSpecs.value(VarLongCoder.of());

  /** The earliest waiting reading's time (its settle timer is this + the lateness). */
  @StateId("settleFrom")
  private final StateSpec<ValueState<Instant>> settleFromSpec = StateSpecs.value(InstantCoder.of());

  /** The settled reading (or carried span start) whose span has not ended yet. */
  @StateId("open")
  private final StateSpec<ValueState<VehicleStatusSample>> openSpec;

  /** The open span ends here at the latest (its reading's time + the max span). */
  @StateId("spanLimit")
  private final StateSpec<ValueState<Instant>> spanLimitSpec = StateSpecs.value(InstantCoder.of());

  @TimerId("settle")
  private final TimerSpec settleSpec = TimerSpecs.timer(TimeDomain.EVENT_TIME);

  @TimerId("endSpan")
  private final TimerSpec endSpanSpec = TimerSpecs.timer(TimeDomain.EVENT_TIME);

  SettleSpansFn(Duration maxSpan, Duration lateness, Coder<VehicleStatusSample> sampleCoder) {
    this.maxSpanMillis = maxSpan.getMillis();
    this.latenessMillis = lateness.getMillis();
    this.unsettledSpec = StateSpecs.map(
        KvCoder.of(InstantCoder.of(), VarLongCoder.of()), sampleCoder);
    this.openSpec = StateSpecs.value(sampleCoder);
  }

  @ProcessElement
  public void processElement(
      @Element KV<String, VehicleStatusSample> labelled,
      @StateId("unsettled") MapState<KV<Instant, Long>, VehicleStatusSample> unsettled,
      @StateId("unsettledSeq") ValueState<Long> unsettledSeq,
      @StateId("settleFrom") ValueState<Instant> settleFrom,
      @TimerId("settle") Timer settle) {
    VehicleStatusSample reading = labelled.getValue();
    Instant t = reading.getTime();
    Long seq = unsettledSeq.read();
    long arrival = seq == null ? 0 : seq;
    unsettled.put(KV.of(t, arrival), reading);
    unsettledSeq.write(arrival + 1);
    unsettledReadings.inc();
    Instant from = settleFrom.read();
    if (from == null || t.isBefore(from)) {
      // Holds the output at the reading's time: its span is timestamped inside its hour.
      settle.withOutputTimestamp(t).set(t.plus(Duration.millis(latenessMillis)));
      settleFrom.write(t);
    }
  }

  @OnTimer("settle")
  public void onSettle(
      OnTimerContext context,
      @StateId("unsettled") MapState<KV<Instant, Long>, VehicleStatusSample> unsettled,
      @StateId("unsettledSeq") ValueState<Long> unsettledSeq,
      @StateId("settleFrom") ValueState<Instant> settleFrom,
      @StateId("open") ValueState<VehicleStatusSample> openState,
      @StateId("spanLimit") ValueState<Instant> spanLimit,
      @TimerId("settle") Timer settle,
      @TimerId("endSpan") Timer endSpan,
      OutputReceiver<VehicleStatusSample> out) {
    WaitingEntries.Taken<VehicleStatusSample> taken = WaitingEntries.takeDue(unsettled,
        context.fireTimestamp().minus(Duration.millis(latenessMillis)));
    List<VehicleStatusSample> due = taken.due();
    unsettledReadings.dec(due.size());
    Instant next = taken.next();
    // Readings at the same time: by content, so the last one's status holds whatever their order
    // of arrival (stable: identical ones stay in arrival order).
    due.sort(SAMPLE_ORDER);
    VehicleStatusSample open = openState.read();
    Instant limit = spanLimit.read();
    boolean wasOpen = open != null;
    for (VehicleStatusSample sample : due) {
      long t = sample.getTime().getMillis();
      if (open != null && t < open.getTime().getMillis()) {
        withoutSpan.inc(); // a later reading already stands for this time
        continue;
      }
      if (open != null && t > open.getTime().getMillis()) {
        long end = Math.min(t, limit.getMillis());
        out.output(VehicleStatusSample.span(open, end - open.getTime().getMillis()));
      }
      open = sample;
      limit = new Instant(t + maxSpanMillis);
    }
    if (open != null) {
      if (!wasOpen) {
        openSpans.inc();
      }
      openState.write(open);
      spanLimit.write(limit);
      setEndSpan(endSpan, spanCapFrom(open.getTime().getMillis(), limit.getMillis()));
    }
    if (next == null) {
      settleFrom.clear();
      unsettledSeq.clear();
    } else {
      settle.withOutputTimestamp(next).set(next.plus(Duration.millis(latenessMillis)));
      settleFrom.write(next);
    }
  }

  @OnTimer("endSpan")
  public void onEndSpan(
      OnTimerContext context,
      @StateId("open") ValueState<VehicleStatusSample> openState,
      @StateId("spanLimit") ValueState<Instant> spanLimit,
      @TimerId("endSpan") Timer endSpan,
      OutputReceiver<VehicleStatusSample> out) {
    VehicleStatusSample open = openState.read();
    if (open == null) {
      return;
    }
    long start = open.getTime().getMillis();
    // The timer is the lateness after the span's last millisecond.
    long end = context.fireTimestamp().getMillis() - latenessMillis + 1;
    long limit = spanLimit.read().getMillis();
    out.output(VehicleStatusSample.span(open, end - start));
    if (end == SampleVehicleStatus.hourStart(start) + SampleVehicleStatus.HOUR_MILLIS
        && end < limit) {
      // Cut at the hour: the rest of the span carries into the next hour.
      openState.write(open.continuedAt(new Instant(end)));
      setEndSpan(endSpan, spanCapFrom(end, limit));
      return;
    }
    openState.clear();
    spanLimit.clear();
    openSpans.dec();
  }

  /**
   * Ends the open span at {@code lastMillis} (inclusive) once the watermark is the lateness past
   * it: a reading within the lateness may still end it earlier. Timestamped at its end, inside
   * its hour.
   */
  private void setEndSpan(Timer endSpan, long lastMillis) {
    endSpan.withOutputTimestamp(new Instant(lastMillis))
        .set(new Instant(lastMillis + latenessMillis));
  }

  /** The last millisecond of a span from {@code from}: its limit or the hour's end. */
  private static long spanCapFrom(long from, long maxEnd) {
    return Math.min(maxEnd, SampleVehicleStatus.hourStart(from) + SampleVehicleStatus.HOUR_MILLIS)
        - 1;
  }

  private static final Comparator<VehicleStatusSample> SAMPLE_ORDER =
      Comparator.comparing(VehicleStatusSample::getTime)
          .thenComparing(x -> x.getStatus().name())
          .thenComparing(VehicleStatusSample::getLocationId)
          .thenComparing(VehicleStatusSample::getVehicleType)
          .thenComparing(VehicleStatusSample::getBatteryPct,
              Comparator.nullsFirst(Comparator.naturalOrder()));
}
