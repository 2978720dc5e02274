package com.mobilitycorp.fleet.bench;

import java.nio.file.Path;
import java.util.List;

/**
 * The dedup and demand-count queries written natively in Flink SQL ({@link
 * NativeFlinkSqlQueries}), on the benchmark's input: throughput per query, median/min/max over
 * {@code --runs}. {@link BeamQueriesBench} runs the same with the Beam job next to it. Options:
 * see {@link BenchHarness}; default output {@code bench/results/native-flink-sql.json} (+ .md).
 */
public final class NativeFlinkSqlBench {
  public static void main(String[] args) throws Exception {
    new BenchHarness(
            "Native Flink SQL: dedup and 15-minute demand count",
            NativeFlinkSqlBench.class,
            List.of(Engine.NATIVE),
            Path.of("bench/results/native-flink-sql.json"),
            args)
        .run();
  }

  private NativeFlinkSqlBench() {}
}
