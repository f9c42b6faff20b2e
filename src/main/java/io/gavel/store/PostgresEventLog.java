package io.gavel.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.gavel.domain.AuctionEvent;
import io.gavel.domain.AuctionView;
import io.gavel.metrics.GavelMetrics;
import io.gavel.protocol.Wire;
import io.vertx.core.json.JsonObject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.flywaydb.core.Flyway;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The event log in PostgreSQL over JDBC (HikariCP). The primary key (auction_id, seq) is the arbiter: of two
 * writers of the same seq, the second gets {@link SeqTakenException}. Unreachable, it fails fast: a connection
 * failure makes every call refuse at once for {@value #FAST_FAIL_MILLIS} ms instead of holding partition threads.
 */
public final class PostgresEventLog implements EventLog, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(PostgresEventLog.class);
  private static final String UNIQUE_VIOLATION = "23505";
  private static final long FAST_FAIL_MILLIS = 500;

  private static final String INSERT_EVENT =
      "INSERT INTO auction_events (auction_id, seq, type, at, body) VALUES (?, ?, ?, ?, ?::jsonb)";
  private static final String UPSERT_AUCTION =
      "INSERT INTO auctions (id, status, ends_at, seq, summary) VALUES (?, ?, ?, ?, ?::jsonb) "
          + "ON CONFLICT (id) DO UPDATE SET status = excluded.status, ends_at = excluded.ends_at, "
          + "seq = excluded.seq, summary = excluded.summary WHERE auctions.seq < excluded.seq";
  private static final String EVENTS_AFTER =
      "SELECT body::text FROM auction_events WHERE auction_id = ? AND seq > ? ORDER BY seq";

  private final StoreUrl url;
  private final HikariDataSource pool;
  private volatile GavelMetrics metrics;
  private volatile long refuseUntilNanos = System.nanoTime();

  private PostgresEventLog(StoreUrl url, HikariDataSource pool) {
    this.url = url;
    this.pool = pool;
  }

  /** Connects and brings the schema up to date (Flyway). Blocks; fails when the database cannot be reached. */
  public static PostgresEventLog open(StoreUrl url, int maxConnections) {
    HikariConfig config = new HikariConfig();
    config.setPoolName("gavel-store");
    config.setJdbcUrl(url.jdbcUrl());
    config.setUsername(url.user());
    config.setPassword(url.password());
    config.setMaximumPoolSize(maxConnections);
    config.setMinimumIdle(Math.min(2, maxConnections));
    // Fail fast rather than hold a partition thread: a command waits at most about a second for the database.
    config.setConnectionTimeout(1_000);
    config.setValidationTimeout(500);
    config.addDataSourceProperty("connectTimeout", "2");
    config.addDataSourceProperty("socketTimeout", "5");
    config.addDataSourceProperty("tcpKeepAlive", "true");
    config.addDataSourceProperty("ApplicationName", "gavel");
    HikariDataSource pool = new HikariDataSource(config);
    try {
      Flyway.configure().dataSource(pool).locations("classpath:db/migration").load().migrate();
    } catch (RuntimeException e) {
      pool.close();
      throw e;
    }
    return new PostgresEventLog(url, pool);
  }

  public void attach(GavelMetrics metrics) {
    this.metrics = metrics;
  }

  public StoreUrl url() {
    return url;
  }

  @Override
  public void append(List<AuctionEvent> events, AuctionView after) {
    refuseWhileDown();
    long started = System.nanoTime();
    try (Connection c = pool.getConnection()) {
      c.setAutoCommit(false);
      try (PreparedStatement insert = c.prepareStatement(INSERT_EVENT);
           PreparedStatement upsert = c.prepareStatement(UPSERT_AUCTION)) {
        for (AuctionEvent event : events) {
          insert.setString(1, event.auctionId());
          insert.setLong(2, event.seq());
          insert.setString(3, event.type());
          insert.setObject(4, OffsetDateTime.ofInstant(Instant.ofEpochMilli(event.at()), ZoneOffset.UTC));
          insert.setString(5, EventJson.encode(event).encode());
          insert.addBatch();
        }
        insert.executeBatch();
        JsonObject summary = Wire.auction(after);
        upsert.setString(1, after.id());
        upsert.setString(2, after.status().name());
        upsert.setLong(3, after.endsAt());
        upsert.setLong(4, after.seq());
        upsert.setString(5, summary.encode());
        upsert.executeUpdate();
        commit(c);
      } catch (SQLException e) {
        rollbackQuietly(c);
        if (isUniqueViolation(e)) {
          GavelMetrics m = metrics;
          if (m != null) {
            m.storeConflict();
          }
          throw new SeqTakenException(events.get(0).auctionId(), events.get(0).seq());
        }
        throw e;
      }
    } catch (SQLException e) {
      throw unavailable("append to", e);
    } finally {
      GavelMetrics m = metrics;
      if (m != null) {
        m.storeWrite(System.nanoTime() - started);
      }
    }
  }

  /** A commit whose answer never came may have happened: say so, so that the caller does not trust its cache. */
  private void commit(Connection c) {
    try {
      c.commit();
    } catch (SQLException e) {
      StoreUnavailableException unknown = unavailable("commit to", e);
      throw new StoreUnavailableException(unknown.getMessage(), e, true);
    }
  }

  @Override
  public List<AuctionEvent> eventsAfter(String auctionId, long after) {
    refuseWhileDown();
    try (Connection c = pool.getConnection(); PreparedStatement select = c.prepareStatement(EVENTS_AFTER)) {
      select.setString(1, auctionId);
      select.setLong(2, after);
      List<AuctionEvent> events = new ArrayList<>();
      try (ResultSet rows = select.executeQuery()) {
        while (rows.next()) {
          events.add(EventJson.decode(new JsonObject(rows.getString(1))));
        }
      }
      return events;
    } catch (SQLException e) {
      throw unavailable("read", e);
    }
  }

  private void refuseWhileDown() {
    if (System.nanoTime() - refuseUntilNanos < 0) {
      throw new StoreUnavailableException("the event store " + url + " is unreachable", null);
    }
  }

  private StoreUnavailableException unavailable(String what, SQLException e) {
    if (isConnectionFailure(e)) {
      refuseUntilNanos = System.nanoTime() + FAST_FAIL_MILLIS * 1_000_000;
      LOG.warn("cannot {} the event store {}: {}", what, url, e.getMessage());
    } else {
      LOG.error("cannot {} the event store {}", what, url, e);
    }
    GavelMetrics m = metrics;
    if (m != null) {
      m.storeUnavailable();
    }
    return new StoreUnavailableException("the event store " + url + " did not answer", e);
  }

  private static boolean isUniqueViolation(SQLException e) {
    for (SQLException next = e; next != null; next = next.getNextException()) {
      if (UNIQUE_VIOLATION.equals(next.getSQLState())) {
        return true;
      }
    }
    return false;
  }

  /**
   * SQLSTATE class 08 (connection exception) or 57P (the server is shutting down or restarting). HikariCP's "no
   * connection available" carries the state of the connection failure behind it, and none when the pool was merely
   * busy: a busy pool is no reason to refuse everything.
   */
  private static boolean isConnectionFailure(SQLException e) {
    String state = e.getSQLState();
    return state != null && (state.startsWith("08") || state.startsWith("57P"));
  }

  private static void rollbackQuietly(Connection c) {
    try {
      c.rollback();
    } catch (SQLException ignored) {
      // the connection is broken; Hikari discards it
    }
  }

  @Override
  public void close() {
    pool.close();
  }
}
