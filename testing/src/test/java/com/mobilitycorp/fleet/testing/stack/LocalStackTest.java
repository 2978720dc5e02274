package com.mobilitycorp.fleet.testing.stack;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.mobilitycorp.fleet.io.kafka.FleetTopics;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalStackTest {

  @TempDir Path workDir;

  @Test
  void startsKafkaWithFleetTopicsAndPostgresWithSchema() throws Exception {
    Properties written = new Properties();
    try (LocalStack stack = LocalStack.start(workDir, 0, 0)) {
      try (Reader in = Files.newBufferedReader(stack.propertiesFile())) {
        written.load(in);
      }
      assertThat(written.getProperty("bootstrap.servers"), is(stack.kafka().bootstrapServers()));
      assertThat(written.getProperty("jdbc.url"), is(stack.postgres().jdbcUrl()));
      assertThat(written.getProperty("jdbc.user"), is(stack.postgres().user()));

      Map<String, Object> config =
          Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafka().bootstrapServers());
      try (Admin admin = Admin.create(config)) {
        Set<String> topics = admin.listTopics().names().get();
        assertThat(topics, hasItems(FleetTopics.all().keySet().toArray(new String[0])));
      }
      try (Connection c =
              DriverManager.getConnection(
                  written.getProperty("jdbc.url"),
                  written.getProperty("jdbc.user"),
                  written.getProperty("jdbc.password"));
          ResultSet rs =
              c.createStatement()
                  .executeQuery("SELECT count(*) FROM information_schema.tables"
                      + " WHERE table_name IN ('locations', 'vehicles')")) {
        assertThat(rs.next(), is(true));
        assertThat(rs.getInt(1), is(2));
      }
    }
    assertThat(Files.exists(workDir.resolve(LocalStack.PROPERTIES_FILE)), is(false));
  }

  @Test
  void freshRefusesToWipeADirectoryWithForeignFiles() throws Exception {
    Files.createDirectories(workDir.resolve("kafka"));
    Files.writeString(workDir.resolve("notes.txt"), "not ours");
    assertThrows(IllegalArgumentException.class, () -> LocalStack.wipe(workDir));
    assertThat(Files.exists(workDir.resolve("notes.txt")), is(true));

    Files.delete(workDir.resolve("notes.txt"));
    LocalStack.wipe(workDir);
    assertThat(Files.exists(workDir), is(false));
  }
}
