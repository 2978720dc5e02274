package com.mobilitycorp.fleet.pipelines;

import com.mobilitycorp.fleet.testing.stack.LocalS3;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.GlobalConfiguration;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.plugin.DefaultPluginManager;
import org.apache.flink.core.plugin.DirectoryBasedPluginFinder;
import org.apache.flink.core.plugin.PluginManager;

/**
 * Flink's s3:// filesystem (flink-s3-fs-presto) for jobs on the embedded mini cluster, set up the
 * way a cluster's entry point does it.
 *
 * <p>Why this is needed: a JobManager or TaskManager process calls {@link FileSystem#initialize}
 * with its flink-conf and its plugins/ directory at start. The mini cluster that {@code
 * --flinkMaster=[local]} starts does not, so without this Flink would know no s3:// scheme (the
 * plugin is not on the classpath, on purpose: see pipelines/pom.xml) and would never read the s3.*
 * keys of {@code --flinkConfDir}. {@link FileSystem} is JVM-global: {@link #reset} puts back the
 * default (local filesystems only) for the tests that run after.
 */
final class FlinkS3 {
  /** Laid out by pipelines/pom.xml as on a cluster: {@code <dir>/s3-fs-presto/<jar>}. */
  static final Path PLUGINS_DIR = Path.of("target/flink-plugins").toAbsolutePath();

  private FlinkS3() {}

  /**
   * Writes {@code dir/flink-conf.yaml}: flink-conf/local's settings plus the keys that point
   * Flink's S3 filesystem at {@code s3}. The credentials exist only in this (temporary) file.
   */
  static Path writeFlinkConf(Path dir, LocalS3 s3, String... extraLines) throws IOException {
    Files.createDirectories(dir);
    Path conf = dir.resolve("flink-conf.yaml");
    Files.copy(
        Path.of("../flink-conf/local/flink-conf.yaml").toAbsolutePath().normalize(), conf);
    String s3Keys =
        String.join(
            "\n",
            "",
            "# Added by " + FlinkS3.class.getSimpleName() + ": checkpoints to LocalS3 (S3Proxy).",
            "s3.endpoint: " + s3.endpoint(),
            // Bucket in the path: virtual-host style would need DNS names for 127.0.0.1.
            "s3.path.style.access: true",
            "s3.access-key: " + s3.accessKey(),
            "s3.secret-key: " + s3.secretKey(),
            String.join("\n", extraLines),
            "");
    Files.writeString(conf, s3Keys, StandardCharsets.UTF_8, StandardOpenOption.APPEND);
    return dir;
  }

  /** What a cluster process does at start: filesystems from {@code confDir} and the plugins. */
  static void initialize(Path confDir) throws IOException {
    Configuration config = GlobalConfiguration.loadConfiguration(confDir.toString());
    if (!Files.isDirectory(PLUGINS_DIR.resolve("s3-fs-presto"))) {
      throw new IllegalStateException(
          PLUGINS_DIR + "/s3-fs-presto is missing: Maven's process-test-resources phase copies"
              + " flink-s3-fs-presto there (pipelines/pom.xml)");
    }
    PluginManager plugins =
        new DefaultPluginManager(
            new DirectoryBasedPluginFinder(PLUGINS_DIR).findPlugins(),
            CoreOptions.getPluginParentFirstLoaderPatterns(config));
    FileSystem.initialize(config, plugins);
  }

  /** Back to Flink's default filesystems, without plugins and without the s3 keys. */
  static void reset() {
    FileSystem.initialize(new Configuration(), null);
  }
}
