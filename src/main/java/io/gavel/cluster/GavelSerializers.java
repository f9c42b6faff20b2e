package io.gavel.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.nio.serialization.FieldKind;
import com.hazelcast.nio.serialization.compact.CompactReader;
import com.hazelcast.nio.serialization.compact.CompactSerializer;
import com.hazelcast.nio.serialization.compact.CompactWriter;
import io.gavel.domain.Auction;
import io.gavel.domain.AuctionEvent;
import io.gavel.domain.AuctionStatus;
import io.gavel.domain.AuctionView;
import io.gavel.domain.ErrorCode;
import io.gavel.store.EventJson;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * How everything Gavel keeps in Hazelcast or sends between members is written: Compact serialization with explicit
 * schemas, so members of two versions can share a cluster during a rolling upgrade. Events and terms travel in their
 * stored JSON form ({@link EventJson}), the same as in PostgreSQL: one schema to evolve, whose later fields are
 * optional on decode; an auction is kept as its event log and rebuilt by replaying it.
 *
 * <p>Evolving: add fields, never change a field's kind; read a field a previous version may lack only after
 * {@link CompactReader#getFieldKind} says it is there (see {@code PlaceBid}'s {@code maxAmount}).
 */
public final class GavelSerializers {
  private GavelSerializers() {
  }

  public static void register(Config config, List<CompactSerializer<?>> serializers) {
    serializers.forEach(config.getSerializationConfig().getCompactSerializationConfig()::addSerializer);
  }

  public static List<CompactSerializer<?>> all() {
    return List.of(
        of("gavel.Auction", Auction.class,
            (w, a) -> w.writeArrayOfString("events", encode(a.history())),
            r -> Auction.replay(decode(r.readArrayOfString("events")))),
        of("gavel.AuctionView", AuctionView.class, GavelSerializers::writeView, GavelSerializers::readView),
        of("gavel.CommandResult", CommandResult.class, (w, c) -> {
          w.writeArrayOfString("events", encode(c.events()));
          w.writeCompact("view", c.view());
          w.writeString("error", c.error() == null ? null : c.error().name());
          w.writeString("message", c.message());
        }, r -> new CommandResult(decode(r.readArrayOfString("events")), r.readCompact("view"),
            r.readString("error") == null ? null : ErrorCode.valueOf(r.readString("error")), r.readString("message"))),
        of("gavel.Events", Reads.Events.class, (w, e) -> w.writeArrayOfString("events", encode(e.list())),
            r -> new Reads.Events(decode(r.readArrayOfString("events")))),
        of("gavel.cmd.Create", Commands.Create.class, (w, c) -> {
          w.writeString("id", c.id);
          w.writeString("terms", EventJson.encodeTerms(c.terms).encode());
          w.writeString("seller", c.seller);
        }, r -> new Commands.Create(r.readString("id"), EventJson.decodeTerms(new JsonObject(r.readString("terms"))),
            r.readString("seller"))),
        of("gavel.cmd.PlaceBid", Commands.PlaceBid.class, (w, c) -> {
          w.writeString("bidder", c.bidder);
          w.writeNullableInt64("amount", c.amount);
          w.writeNullableInt64("maxAmount", c.maxAmount);
          w.writeString("requestId", c.requestId);
        }, r -> new Commands.PlaceBid(r.readString("bidder"), r.readNullableInt64("amount"),
            // Members from before proxy bidding send no maximum.
            r.getFieldKind("maxAmount") == FieldKind.NOT_AVAILABLE ? null : r.readNullableInt64("maxAmount"),
            r.readString("requestId"))),
        of("gavel.cmd.BuyNow", Commands.BuyNow.class, (w, c) -> w.writeString("buyer", c.buyer),
            r -> new Commands.BuyNow(r.readString("buyer"))),
        of("gavel.cmd.Cancel", Commands.Cancel.class, (w, c) -> w.writeString("user", c.user),
            r -> new Commands.Cancel(r.readString("user"))),
        of("gavel.cmd.CloseIfDue", Commands.CloseIfDue.class, (w, c) -> { }, r -> new Commands.CloseIfDue()),
        of("gavel.cmd.ApplyEvents", AuctionCommand.ApplyEvents.class,
            (w, c) -> w.writeArrayOfString("events", encode(c.events)),
            r -> new AuctionCommand.ApplyEvents(decode(r.readArrayOfString("events")))),
        of("gavel.read.View", Reads.View.class, (w, c) -> { }, r -> new Reads.View()),
        of("gavel.read.Present", Reads.Present.class, (w, c) -> { }, r -> new Reads.Present()),
        of("gavel.read.EventsAfter", Reads.EventsAfter.class, (w, c) -> {
          w.writeInt64("after", c.after);
          w.writeInt32("limit", c.limit);
        }, r -> new Reads.EventsAfter(r.readInt64("after"), r.readInt32("limit"))),
        of("gavel.read.Listed", Reads.Listed.class, (w, c) -> {
          w.writeString("status", c.status == null ? null : c.status.name());
          w.writeString("after", c.after);
        }, r -> new Reads.Listed(r.readString("status") == null ? null : AuctionStatus.valueOf(r.readString("status")),
            r.readString("after"))),
        of("gavel.read.Due", Reads.Due.class, (w, c) -> w.writeInt64("now", c.now), r -> new Reads.Due(r.readInt64("now"))),
        of("gavel.limit.Bucket", ClusterBuckets.Bucket.class, (w, b) -> {
          w.writeFloat64("tokens", b.tokens());
          w.writeInt64("at", b.at());
        }, r -> new ClusterBuckets.Bucket(r.readFloat64("tokens"), r.readInt64("at"))),
        of("gavel.limit.Take", ClusterBuckets.Take.class, (w, t) -> {
          w.writeFloat64("perSecond", t.perSecond);
          w.writeInt32("burst", t.burst);
        }, r -> new ClusterBuckets.Take(r.readFloat64("perSecond"), r.readInt32("burst"))));
  }

  private static void writeView(CompactWriter w, AuctionView v) {
    w.writeString("id", v.id());
    w.writeString("terms", EventJson.encodeTerms(v.terms()).encode());
    w.writeString("seller", v.seller());
    w.writeInt64("currentPrice", v.currentPrice());
    w.writeString("leader", v.leader());
    w.writeInt32("bidCount", v.bidCount());
    w.writeInt64("endsAt", v.endsAt());
    w.writeString("status", v.status().name());
    w.writeString("winner", v.winner());
    w.writeInt64("seq", v.seq());
    w.writeInt64("minimumNextBid", v.minimumNextBid());
    w.writeNullableBoolean("reserveMet", v.reserveMet());
    w.writeBoolean("buyNowAvailable", v.buyNowAvailable());
  }

  private static AuctionView readView(CompactReader r) {
    return new AuctionView(r.readString("id"), EventJson.decodeTerms(new JsonObject(r.readString("terms"))),
        r.readString("seller"), r.readInt64("currentPrice"), r.readString("leader"), r.readInt32("bidCount"),
        r.readInt64("endsAt"), AuctionStatus.valueOf(r.readString("status")), r.readString("winner"),
        r.readInt64("seq"), r.readInt64("minimumNextBid"), r.readNullableBoolean("reserveMet"),
        r.readBoolean("buyNowAvailable"));
  }

  static String[] encode(List<AuctionEvent> events) {
    String[] json = new String[events.size()];
    for (int i = 0; i < json.length; i++) {
      json[i] = EventJson.encode(events.get(i)).encode();
    }
    return json;
  }

  static List<AuctionEvent> decode(String[] json) {
    List<AuctionEvent> events = new ArrayList<>(json.length);
    for (String event : json) {
      events.add(EventJson.decode(new JsonObject(event)));
    }
    return events;
  }

  static <T> CompactSerializer<T> of(String typeName, Class<T> type, BiConsumer<CompactWriter, T> write,
                                     Function<CompactReader, T> read) {
    return new CompactSerializer<>() {
      @Override
      public T read(CompactReader reader) {
        return read.apply(reader);
      }

      @Override
      public void write(CompactWriter writer, T object) {
        write.accept(writer, object);
      }

      @Override
      public String getTypeName() {
        return typeName;
      }

      @Override
      public Class<T> getCompactClass() {
        return type;
      }
    };
  }
}
