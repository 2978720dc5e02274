package com.mobilitycorp.fleet.bench;

import java.nio.file.Path;
import java.util.List;

/**
 * The Beam tax, side by side: each query run by the project's Beam job (FleetStreamProcessor on
 * FlinkRunner, only the query's stages on) and by the native Flink SQL ({@link
 * NativeFlinkSqlQueries}), on the same input in the same broker, the engines alternating which
 * goes first; reports both and the Beam/native throughput ratio per query. Options: see {@link
 * BenchHarness}; default output {@code bench/results/beam-vs-native-sql.json} (+ .md).
 */
public final class BeamQueriesBench {
  public static void main(String[] args) throws Exception {
    new BenchHarness(
            "The Beam tax: Beam job vs native Flink SQL, dedup and 15-minute demand count",
            BeamQueriesBench.class,
            List.of(Engine.BEAM, Engine.NATIVE),
            Path.of("bench/results/beam-vs-native-sql.json"),
            args)
        .run();
  }

  private BeamQueriesBench() {}
}
