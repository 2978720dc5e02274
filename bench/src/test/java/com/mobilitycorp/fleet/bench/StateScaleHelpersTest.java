package com.mobilitycorp.fleet.bench;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The state-scale bench's pure helpers: log and /proc parsing, checkpoint files, summaries. */
class StateScaleHelpersTest {

  @Test
  void readsTheCompletedCheckpointLineOfSlf4jSimple() {
    String line = "[jobmanager-io-thread-3] INFO org.apache.flink.runtime.checkpoint"
        + ".CheckpointCoordinator - Completed checkpoint 12 for job 3f2a9c0e5b7d41e8a6c3d2b1f0e9a8b7"
        + " (48213377 bytes, checkpointDuration=1834 ms, finalizationTime=3 ms).";
    assertThat(CheckpointLog.parse(line), equalTo(Optional.of(new CheckpointLog.Completed(
        12, "3f2a9c0e5b7d41e8a6c3d2b1f0e9a8b7", 48_213_377, 1834))));
    assertThat(CheckpointLog.parse("[Checkpoint Timer] INFO org.apache.flink.runtime.checkpoint"
        + ".CheckpointCoordinator - Triggering checkpoint 13 (type=CheckpointType{name='Checkpoint',"
        + " sharingFilesStrategy=FORWARD_BACKWARD}) @ 1764608400000 for job 3f2a."),
        equalTo(Optional.empty()));
  }

  @Test
  void readsEveryCompletedCheckpointOfALogInOrder(@TempDir Path dir) throws Exception {
    Path log = dir.resolve("run.log");
    Files.writeString(log, String.join("\n",
        "job options: --runner=FlinkRunner",
        "x INFO y - Completed checkpoint 1 for job ab (100 bytes, checkpointDuration=40 ms,"
            + " finalizationTime=0 ms).",
        "java.lang.IllegalStateException: something",
        "x INFO y - Completed checkpoint 2 for job ab (250 bytes, checkpointDuration=60 ms,"
            + " finalizationTime=1 ms).",
        ""));
    List<CheckpointLog.Completed> completed = CheckpointLog.read(log);
    assertThat(completed, equalTo(List.of(new CheckpointLog.Completed(1, "ab", 100, 40),
        new CheckpointLog.Completed(2, "ab", 250, 60))));

    Map<String, Object> figures = StateScaleBench.checkpoints(completed);
    assertThat(figures.get("checkpointsCompleted"), equalTo(2));
    assertThat(figures.get("lastCheckpointBytes"), equalTo(250L));
    assertThat(figures.get("checkpointDurationMillisMedian"), equalTo(50.0));
    assertThat(StateScaleBench.checkpoints(List.of()),
        equalTo(Map.of("checkpointsCompleted", 0)));
    assertThat(StateScaleBench.checkpointCell(figures), equalTo("2, 50/60"));
    assertThat(StateScaleBench.checkpointCell(StateScaleBench.checkpoints(List.of())),
        equalTo("–"));
  }

  @Test
  void readsVmRssInBytes() {
    String status = "Name:\tjava\nVmPeak:\t 9012345 kB\nVmHWM:\t  812000 kB\n"
        + "VmRSS:\t  804112 kB\nRssAnon:\t  790000 kB\nThreads:\t120\n";
    assertThat(JobMemory.vmRssBytes(status), equalTo(804_112L * 1024));
    assertThat(JobMemory.vmRssBytes("Name:\tkthreadd\nThreads:\t1\n"), equalTo(-1L));
  }

  @Test
  void newestCompletedCheckpointWithItsSharedFiles(@TempDir Path root) throws Exception {
    Path job = root.resolve("3f2a");
    write(job.resolve("chk-4/_metadata"), 10);
    write(job.resolve("chk-5/_metadata"), 12);
    write(job.resolve("chk-5/op-state"), 3);
    write(job.resolve("chk-6/in-progress"), 1000); // no _metadata: not completed
    write(job.resolve("shared/op_1/sst-1"), 700);
    write(job.resolve("shared/op_2/sst-2"), 300);
    write(job.resolve("taskowned/x"), 5);
    Files.createDirectories(root.resolve("other-job")); // no checkpoint at all

    CheckpointFiles.Newest newest = CheckpointFiles.newest(root).orElseThrow();
    assertThat(newest, equalTo(new CheckpointFiles.Newest(5, 15, 1000, 5)));
    assertThat(newest.totalBytes(), equalTo(1020L));
    assertThat(CheckpointFiles.newest(root.resolve("missing")), equalTo(Optional.empty()));
  }

  @Test
  void vehicleCountsAreDistinctAndAscending() {
    assertThat(StateScaleBench.vehicleCounts("100000,10000,1_000_000,10000"),
        equalTo(List.of(10_000, 100_000, 1_000_000)));
    assertThrows(IllegalArgumentException.class, () -> StateScaleBench.vehicleCounts("0"));
    assertThat(StateScaleBench.vehicleIndex("veh-0001234"), equalTo(1233));
  }

  @Test
  void ratioDividesTheMedianAtTheMostVehiclesByTheFewest() {
    Map<String, Object> fewest = new LinkedHashMap<>();
    fewest.put("vehicles", 10_000);
    fewest.put("maxRssBytes", Stats.of(List.of(400.0, 500.0, 600.0)).toMap());
    fewest.put("eventsPerSecond", Stats.of(List.of(9000.0)).toMap());
    Map<String, Object> most = new LinkedHashMap<>();
    most.put("vehicles", 1_000_000);
    most.put("maxRssBytes", Stats.of(List.of(650.0, 550.0, 700.0)).toMap());
    Map<String, Object> ratios = StateScaleBench.ratios(List.of(fewest, most));
    assertThat(ratios, equalTo(Map.of("vehicles", "1000000 / 10000", "maxRssBytes", 1.3)));
    assertThat(StateScaleBench.ratios(List.of(fewest)), equalTo(Map.of()));
  }

  @Test
  void keyedStagesAreSwitchedOffThroughTheJobsOwnOptions() {
    Map<String, String> o = new LinkedHashMap<>();
    o.put("runner", "flink");
    o.put("state-backend", "rocksdb");
    o.put("flink-conf-dir", "/tmp/conf");
    o.put("checkpoint-interval-ms", "2000");
    o.put("work-dir", "/tmp/w");
    o.put("sink-group", "g");
    o.put("bootstrap", "127.0.0.1:1");
    o.put("consumer-group", "g");
    o.put("jdbc-url", "jdbc:postgresql://127.0.0.1:1/postgres");
    o.put("jdbc-user", "u");
    o.put("jdbc-password", "p");
    o.put("topic-prefix", "bench.state.v10.r1.");
    o.put("job-options", String.join(" ", StateScaleBench.KEYED_ONLY_OPTIONS));
    List<String> args = TopologyRun.jobArgs(o);
    assertThat(args, hasItems(StateScaleBench.KEYED_ONLY_OPTIONS.toArray(new String[0])));
    assertThat(args, hasItems("--stateBackend=rocksdb", "--checkpointingInterval=2000"));

    o.put("job-options", "");
    assertThat(TopologyRun.jobArgs(o).size(),
        equalTo(args.size() - StateScaleBench.KEYED_ONLY_OPTIONS.size()));
  }

  @Test
  void reportShowsEveryFigureWithItsCommandAndTheFailedRuns() {
    StateScaleBench bench = new StateScaleBench(new String[] {"--vehicles=2000,10000",
        "--runs=2", "--flink-conf-dir=../flink-conf/local"});
    List<Map<String, Object>> inputs = List.of(input(2000, 6003), input(10_000, 30_021));
    List<Map<String, Object>> runs = List.of(run(2000, 1, 4000, 100e6), run(2000, 2, 5000, 110e6),
        run(10_000, 1, 3000, 120e6), Map.of("vehicles", 10_000, "run", 2, "error", "timed out",
            "log", "v10000-r2.log"));

    Map<String, Object> report = bench.report(inputs, runs, "1.0 1.0 1.0");
    @SuppressWarnings("unchecked")
    Map<String, Object> at2000 = ((List<Map<String, Object>>) report.get("summary")).get(0);
    assertThat(at2000.get("eventsPerSecond"), equalTo(Stats.of(List.of(4000.0, 5000.0)).toMap()));
    assertThat(((Map<?, ?>) report.get("ratioLargestToSmallest")).get("maxRssBytes"),
        equalTo(120e6 / 105e6));

    String md = bench.markdown(report);
    assertThat(md, containsString("| 2,000 | 6,003 | 4,500 (4,000–5,000) |"));
    assertThat(md, containsString("--vehicles=10000 --runs=2 --flink-conf-dir=../flink-conf/local"));
    assertThat(md, containsString("| RSS (max) | 1.14 |"));
    assertThat(md, containsString("| 10,000 | 2 | failed: timed out (log v10000-r2.log)"));
    assertThat(md, containsString("Input: 3 telemetry readings per vehicle"));
  }

  private static Map<String, Object> input(int vehicles, long messages) {
    return Map.of("vehicles", vehicles, "messages", messages);
  }

  /** A run's result as TopologyRun and the bench write it. */
  private static Map<String, Object> run(int vehicles, int run, double rate, double rss) {
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("vehicles", vehicles);
    r.put("run", run);
    r.put("inputRecords", 6003L);
    r.put("windowStartCommitted", 600L);
    r.put("windowEndCommitted", 5500L);
    r.put("windowSeconds", 1.2);
    r.put("eventsPerSecond", rate);
    r.put("wallSecondsToAllCommitted", 30.5);
    r.put("memory", Map.of("maxHeapAfterGcBytes", 90e6, "maxRssBytes", rss));
    r.put("memoryAtEnd", Map.of("heapUsedAfterFullGcBytes", 70e6));
    r.put("newestCheckpointOnDisk", Map.of("totalBytes", 5_000_000L));
    r.putAll(StateScaleBench.checkpoints(List.of(new CheckpointLog.Completed(1, "j", 4_438_068,
        230))));
    r.put("tableRows", Map.of("available_vehicles", vehicles));
    return r;
  }

  private static void write(Path file, int bytes) throws Exception {
    Files.createDirectories(file.getParent());
    Files.write(file, new byte[bytes]);
  }
}
