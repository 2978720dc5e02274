package com.mobilitycorp.fleet.bench;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.hasKey;

import java.util.Map;
import org.junit.jupiter.api.Test;

class JobCpuTest {

  @Test
  void subtasksOfOneFlinkTaskAreOneGroupNamedAfterTheChainsFirstOperator() {
    String chain = "DeduplicateTelemetry/DropSeenEventIds/ParMultiDo(DropSeenEventIds)"
        + " -> DeduplicateTelemetry/DropKeys/Values/Map/ParMultiDo(Anonymous)";
    assertThat(JobCpu.group(chain + " (1/2)#0"),
        equalTo("task: DeduplicateTelemetry/DropSeenEventIds/ParMultiDo(DropSeenEventIds)"));
    assertThat(JobCpu.group(chain + " (2/2)#3"), equalTo(JobCpu.group(chain + " (1/2)#0")));
    assertThat(JobCpu.group("JoinWeather/JoinAsOfEventTime/ParMultiDo(JoinAsOf) (2/2)#0"),
        equalTo("task: JoinWeather/JoinAsOfEventTime/ParMultiDo(JoinAsOf)"));
  }

  @Test
  void helperThreadsOfTasksAndClientsAreGroupsOfTheirOwn() {
    assertThat(JobCpu.group("OutputFlusher for Source: ReadTelemetry/ReadFromKafka -> Flat Map"),
        equalTo("Flink timer and flusher threads"));
    assertThat(JobCpu.group("Time Trigger for JoinWeather/JoinAsOfEventTime (1/2)#0"),
        equalTo("Flink timer and flusher threads"));
    assertThat(JobCpu.group("kafka-producer-network-thread | producer-7"),
        equalTo("Kafka client I/O threads"));
    assertThat(JobCpu.group("flink-pekko.actor.default-dispatcher-4"),
        equalTo("other Java threads (Flink runtime, bench)"));
  }

  @Test
  @SuppressWarnings("unchecked")
  void theCpuOfAThreadThatWorkedIsInItsGroup() throws Exception {
    JobCpu cpu = JobCpu.start();
    Thread worker = new Thread(() -> {
      long x = 0;
      for (long i = 0; i < 300_000_000L; i++) {
        x += i ^ (x >>> 3);
      }
      if (x == 42) {
        System.out.println(x); // keeps the loop from being optimised away
      }
    }, "Busy/Operator -> Next (1/1)#0");
    worker.start();
    Map<String, Object> measured;
    try {
      // Measured while the worker lives: only live threads are attributed.
      while (java.lang.management.ManagementFactory.getThreadMXBean()
          .getThreadCpuTime(worker.getId()) < 50_000_000L && worker.isAlive()) {
        Thread.onSpinWait();
      }
      measured = cpu.measure(1_000);
    } finally {
      worker.join();
    }
    Map<String, Object> groups = (Map<String, Object>) measured.get("byThreadGroup");
    assertThat(groups, hasKey("task: Busy/Operator"));
    double seconds = BenchSupport.decimal(
        (Map<String, Object>) groups.get("task: Busy/Operator"), "cpuSeconds");
    assertThat(seconds, greaterThan(0.04));
    assertThat(BenchSupport.decimal(measured, "processCpuSeconds"), greaterThan(0.04));
  }
}
