package com.mobilitycorp.fleet.pipelines;

import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.apache.beam.runners.flink.FlinkRunner;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.GlobalConfiguration;
import org.apache.flink.streaming.api.environment.ExecutionCheckpointingOptions;

/**
 * Entry point of the job jar on a Flink cluster: {@code flink run -d [-p N] [-s SAVEPOINT]
 * fleet-pipelines-job.jar --bootstrapServers=... --jdbcUrl=...}. Builds exactly {@link
 * FleetStreamProcessor}'s topology, submits it through the environment {@code flink run} provides
 * (the cluster in the CLI's configuration; parallelism, savepoint to restore and the cluster's
 * checkpointing and state backend settings come from there) and returns once the cluster has
 * accepted the job. The CLI prints "Job has been submitted with JobID ...".
 *
 * <p>Why not {@link FleetStreamProcessor#main}: it is made for embedded runs and waits for the job
 * to end (with {@code --attachedMode=false}) or, attached, reads the job's runtime from the
 * result, which a detached {@code flink run -d} does not have (InvalidProgramException after the
 * job was already submitted). Here the runner is always Flink and the submission never waits.
 * Leave {@code --flinkMaster} unset ({@code [auto]}): the runner then uses the CLI's cluster.
 */
public final class FlinkClusterMain {

  public static void main(String[] args) throws Exception {
    PipelineOptionsFactory.register(FleetPipelineOptions.class);
    FleetPipelineOptions options =
        PipelineOptionsFactory.fromArgs(args).withValidation().as(FleetPipelineOptions.class);
    options.setRunner(FlinkRunner.class);
    options.setStreaming(true);
    FlinkPipelineOptions flink = options.as(FlinkPipelineOptions.class);
    // executeAsync: return with a job handle instead of blocking until the (unbounded) job ends.
    flink.setAttachedMode(false);
    if (flink.getShutdownSourcesAfterIdleMs() == -1) {
      // Checkpointing is the cluster's (execution.checkpointing.* in flink-conf.yaml), which the
      // runner cannot see: without --checkpointingInterval it assumes none and shuts idle
      // sources down at once. The finished Impulse then ends the input of ReferenceData's
      // PeriodicSequence, whose operator loops forever on its self-rescheduling timer in
      // finish(): no barrier passes that task again, and with aligned checkpoints the whole
      // job stalls at its first checkpoint. Keeping idle sources alive avoids it.
      flink.setShutdownSourcesAfterIdleMs(Long.MAX_VALUE);
    }
    if (flink.getCheckpointingInterval() == -1) {
      // The exactly-once Kafka sink's stable input needs the interval in the job's options (the
      // runner refuses it otherwise); take the cluster's, so flink-conf.yaml stays the one place.
      Configuration cluster = GlobalConfiguration.loadConfiguration();
      cluster
          .getOptional(ExecutionCheckpointingOptions.CHECKPOINTING_INTERVAL)
          .ifPresent(interval -> flink.setCheckpointingInterval(interval.toMillis()));
    }
    Pipeline pipeline = Pipeline.create(options);
    FleetStreamProcessor.build(pipeline, options);
    PipelineResult result = pipeline.run();
    System.out.println("Fleet stream processor submitted; state " + result.getState());
  }

  private FlinkClusterMain() {}
}
