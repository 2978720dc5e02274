package com.mobilitycorp.fleet.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The memory of this JVM (the job's: embedded Flink runs in it), sampled at a fixed period while
 * the job runs, without forcing collections that would slow it down:
 *
 * <ul>
 *   <li>heap after GC: the heap pools' usage right after their latest collection ({@code
 *       MemoryPoolMXBean.getCollectionUsage}), i.e. what survived, not garbage yet to collect;
 *   <li>RSS: {@code VmRSS} of {@code /proc/self/status}: heap, metaspace, threads and native
 *       memory, RocksDB's block cache and memtables included.
 * </ul>
 *
 * {@link #afterFullGc()} forces one collection, once the run is measured.
 */
final class JobMemory implements AutoCloseable {

  private static final Pattern VM_RSS = Pattern.compile("(?m)^VmRSS:\\s+(\\d+)\\s+kB");

  private final ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "job-memory-sampler");
    t.setDaemon(true);
    return t;
  });
  private long samples;
  private long maxHeapAfterGc;
  private long maxHeapUsed;
  private long maxRss;

  static JobMemory sampleEvery(long periodMillis) {
    JobMemory memory = new JobMemory();
    memory.sampler.scheduleAtFixedRate(memory::sample, 0, periodMillis, TimeUnit.MILLISECONDS);
    return memory;
  }

  private synchronized void sample() {
    samples++;
    maxHeapAfterGc = Math.max(maxHeapAfterGc, heapAfterLastGc());
    maxHeapUsed = Math.max(maxHeapUsed,
        ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
    maxRss = Math.max(maxRss, rssBytes());
  }

  /** The sampled maxima, bytes. */
  synchronized Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("samples", samples);
    m.put("maxHeapAfterGcBytes", maxHeapAfterGc);
    m.put("maxHeapUsedBytes", maxHeapUsed);
    m.put("maxRssBytes", maxRss);
    m.put("heapMaxBytes", ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getMax());
    return m;
  }

  /** Heap used right after a forced full collection, and RSS then: the state at its largest. */
  Map<String, Object> afterFullGc() {
    System.gc();
    sample();
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("heapUsedAfterFullGcBytes",
        ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
    m.put("rssAfterFullGcBytes", rssBytes());
    return m;
  }

  /** The heap pools' usage after their latest collection, summed; 0 before the first. */
  static long heapAfterLastGc() {
    long sum = 0;
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      MemoryUsage afterGc = pool.getType() == MemoryType.HEAP ? pool.getCollectionUsage() : null;
      if (afterGc != null) {
        sum += afterGc.getUsed();
      }
    }
    return sum;
  }

  /** This process's resident set, bytes; -1 where /proc is not there. */
  static long rssBytes() {
    try {
      return vmRssBytes(Files.readString(Path.of("/proc/self/status")));
    } catch (IOException e) {
      return -1;
    }
  }

  /** {@code VmRSS} of a {@code /proc/<pid>/status} text, bytes; -1 if it has none. */
  static long vmRssBytes(String procStatus) {
    Matcher m = VM_RSS.matcher(procStatus);
    return m.find() ? Long.parseLong(m.group(1)) * 1024 : -1;
  }

  @Override
  public void close() {
    sampler.shutdownNow();
  }
}
