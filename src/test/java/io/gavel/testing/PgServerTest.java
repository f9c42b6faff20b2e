package io.gavel.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

/** The harness the durable-store tests stand on: a real server that keeps committed rows across a restart. */
class PgServerTest {

  @Test
  void aServerRequiresItsPasswordAndKeepsCommittedRowsAcrossARestart() throws Exception {
    Path dataDir;
    try (PgServer server = PgServer.start("pg-server-test")) {
      dataDir = server.dataDir();
      assertThat(server.url()).isEqualTo("postgresql://gavel:" + server.password() + "@127.0.0.1:" + server.port()
          + "/gavel");
      assertThat(server.jdbcUrl()).isEqualTo("jdbc:postgresql://127.0.0.1:" + server.port() + "/gavel");

      try (Connection connection = DriverManager.getConnection(server.jdbcUrl(), server.user(), server.password());
          Statement statement = connection.createStatement()) {
        statement.execute(
            "CREATE TABLE bids (auction_id text, seq bigint, amount bigint, PRIMARY KEY (auction_id, seq))");
        statement.execute("INSERT INTO bids VALUES ('a1', 1, 12550)");
      }
      assertThatThrownBy(() -> DriverManager.getConnection(server.jdbcUrl(), server.user(), "wrong-password").close())
          .as("the server must ask for the password, not trust the address")
          .isInstanceOf(SQLException.class)
          .hasMessageContaining("password authentication failed");

      server.stop();
      assertThat(server.running()).isFalse();
      assertThatThrownBy(() -> server.connect().close()).isInstanceOf(SQLException.class);

      server.start();
      try (Connection connection = server.connect();
          Statement statement = connection.createStatement();
          ResultSet row = statement.executeQuery("SELECT amount FROM bids WHERE auction_id = 'a1' AND seq = 1")) {
        assertThat(row.next()).as("the row committed before the restart").isTrue();
        assertThat(row.getLong(1)).isEqualTo(12550);
      }
    }
    assertThat(Files.exists(dataDir)).as("close deletes the data").isFalse();
  }
}
