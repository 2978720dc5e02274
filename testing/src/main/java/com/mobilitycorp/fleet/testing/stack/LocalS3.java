package com.mobilitycorp.fleet.testing.stack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStore;
import org.jclouds.blobstore.BlobStoreContext;
import org.jclouds.blobstore.domain.PageSet;
import org.jclouds.blobstore.domain.StorageMetadata;
import org.jclouds.blobstore.domain.StorageType;
import org.jclouds.blobstore.options.ListContainerOptions;
import org.jclouds.filesystem.FilesystemApiMetadata;
import org.jclouds.filesystem.reference.FilesystemConstants;

/**
 * A real S3 API server (S3Proxy, in this JVM) on 127.0.0.1, storing objects as files below {@code
 * workDir/objects/<bucket>/<key>} (jclouds' filesystem store), for tests of code that talks S3,
 * such as Flink's s3:// checkpoint filesystem.
 *
 * <p>Requests must be signed (AWS signature V2 or V4) with {@link #accessKey()} and {@link
 * #secretKey()}, which are random per start and exist only in memory and in whatever the caller
 * writes them to. Bucket names go in the path ({@code s3.path.style.access: true}): virtual-host
 * addressing would need DNS names for 127.0.0.1.
 *
 * <p>In-process rather than a child JVM: S3Proxy needs only its server, jclouds core and Jetty 11
 * here (the parent pom leaves out its Azure/AWS SDKs and logback), none of which the Beam job's
 * classpath has otherwise. A shutdown hook stops the server when this JVM exits normally.
 */
public final class LocalS3 implements AutoCloseable {

  private static final String ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  private static final String SECRET_CHARS =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

  private final Path workDir;
  private final String bucket;
  private final String accessKey;
  private final String secretKey;
  private final BlobStoreContext context;
  private final S3Proxy proxy;
  private Thread shutdownHook;

  private LocalS3(
      Path workDir, String bucket, String accessKey, String secretKey, BlobStoreContext context,
      S3Proxy proxy) {
    this.workDir = workDir;
    this.bucket = bucket;
    this.accessKey = accessKey;
    this.secretKey = secretKey;
    this.context = context;
    this.proxy = proxy;
  }

  /**
   * Starts the server on a free loopback port with fresh credentials and creates {@code bucket}
   * (kept if it already exists in {@code workDir}).
   */
  public static LocalS3 start(Path workDir, String bucket) {
    Path dir = workDir.toAbsolutePath().normalize();
    Path objects = dir.resolve("objects");
    try {
      Files.createDirectories(objects);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create " + objects, e);
    }
    SecureRandom random = new SecureRandom();
    // The shapes of AWS keys (20 and 40 characters), so clients that check them accept these.
    String accessKey = "LOCAL" + randomString(random, ALPHANUMERIC, 15);
    String secretKey = randomString(random, SECRET_CHARS, 40);

    Properties overrides = new Properties();
    overrides.setProperty(FilesystemConstants.PROPERTY_BASEDIR, objects.toString());
    // By API metadata rather than the provider name "filesystem": a name lookup instantiates every
    // provider on the classpath, S3Proxy's Azure one included, whose SDK is left out.
    BlobStoreContext context =
        ContextBuilder.newBuilder(new FilesystemApiMetadata())
            .overrides(overrides)
            .build(BlobStoreContext.class);
    S3Proxy proxy =
        S3Proxy.builder()
            .blobStore(context.getBlobStore())
            // Port 0: Jetty binds a free port itself, so no other process can take it meanwhile.
            .endpoint(URI.create("http://127.0.0.1:0"))
            .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, accessKey, secretKey)
            .build();
    LocalS3 s3 = new LocalS3(dir, bucket, accessKey, secretKey, context, proxy);
    try {
      proxy.start();
      s3.awaitStarted();
      s3.shutdownHook = StackSupport.addShutdownHook("local-s3-stopper", s3::stopServer);
      context.getBlobStore().createContainerInLocation(null, bucket);
      return s3;
    } catch (Exception e) {
      s3.stopServer();
      throw new IllegalStateException("cannot start S3Proxy in " + dir, e);
    }
  }

  /** {@code http://127.0.0.1:<port>}: the value of Flink's {@code s3.endpoint}. */
  public String endpoint() {
    return "http://127.0.0.1:" + proxy.getPort();
  }

  public int port() {
    return proxy.getPort();
  }

  public String bucket() {
    return bucket;
  }

  public String accessKey() {
    return accessKey;
  }

  public String secretKey() {
    return secretKey;
  }

  /** {@code s3://<bucket>/<path>}. */
  public String uri(String path) {
    return "s3://" + bucket + "/" + (path.startsWith("/") ? path.substring(1) : path);
  }

  /** Where the objects live on disk: {@code <dir>/<bucket>/<key>}. */
  public Path objectsDir() {
    return workDir.resolve("objects");
  }

  /**
   * Every object in the bucket whose key starts with {@code prefix}, at any depth, with its size
   * in bytes, sorted by key. Read from the store S3Proxy serves, so it shows what clients wrote
   * through the S3 API.
   */
  public Map<String, Long> list(String prefix) {
    BlobStore store = context.getBlobStore();
    Map<String, Long> objects = new TreeMap<>();
    ListContainerOptions options = ListContainerOptions.Builder.prefix(prefix).recursive();
    while (true) {
      PageSet<? extends StorageMetadata> page = store.list(bucket, options);
      for (StorageMetadata object : page) {
        if (object.getType() == StorageType.BLOB) {
          Long size = object.getSize();
          objects.put(object.getName(), size == null ? -1L : size);
        }
      }
      if (page.getNextMarker() == null) {
        return objects;
      }
      options = ListContainerOptions.Builder.prefix(prefix).recursive().afterMarker(page.getNextMarker());
    }
  }

  /** Stops the server; the objects stay in {@link #objectsDir()}. */
  @Override
  public void close() {
    stopServer();
    StackSupport.removeShutdownHook(shutdownHook);
    shutdownHook = null;
  }

  @Override
  public String toString() {
    return "LocalS3{" + endpoint() + ", bucket=" + bucket + ", dir=" + workDir + "}";
  }

  private synchronized void stopServer() {
    try {
      if (!"STOPPED".equals(proxy.getState())) {
        proxy.stop();
      }
    } catch (Exception e) {
      // Stopping is best effort: the JVM may be exiting anyway.
    } finally {
      context.close();
    }
  }

  /** {@link S3Proxy#start} returns before Jetty serves; poll its state, then the port. */
  private void awaitStarted() {
    long deadline = System.nanoTime() + java.time.Duration.ofSeconds(30).toNanos();
    while (!"STARTED".equals(proxy.getState()) || !StackSupport.acceptsConnections(proxy.getPort())) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("S3Proxy not serving after 30 s: " + proxy.getState());
      }
      StackSupport.pause();
    }
  }

  private static String randomString(SecureRandom random, String alphabet, int length) {
    StringBuilder s = new StringBuilder(length);
    for (int i = 0; i < length; i++) {
      s.append(alphabet.charAt(random.nextInt(alphabet.length())));
    }
    return s.toString();
  }
}
