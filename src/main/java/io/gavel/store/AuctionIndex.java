package io.gavel.store;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The auctions table read from event loops (vertx-pg-client): the list, its pages, and which open auctions are due. It covers
 * every auction, including those the cluster's memory lost or has not loaded yet. Its pool closes with Vert.x.
 */
public final class AuctionIndex {
  /** A sweep closes at most this many auctions; the next sweep takes the rest. */
  private static final int DUE_BATCH = 1000;

  private final Pool pool;

  private AuctionIndex(Pool pool) {
    this.pool = pool;
  }

  public static AuctionIndex create(Vertx vertx, StoreUrl url) {
    // From the parsed parts, not the URL again: one parser decides what the password is.
    PgConnectOptions connect = new PgConnectOptions().setHost(url.host()).setPort(url.port())
        .setDatabase(url.database()).setUser(url.user()).setPassword(url.password());
    PoolOptions options = new PoolOptions().setMaxSize(4).setConnectionTimeout(2)
        .setConnectionTimeoutUnit(TimeUnit.SECONDS).setName("gavel-index");
    return new AuctionIndex(PgBuilder.pool().with(options).connectingTo(connect).using(vertx).build());
  }

  /** Every auction as GET /api/auctions shows it, by end time. */
  public Future<List<JsonObject>> list() {
    return pool.query("SELECT summary FROM auctions ORDER BY ends_at, id").execute().map(rows -> {
      List<JsonObject> auctions = new ArrayList<>(rows.size());
      for (Row row : rows) {
        auctions.add(row.getJsonObject(0));
      }
      return auctions;
    });
  }

  /**
   * At most {@code limit} auctions by id (byte order), of {@code status} if not null, with ids after {@code after}
   * if not null; one more row is read to tell whether there is a next page.
   */
  public Future<AuctionPage> page(String status, String after, int limit) {
    List<String> conditions = new ArrayList<>();
    List<Object> values = new ArrayList<>();
    if (status != null) {
      values.add(status);
      conditions.add("status = $" + values.size());
    }
    if (after != null) {
      values.add(after);
      conditions.add("id COLLATE \"C\" > $" + values.size());
    }
    values.add(limit + 1);
    String sql = "SELECT summary FROM auctions"
        + (conditions.isEmpty() ? "" : " WHERE " + String.join(" AND ", conditions))
        + " ORDER BY id COLLATE \"C\" LIMIT $" + values.size();
    return pool.preparedQuery(sql).execute(Tuple.wrap(values)).map(rows -> {
      List<JsonObject> auctions = new ArrayList<>(limit);
      String next = null;
      for (Row row : rows) {
        if (auctions.size() == limit) {
          next = auctions.get(limit - 1).getString("id");
          break;
        }
        auctions.add(row.getJsonObject(0));
      }
      return new AuctionPage(auctions, next);
    });
  }

  /** Ids of open auctions whose end is at or before {@code now}, earliest first. */
  public Future<List<String>> dueIds(long now) {
    return pool.preparedQuery("SELECT id FROM auctions WHERE status = 'OPEN' AND ends_at <= $1 ORDER BY ends_at "
            + "LIMIT " + DUE_BATCH)
        .execute(Tuple.of(now)).map(rows -> {
          List<String> ids = new ArrayList<>(rows.size());
          for (Row row : rows) {
            ids.add(row.getString(0));
          }
          return ids;
        });
  }

  /** Succeeds when the database answers. */
  public Future<Void> ping() {
    return pool.query("SELECT 1").execute().mapEmpty();
  }
}
