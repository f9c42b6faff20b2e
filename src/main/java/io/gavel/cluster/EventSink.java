package io.gavel.cluster;

import com.hazelcast.core.HazelcastInstance;
import io.gavel.domain.AuctionEvent;
import java.util.List;

/**
 * Where the member that owns an auction hands over the events a command produced. Events of one auction are
 * decided on one partition thread, so handing them to one ordered publisher keeps {@code seq} order on the bus.
 */
public interface EventSink {
  String USER_CONTEXT_KEY = "gavel.eventSink";

  void publish(List<AuctionEvent> events);

  static EventSink of(HazelcastInstance hazelcast) {
    Object sink = hazelcast.getUserContext().get(USER_CONTEXT_KEY);
    if (sink == null) {
      throw new IllegalStateException("no EventSink in the Hazelcast user context");
    }
    return (EventSink) sink;
  }
}
