package com.mobilitycorp.fleet.testing.simulator;

import java.util.SplittableRandom;
import java.util.UUID;

/**
 * The simulator's only source of randomness: a seeded {@link SplittableRandom} (whose sequence is
 * specified, hence identical on every JVM) plus the distributions the model needs, computed with
 * {@link StrictMath} so that results are bit-for-bit reproducible across platforms.
 */
final class SimRandom {
  private final SplittableRandom rnd;

  SimRandom(long seed) {
    this.rnd = new SplittableRandom(seed);
  }

  /** An independent stream for one concern (reference data, world, network): seed mixed with a salt. */
  static SimRandom forStream(long seed, long salt) {
    return new SimRandom(mix(seed ^ (salt * 0x9E3779B97F4A7C15L)));
  }

  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  /** Uniform in [0, 1). */
  double nextDouble() {
    return rnd.nextDouble();
  }

  /** Uniform in [min, max). */
  double uniform(double min, double max) {
    return min + (max - min) * rnd.nextDouble();
  }

  /** Uniform long in [min, max] (inclusive). */
  long uniformLong(long min, long max) {
    return min + rnd.nextLong(max - min + 1);
  }

  int nextInt(int bound) {
    return rnd.nextInt(bound);
  }

  boolean chance(double p) {
    return p > 0 && rnd.nextDouble() < p;
  }

  /** Standard normal (Box-Muller). */
  double gaussian() {
    double u1 = 1.0 - rnd.nextDouble(); // (0, 1]
    double u2 = rnd.nextDouble();
    return StrictMath.sqrt(-2.0 * StrictMath.log(u1)) * StrictMath.cos(2.0 * StrictMath.PI * u2);
  }

  /** Exponential with the given mean. */
  double exponential(double mean) {
    return -mean * StrictMath.log(1.0 - rnd.nextDouble());
  }

  /** A random (version 4 layout) UUID drawn from this stream: deterministic for a given seed. */
  String uuid() {
    long msb = (rnd.nextLong() & ~0xF000L) | 0x4000L;
    long lsb = (rnd.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
    return new UUID(msb, lsb).toString();
  }

  /** Index drawn with probability proportional to the cumulative weights' increments. */
  int pickCumulative(double[] cumulative) {
    double total = cumulative[cumulative.length - 1];
    double x = rnd.nextDouble() * total;
    int lo = 0;
    int hi = cumulative.length - 1;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (cumulative[mid] > x) {
        hi = mid;
      } else {
        lo = mid + 1;
      }
    }
    return lo;
  }
}
