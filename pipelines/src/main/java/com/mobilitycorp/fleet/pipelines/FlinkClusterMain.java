package com.mobilitycorp.fleet.pipelines;

import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.apache.beam.runners.flink.FlinkRunner;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.options.PipelineOptionsFactory;

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
    // executeAsync: return with a job handle instead of blocking until the (unbounded) job ends.
    options.as(FlinkPipelineOptions.class).setAttachedMode(false);
    Pipeline pipeline = Pipeline.create(options);
    FleetStreamProcessor.build(pipeline, options);
    PipelineResult result = pipeline.run();
    System.out.println("Fleet stream processor submitted; state " + result.getState());
  }

  private FlinkClusterMain() {}
}
