package com.mobilitycorp.fleet.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The newest completed checkpoint on disk, under Flink's layout {@code
 * <root>/<job id>/chk-N/_metadata} (a chk-N without {@code _metadata} is still being written) with
 * the incremental RocksDB files in {@code <job id>/shared/} and {@code <job id>/taskowned/}. Its
 * size on disk = chk-N plus all of shared/ and taskowned/: an upper bound, since shared/ may still
 * hold files only an older retained checkpoint refers to.
 */
final class CheckpointFiles {

  private static final Pattern CHK = Pattern.compile("chk-(\\d+)");

  record Newest(long id, long chkBytes, long sharedBytes, long taskOwnedBytes) {
    long totalBytes() {
      return chkBytes + sharedBytes + taskOwnedBytes;
    }

    Map<String, Object> toMap() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("checkpoint", id);
      m.put("chkBytes", chkBytes);
      m.put("sharedBytes", sharedBytes);
      m.put("taskOwnedBytes", taskOwnedBytes);
      m.put("totalBytes", totalBytes());
      return m;
    }
  }

  static Optional<Newest> newest(Path root) throws IOException {
    if (!Files.isDirectory(root)) {
      return Optional.empty();
    }
    Path newest = null;
    long newestId = -1;
    try (Stream<Path> jobs = Files.list(root)) {
      for (Path job : jobs.filter(Files::isDirectory).toList()) {
        try (Stream<Path> dirs = Files.list(job)) {
          for (Path dir : dirs.toList()) {
            Matcher m = CHK.matcher(dir.getFileName().toString());
            if (m.matches() && Files.exists(dir.resolve("_metadata"))
                && Long.parseLong(m.group(1)) > newestId) {
              newestId = Long.parseLong(m.group(1));
              newest = dir;
            }
          }
        }
      }
    }
    if (newest == null) {
      return Optional.empty();
    }
    Path job = newest.getParent();
    return Optional.of(new Newest(newestId, bytesUnder(newest), bytesUnder(job.resolve("shared")),
        bytesUnder(job.resolve("taskowned"))));
  }

  /** Bytes of the regular files under {@code dir}; files Flink deletes meanwhile count as 0. */
  static long bytesUnder(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return 0;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      return paths.mapToLong(CheckpointFiles::sizeIfThere).sum();
    } catch (UncheckedIOException e) {
      if (e.getCause() instanceof NoSuchFileException) {
        return bytesUnder(dir); // a directory vanished under the walk (a subsumed checkpoint)
      }
      throw e;
    }
  }

  private static long sizeIfThere(Path p) {
    try {
      return Files.isRegularFile(p) ? Files.size(p) : 0;
    } catch (IOException e) {
      return 0;
    }
  }

  private CheckpointFiles() {}
}
