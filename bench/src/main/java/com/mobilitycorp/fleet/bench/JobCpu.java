package com.mobilitycorp.fleet.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Where the CPU of this JVM (the job's: embedded Flink runs in it) went during a run: the whole
 * process ({@code OperatingSystemMXBean.getProcessCpuTime}) from submission to the end of the
 * measurement, and each live thread's CPU time ({@code ThreadMXBean}) at the end, summed per
 * Flink task (a chain of operators; its subtasks together).
 *
 * <p>Flink names a task's thread after its chain, {@code "A -> B -> C (1/2)#0"}; the group is named
 * after the chain's first operator. Some CPU is in no group, only in the process total (so in
 * {@code unattributedSeconds}): the JVM's own threads (JIT compilers, GC), RocksDB's native
 * threads (flushes, compactions) and threads that ended before the measurement (checkpoint
 * transfer threads, for one). For scale, the JVM's accumulated JIT compilation time and GC time
 * are given too ({@code CompilationMXBean}, {@code GarbageCollectorMXBean}; elapsed, not CPU): a
 * short run pays more of both per record than a long one.
 */
final class JobCpu {

  private static final Pattern SUBTASK = Pattern.compile(" \\(\\d+/\\d+\\)#\\d+$");

  private final long processCpuAtStartNanos;
  private final long startedMillis;

  private JobCpu(long processCpuAtStartNanos, long startedMillis) {
    this.processCpuAtStartNanos = processCpuAtStartNanos;
    this.startedMillis = startedMillis;
  }

  /** Starts counting now (call it just before the job is submitted). */
  static JobCpu start() {
    return new JobCpu(processCpuNanos(), System.currentTimeMillis());
  }

  /**
   * The CPU from {@link #start()} to now: process seconds, cores busy on average, and seconds per
   * thread group (largest first), each also per input record processed ({@code inputRecords}), in
   * microseconds.
   */
  Map<String, Object> measure(long inputRecords) {
    long wallMillis = System.currentTimeMillis() - startedMillis;
    double processSeconds = (processCpuNanos() - processCpuAtStartNanos) / 1e9;
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    Map<String, Double> byGroup = new TreeMap<>();
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      long nanos = threads.getThreadCpuTime(t.getId());
      if (nanos > 0) {
        byGroup.merge(group(t.getName()), nanos / 1e9, Double::sum);
      }
    }
    double attributed = byGroup.values().stream().mapToDouble(Double::doubleValue).sum();
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("processCpuSeconds", processSeconds);
    result.put("wallSeconds", wallMillis / 1000.0);
    result.put("coresBusy", wallMillis > 0 ? processSeconds / (wallMillis / 1000.0) : Double.NaN);
    result.put("processCpuMicrosPerInputRecord", 1e6 * processSeconds / inputRecords);
    // Live threads' CPU counts from their start, a little before submission for the main thread.
    result.put("unattributedSeconds", Math.max(0, processSeconds - attributed));
    result.put("jitCompilationSeconds",
        ManagementFactory.getCompilationMXBean().getTotalCompilationTime() / 1000.0);
    result.put("gcSeconds", ManagementFactory.getGarbageCollectorMXBeans().stream()
        .mapToLong(gc -> Math.max(0, gc.getCollectionTime())).sum() / 1000.0);
    List<Map.Entry<String, Double>> largestFirst = byGroup.entrySet().stream()
        .sorted(Map.Entry.<String, Double>comparingByValue().reversed())
        .collect(Collectors.toList());
    Map<String, Object> groups = new LinkedHashMap<>();
    for (Map.Entry<String, Double> e : largestFirst) {
      Map<String, Object> g = new LinkedHashMap<>();
      g.put("cpuSeconds", e.getValue());
      g.put("share", processSeconds > 0 ? e.getValue() / processSeconds : Double.NaN);
      g.put("microsPerInputRecord", 1e6 * e.getValue() / inputRecords);
      groups.put(e.getKey(), g);
    }
    result.put("byThreadGroup", groups);
    return result;
  }

  /** The group of a thread: its Flink task's first operator, or what kind of thread it is. */
  static String group(String threadName) {
    String name = SUBTASK.matcher(threadName).replaceFirst("");
    if (name.startsWith("kafka-producer-network-thread") || name.startsWith("KafkaConsumerPoll")
        || name.startsWith("kafka-admin-client-thread")) {
      return "Kafka client I/O threads";
    }
    if (name.startsWith("Time Trigger for ") || name.startsWith("System Time Trigger for ")
        || name.startsWith("OutputFlusher for ") || name.startsWith("Legacy Source Thread")) {
      return "Flink timer and flusher threads";
    }
    if (!name.equals(threadName) || name.contains(" -> ")) {
      return "task: " + name.split(" -> ", 2)[0];
    }
    return "other Java threads (Flink runtime, bench)";
  }

  private static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean)
        ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
  }
}
