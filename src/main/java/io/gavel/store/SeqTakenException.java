package io.gavel.store;

/** Another writer committed an event at a seq this decision wanted: the decision was made on a stale state. */
public final class SeqTakenException extends RuntimeException {
  public SeqTakenException(String auctionId, long seq) {
    super("auction " + auctionId + " already has an event at seq " + seq, null, false, false);
  }
}
