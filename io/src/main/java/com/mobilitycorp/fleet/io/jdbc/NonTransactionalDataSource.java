package com.mobilitycorp.fleet.io.jdbc;

import java.io.PrintWriter;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.Driver;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Logger;
import javax.sql.DataSource;
import org.apache.beam.sdk.transforms.SerializableFunction;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * A {@link DataSource} for databases without transactions (ClickHouse): its connections accept and
 * ignore {@code setAutoCommit}, {@code commit} and {@code rollback}.
 *
 * <p>Why: Beam's {@code JdbcIO.write()} always calls {@code setAutoCommit(false)} on a new
 * connection and {@code commit()} after every batch ({@code rollback()} before a retry), and the
 * ClickHouse driver ({@code ru.yandex.clickhouse:clickhouse-jdbc}) throws "Transactions are not
 * supported" from them. Ignoring them is honest about what happens anyway: every INSERT is applied
 * on its own (atomically per insert block), and {@link #getConnection()}'s connections report
 * {@code getAutoCommit() == true}. Writers must therefore be idempotent; {@link UtilizationSink}'s
 * rows are (ReplacingMergeTree keeps the highest version per key).
 *
 * <p>Every other call goes to the driver's connection. Connections are not pooled: a ClickHouse
 * connection is an HTTP client, and JdbcIO opens one per bundle that writes.
 *
 * <p>The driver is loaded by class name with this class's class loader and called directly,
 * without {@link java.sql.DriverManager} (which may not see drivers of a job's class loader on a
 * Flink worker).
 */
public final class NonTransactionalDataSource implements DataSource {

  private final String driverClassName;
  private final String jdbcUrl;
  private final @Nullable String user;
  private final @Nullable String password;
  private volatile @Nullable Driver driver;

  public NonTransactionalDataSource(
      String driverClassName, String jdbcUrl, @Nullable String user, @Nullable String password) {
    this.driverClassName = Objects.requireNonNull(driverClassName, "driverClassName");
    this.jdbcUrl = Objects.requireNonNull(jdbcUrl, "jdbcUrl");
    this.user = user;
    this.password = password;
  }

  /**
   * A {@code JdbcIO} data source provider for {@code withDataSourceProviderFn}: serializable (it
   * carries only the settings), and one {@link NonTransactionalDataSource} per settings and JVM.
   */
  public static SerializableFunction<Void, DataSource> providerFn(
      String driverClassName, String jdbcUrl, @Nullable String user, @Nullable String password) {
    return new ProviderFn(driverClassName, jdbcUrl, user, password);
  }

  @Override
  public Connection getConnection() throws SQLException {
    return getConnection(user, password);
  }

  @Override
  public Connection getConnection(@Nullable String username, @Nullable String pass)
      throws SQLException {
    Properties properties = new Properties();
    if (username != null) {
      properties.setProperty("user", username);
    }
    if (pass != null) {
      properties.setProperty("password", pass);
    }
    Connection connection = driver().connect(jdbcUrl, properties);
    if (connection == null) {
      throw new SQLException(driverClassName + " does not accept the URL " + jdbcUrl);
    }
    return ignoringTransactions(connection);
  }

  /** Wraps {@code connection} so that the transaction calls are no-ops (see the class comment). */
  static Connection ignoringTransactions(Connection connection) {
    return (Connection)
        Proxy.newProxyInstance(
            Connection.class.getClassLoader(),
            new Class<?>[] {Connection.class},
            (proxy, method, args) -> {
              switch (method.getName()) {
                case "setAutoCommit", "commit":
                  return null;
                case "rollback":
                  if (method.getParameterCount() == 0) {
                    return null; // rollback(Savepoint) goes to the driver, which rejects it
                  }
                  break;
                case "getAutoCommit":
                  return true;
                case "equals":
                  return proxy == args[0];
                case "hashCode":
                  return System.identityHashCode(proxy);
                case "toString":
                  return "NonTransactional(" + connection + ")";
                default:
                  break;
              }
              try {
                return method.invoke(connection, args);
              } catch (InvocationTargetException e) {
                throw e.getCause();
              }
            });
  }

  private Driver driver() throws SQLException {
    Driver d = driver;
    if (d == null) {
      try {
        ClassLoader loader = NonTransactionalDataSource.class.getClassLoader();
        d =
            (Driver)
                Class.forName(driverClassName, true, loader)
                    .getDeclaredConstructor()
                    .newInstance();
      } catch (ReflectiveOperationException | ClassCastException e) {
        throw new SQLException("cannot load JDBC driver " + driverClassName, e);
      }
      driver = d;
    }
    return d;
  }

  @Override
  public @Nullable PrintWriter getLogWriter() {
    return null;
  }

  @Override
  public void setLogWriter(PrintWriter out) {}

  @Override
  public void setLoginTimeout(int seconds) {}

  @Override
  public int getLoginTimeout() {
    return 0;
  }

  @Override
  public Logger getParentLogger() throws SQLFeatureNotSupportedException {
    throw new SQLFeatureNotSupportedException();
  }

  @Override
  public <T> T unwrap(Class<T> iface) throws SQLException {
    if (iface.isInstance(this)) {
      return iface.cast(this);
    }
    throw new SQLException("not a wrapper for " + iface.getName());
  }

  @Override
  public boolean isWrapperFor(Class<?> iface) {
    return iface.isInstance(this);
  }

  /** The URL without its query string: passwords can sit there, and this ends up in logs. */
  @Override
  public String toString() {
    int query = jdbcUrl.indexOf('?');
    return "NonTransactionalDataSource{"
        + (query < 0 ? jdbcUrl : jdbcUrl.substring(0, query))
        + "}";
  }

  private static final class ProviderFn implements SerializableFunction<Void, DataSource> {
    private static final long serialVersionUID = 1L;

    /** One data source per settings per JVM, shared by every DoFn instance (like JdbcIO's). */
    private static final Map<ProviderFn, DataSource> INSTANCES = new ConcurrentHashMap<>();

    private final String driverClassName;
    private final String jdbcUrl;
    private final @Nullable String user;
    private final @Nullable String password;

    ProviderFn(
        String driverClassName, String jdbcUrl, @Nullable String user, @Nullable String password) {
      this.driverClassName = Objects.requireNonNull(driverClassName, "driverClassName");
      this.jdbcUrl = Objects.requireNonNull(jdbcUrl, "jdbcUrl");
      this.user = user;
      this.password = password;
    }

    @Override
    public DataSource apply(Void input) {
      return INSTANCES.computeIfAbsent(
          this, k -> new NonTransactionalDataSource(driverClassName, jdbcUrl, user, password));
    }

    @Override
    public boolean equals(@Nullable Object o) {
      return o instanceof ProviderFn p
          && driverClassName.equals(p.driverClassName)
          && jdbcUrl.equals(p.jdbcUrl)
          && Objects.equals(user, p.user)
          && Objects.equals(password, p.password);
    }

    @Override
    public int hashCode() {
      return Objects.hash(driverClassName, jdbcUrl, user, password);
    }
  }
}
