package com.mobilitycorp.fleet.transforms;

import com.mobilitycorp.fleet.model.VehicleStatus;
import com.mobilitycorp.fleet.model.VehicleStatusSample;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Set;
import java.util.TreeSet;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.CoderRegistry;
import org.apache.beam.sdk.coders.CustomCoder;
import org.apache.beam.sdk.coders.SetCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.transforms.Combine;

/**
 * Sums a group's status samples: readings, readings on trip, battery, the distinct vehicles (and
 * those seen available), and the vehicle-time of the spans, all of it on trip. Shared by the
 * hourly rollup and the per-minute location metrics.
 */
final class SummariseStatusSamples
    extends Combine.CombineFn<VehicleStatusSample, SummariseStatusSamples.Summary,
        SummariseStatusSamples.Summary> {
  private static final long serialVersionUID = 1L;
  private static final double MICRO = 1_000_000;

  /** The running sums of one group. */
  static final class Summary {
    long readings;
    long rentedReadings;
    /**
     * Battery in millionths of a percent, summed as a long: a double sum depends on the order the
     * readings and partial sums arrive in (a replay after a restore reorders them), an integer
     * sum does not, so a re-emitted window carries exactly the same mean.
     */
    long batteryMicroPctSum;
    long spanMillis;
    long rentedSpanMillis;
    final Set<String> vehicles = new TreeSet<>();
    final Set<String> availableVehicles = new TreeSet<>();

    double avgBatteryPct() {
      return batteryMicroPctSum / (double) readings / MICRO;
    }

    double utilizationPct() {
      return 100.0 * rentedReadings / readings;
    }

    Double timeWeightedUtilizationPct() {
      return spanMillis == 0 ? null : 100.0 * rentedSpanMillis / spanMillis;
    }
  }

  @Override
  public Summary createAccumulator() {
    return new Summary();
  }

  @Override
  public Summary addInput(Summary s, VehicleStatusSample sample) {
    boolean rented = sample.getStatus() == VehicleStatus.ON_TRIP;
    if (sample.getReading()) {
      s.readings++;
      s.rentedReadings += rented ? 1 : 0;
      s.batteryMicroPctSum +=
          sample.getBatteryPct() == null ? 0 : Math.round(sample.getBatteryPct() * MICRO);
      s.vehicles.add(sample.getVehicleId());
      if (sample.getStatus() == VehicleStatus.AVAILABLE) {
        s.availableVehicles.add(sample.getVehicleId());
      }
    } else {
      s.spanMillis += sample.getSpanMillis();
      s.rentedSpanMillis += rented ? sample.getSpanMillis() : 0;
    }
    return s;
  }

  @Override
  public Summary mergeAccumulators(Iterable<Summary> accumulators) {
    Summary merged = new Summary();
    for (Summary s : accumulators) {
      merged.readings += s.readings;
      merged.rentedReadings += s.rentedReadings;
      merged.batteryMicroPctSum += s.batteryMicroPctSum;
      merged.spanMillis += s.spanMillis;
      merged.rentedSpanMillis += s.rentedSpanMillis;
      merged.vehicles.addAll(s.vehicles);
      merged.availableVehicles.addAll(s.availableVehicles);
    }
    return merged;
  }

  @Override
  public Summary extractOutput(Summary s) {
    return s;
  }

  @Override
  public Coder<Summary> getAccumulatorCoder(CoderRegistry registry, Coder<VehicleStatusSample> in) {
    return SummaryCoder.INSTANCE;
  }

  @Override
  public Coder<Summary> getDefaultOutputCoder(CoderRegistry registry, Coder<VehicleStatusSample> in) {
    return SummaryCoder.INSTANCE;
  }

  /** Field by field with Beam's own coders (the vehicle sets are the bulk). */
  static final class SummaryCoder extends CustomCoder<Summary> {
    private static final long serialVersionUID = 1L;
    static final SummaryCoder INSTANCE = new SummaryCoder();
    private static final Coder<Long> LONG = VarLongCoder.of();
    private static final Coder<Set<String>> IDS = SetCoder.of(StringUtf8Coder.of());

    @Override
    public void encode(Summary s, OutputStream out) throws IOException {
      LONG.encode(s.readings, out);
      LONG.encode(s.rentedReadings, out);
      LONG.encode(s.batteryMicroPctSum, out);
      LONG.encode(s.spanMillis, out);
      LONG.encode(s.rentedSpanMillis, out);
      IDS.encode(s.vehicles, out);
      IDS.encode(s.availableVehicles, out);
    }

    @Override
    public Summary decode(InputStream in) throws IOException {
      Summary s = new Summary();
      s.readings = LONG.decode(in);
      s.rentedReadings = LONG.decode(in);
      s.batteryMicroPctSum = LONG.decode(in);
      s.spanMillis = LONG.decode(in);
      s.rentedSpanMillis = LONG.decode(in);
      s.vehicles.addAll(IDS.decode(in));
      s.availableVehicles.addAll(IDS.decode(in));
      return s;
    }
  }
}
