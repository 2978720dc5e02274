package com.mobilitycorp.fleet.testing.stack;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.Arrays;

/**
 * Entry point of the child JVMs the local stack starts: {@code ParentWatchingMain <parentPid>
 * <mainClass> [args...]} runs {@code mainClass.main(args)} and exits the JVM (running its
 * shutdown hooks, so Kafka shuts down cleanly) as soon as the parent process is gone.
 *
 * <p>Why: a shutdown hook in the parent only covers a normal exit. When the parent JVM is killed
 * (SIGKILL, a surefire fork timeout, an IDE "stop" button), the broker would otherwise keep
 * running and hold its ports and its data directory's lock, and the next run would fail.
 */
public final class ParentWatchingMain {

  public static void main(String[] args) throws Throwable {
    if (args.length < 2) {
      System.err.println("usage: ParentWatchingMain <parentPid> <mainClass> [args...]");
      System.exit(2);
    }
    long parentPid = Long.parseLong(args[0]);
    ProcessHandle.of(parentPid)
        .ifPresentOrElse(
            parent ->
                parent
                    .onExit()
                    .thenRun(
                        () -> {
                          System.err.println(
                              "Parent process " + parentPid + " exited; shutting down.");
                          System.exit(0);
                        }),
            () -> {
              System.err.println("Parent process " + parentPid + " is not running; exiting.");
              System.exit(0);
            });

    Method main = Class.forName(args[1]).getMethod("main", String[].class);
    try {
      main.invoke(null, (Object) Arrays.copyOfRange(args, 2, args.length));
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }

  private ParentWatchingMain() {}
}
