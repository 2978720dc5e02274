package com.mobilitycorp.fleet.pipelines;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasKey;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

import com.mobilitycorp.fleet.testing.stack.LocalS3;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.FileSystem;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Flink's S3 filesystem plugin (flink-s3-fs-presto) against LocalS3 through the real S3 API: the
 * operations checkpoints use (create, read, list, recursive delete), and where the plugin finds
 * credentials when flink-conf has none.
 */
class FlinkS3FileSystemTest {
  @TempDir static Path workDir;
  private static LocalS3 s3;
  private static Path confDir;

  @BeforeAll
  static void start() throws IOException {
    // The AWS SDK's last resort for credentials is the EC2 metadata address, never a target here.
    System.setProperty("com.amazonaws.sdk.disableEc2Metadata", "true");
    s3 = LocalS3.start(workDir.resolve("s3"), "fs-test");
    confDir = FlinkS3.writeFlinkConf(workDir.resolve("flink-conf"), s3);
    FlinkS3.initialize(confDir);
  }

  @AfterAll
  static void stop() {
    FlinkS3.reset();
    if (s3 != null) {
      s3.close();
    }
  }

  @Test
  void writesReadsListsAndDeletesThroughTheS3Api() throws Exception {
    URI dir = URI.create(s3.uri("checkpoints/job/chk-1"));
    FileSystem fs = FileSystem.get(dir);
    assertThat("the plugin's filesystem, not a local one", fs.isDistributedFS(), is(true));
    org.apache.flink.core.fs.Path metadata = new org.apache.flink.core.fs.Path(dir + "/_metadata");
    try (OutputStream out = fs.create(metadata, FileSystem.WriteMode.NO_OVERWRITE)) {
      out.write("metadata".getBytes(StandardCharsets.UTF_8));
    }
    assertThat(s3.list("checkpoints/"), equalTo(Map.of("checkpoints/job/chk-1/_metadata", 8L)));

    try (InputStream in = fs.open(metadata)) {
      assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8), is("metadata"));
    }
    List<String> listed = new ArrayList<>();
    for (FileStatus status : fs.listStatus(new org.apache.flink.core.fs.Path(s3.uri("checkpoints/job")))) {
      listed.add(status.getPath().getName() + (status.isDir() ? "/" : ""));
    }
    assertThat(listed, equalTo(List.of("chk-1/")));

    fs.delete(new org.apache.flink.core.fs.Path(dir), true);
    assertThat(s3.list("checkpoints/"), equalTo(Map.of()));
  }

  @Test
  void withoutKeysInFlinkConfCredentialsComeFromTheAwsEnvironmentVariables() throws Exception {
    // A flink-conf with the endpoint but no keys; a child JVM, because environment variables are
    // fixed per process. Once with AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, once without.
    Path noKeys = workDir.resolve("flink-conf-no-keys");
    Files.createDirectories(noKeys);
    List<String> lines = new ArrayList<>();
    for (String line : Files.readAllLines(confDir.resolve("flink-conf.yaml"))) {
      if (!line.startsWith("s3.access-key") && !line.startsWith("s3.secret-key")) {
        lines.add(line);
      }
    }
    Files.write(noKeys.resolve("flink-conf.yaml"), lines);

    String withEnv = s3.uri("env/with-keys");
    assertThat(probe(noKeys, withEnv, true), is(0));
    assertThat(s3.list("env/"), hasKey("env/with-keys"));

    String withoutEnv = s3.uri("env/without-keys");
    assertThat(probe(noKeys, withoutEnv, false), not(0));
    assertThat(s3.list("env/"), not(hasKey("env/without-keys")));
  }

  /** Runs {@link Probe} in a child JVM; returns its exit code. */
  private static int probe(Path confDir, String uri, boolean keysInEnvironment) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Dcom.amazonaws.sdk.disableEc2Metadata=true");
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(Probe.class.getName());
    command.add(confDir.toString());
    command.add(uri);
    ProcessBuilder builder = new ProcessBuilder(command);
    Map<String, String> env = builder.environment();
    env.keySet().removeIf(name -> name.startsWith("AWS_"));
    // No other source of credentials than the variables under test.
    env.put("AWS_EC2_METADATA_DISABLED", "true");
    env.put("AWS_SHARED_CREDENTIALS_FILE", workDir.resolve("no-credentials").toString());
    env.put("AWS_CONFIG_FILE", workDir.resolve("no-config").toString());
    if (keysInEnvironment) {
      env.put("AWS_ACCESS_KEY_ID", s3.accessKey());
      env.put("AWS_SECRET_ACCESS_KEY", s3.secretKey());
    }
    Path log = workDir.resolve("probe-" + keysInEnvironment + ".log");
    Process process =
        builder
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
            .start();
    if (!process.waitFor(2, TimeUnit.MINUTES)) {
      process.destroyForcibly();
      throw new AssertionError("probe did not finish in 2 minutes: " + Files.readString(log));
    }
    System.out.println("probe (keys in environment: " + keysInEnvironment + ") exited "
        + process.exitValue() + ":\n" + Files.readString(log));
    return process.exitValue();
  }

  /** Child JVM: initializes Flink's filesystems from the conf dir and writes one object. */
  public static final class Probe {
    public static void main(String[] args) throws Exception {
      FlinkS3.initialize(Path.of(args[0]));
      org.apache.flink.core.fs.Path path = new org.apache.flink.core.fs.Path(args[1]);
      try (OutputStream out = path.getFileSystem().create(path, FileSystem.WriteMode.OVERWRITE)) {
        out.write(1);
      }
      System.out.println("wrote " + path);
    }
  }
}
