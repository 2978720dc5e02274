package com.mobilitycorp.fleet.testing.stack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Small helpers shared by the local-stack classes: free loopback ports, port probes, log tails and
 * shutdown hooks. Package-private because they are implementation details, not API.
 */
final class StackSupport {

  /** How often {@link LocalKafka} and {@link LocalPostgres} re-check a condition they wait for. */
  static final long POLL_INTERVAL_MILLIS = 100;

  /**
   * A loopback port that was free a moment ago (bind to 0, read it, release it). Another process
   * may take it before we bind again; on a developer machine or CI runner that race is rare and
   * shows up as a clear "address in use" start failure.
   */
  static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      socket.setReuseAddress(true);
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot find a free loopback port", e);
    }
  }

  /** Returns {@code port}, or a free loopback port when it is 0. */
  static int portOrFree(int port) {
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port out of range: " + port);
    }
    return port == 0 ? freePort() : port;
  }

  /** True if something accepts TCP connections on 127.0.0.1:{@code port}. */
  static boolean acceptsConnections(int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 250);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** The last {@code lines} lines of a text file, or a note that it cannot be read. */
  static String tail(Path file, int lines) {
    try {
      if (!Files.exists(file)) {
        return "(" + file + " does not exist)";
      }
      List<String> all = Files.readAllLines(file, StandardCharsets.UTF_8);
      List<String> last = all.subList(Math.max(0, all.size() - lines), all.size());
      return String.join(System.lineSeparator(), last);
    } catch (IOException | UncheckedIOException e) {
      return "(cannot read " + file + ": " + e + ")";
    }
  }

  /** Sleeps one poll interval; used only inside loops that re-check a condition with a deadline. */
  static void pause() {
    try {
      Thread.sleep(POLL_INTERVAL_MILLIS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting", e);
    }
  }

  /** Registers {@code hook} to run at JVM exit. */
  static Thread addShutdownHook(String name, Runnable hook) {
    Thread thread = new Thread(hook, name);
    Runtime.getRuntime().addShutdownHook(thread);
    return thread;
  }

  /** Removes a hook added by {@link #addShutdownHook}; a no-op while the JVM is shutting down. */
  static void removeShutdownHook(Thread hook) {
    if (hook == null || hook == Thread.currentThread()) {
      return;
    }
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException shutdownInProgress) {
      // The hook is running or about to run; it is idempotent with stop().
    }
  }

  /** Deletes {@code path} and everything below it; nothing happens if it does not exist. */
  static void deleteRecursively(Path path) throws IOException {
    if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(path)) {
      for (Path p : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
        Files.delete(p);
      }
    }
  }

  private StackSupport() {}
}
