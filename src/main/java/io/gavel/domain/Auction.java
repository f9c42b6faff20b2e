package io.gavel.domain;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One auction, event-sourced: {@code decide...} methods check the rules against the current state and return the
 * events a command produces without changing anything; {@link #apply} is the only way state changes. That split lets
 * a cluster replica replay the same decision deterministically, and keeps every change in the event log.
 *
 * <p>Not thread-safe: the cluster runs every command for one auction on one partition thread.
 */
public final class Auction {
  private static final Pattern ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");

  private final String id;
  private final AuctionTerms terms;
  private final String seller;
  private final Figures figures = new Figures();
  private final List<AuctionEvent> history = new ArrayList<>();
  /**
   * Request id → seq of the bid it placed, for every bid: a retried request, or a client's idempotency key, gets
   * the first answer at any later time. One entry per accepted bid, like the history itself.
   */
  private final Map<String, Long> requests = new HashMap<>();

  private Auction(AuctionEvent.Created created) {
    this.id = created.auctionId();
    this.terms = created.terms();
    this.seller = created.seller();
    figures.fold(created);
    history.add(created);
  }

  public static boolean isValidId(String id) {
    return id != null && ID.matcher(id).matches();
  }

  /** The event that opens a new auction; {@link #from} turns it into state. */
  public static AuctionEvent.Created decideCreate(String id, AuctionTerms terms, String seller, long now) {
    if (!isValidId(id)) {
      throw new AuctionException(ErrorCode.INVALID_AUCTION, "auction id must match [A-Za-z0-9_-]{1,64}");
    }
    Objects.requireNonNull(terms, "terms");
    requireUser(seller, ErrorCode.INVALID_AUCTION);
    return new AuctionEvent.Created(id, 1, now, terms, seller, now + terms.durationSeconds() * 1000);
  }

  public static Auction from(AuctionEvent.Created created) {
    return new Auction(created);
  }

  /** Rebuilds an auction from its whole log (oldest first); null for an empty log. */
  public static Auction replay(List<AuctionEvent> log) {
    if (log.isEmpty()) {
      return null;
    }
    Auction auction = from((AuctionEvent.Created) log.get(0));
    log.subList(1, log.size()).forEach(auction::apply);
    return auction;
  }

  /** A plain bid of {@code amount}: see {@link #decideBid(String, Long, Long, long, String)}. */
  public List<AuctionEvent> decideBid(String bidder, long amount, long now, String requestId) {
    return decideBid(bidder, amount, null, now, requestId);
  }

  /**
   * Rules for a bid: the auction is open and {@code now} is before {@code endsAt}; the first bid is at least the
   * starting price, every later one at least the current price plus the step at that price; proxy bidding as in
   * {@link BidRules}. A bid inside the anti-sniping window moves {@code endsAt} to {@code now + window} and adds an
   * {@code auction.extended} event; reaching the reserve adds {@code auction.reserve-met}.
   */
  public List<AuctionEvent> decideBid(String bidder, Long amount, Long maxAmount, long now, String requestId) {
    requireUser(bidder, ErrorCode.UNAUTHORIZED);
    long at = clock(now);
    requireOpen(at);
    return BidRules.decide(id, terms, figures, bidder, amount, maxAmount, at, requestId);
  }

  /**
   * Buy it now: closes the auction at {@code buyNowPrice} for {@code buyer} while no bid has reached the reserve
   * (without a reserve: while there is no bid).
   */
  public List<AuctionEvent> decideBuyNow(String buyer, long now) {
    requireUser(buyer, ErrorCode.UNAUTHORIZED);
    long at = clock(now);
    requireOpen(at);
    if (terms.buyNowPrice() == null) {
      throw new AuctionException(ErrorCode.BUY_NOW_UNAVAILABLE, "this auction has no buy-it-now price");
    }
    if (buyer.equals(seller)) {
      throw new AuctionException(ErrorCode.FORBIDDEN, "a seller cannot buy their own auction");
    }
    if (!buyNowAvailable(figures)) {
      throw new AuctionException(ErrorCode.BUY_NOW_UNAVAILABLE, terms.reservePrice() == null
          ? "buy it now ends with the first bid" : "buy it now ends once bidding reaches the reserve");
    }
    return List.of(new AuctionEvent.Closed(id, seq() + 1, at, buyer, terms.buyNowPrice(),
        terms.reservePrice() == null ? null : true, true));
  }

  /** The seller withdraws an auction nobody has bid on. */
  public List<AuctionEvent> decideCancel(String user, long now) {
    requireUser(user, ErrorCode.UNAUTHORIZED);
    long at = clock(now);
    if (figures.status != AuctionStatus.OPEN) {
      throw new AuctionException(ErrorCode.AUCTION_CLOSED, "auction " + id + " has ended");
    }
    if (!user.equals(seller)) {
      throw new AuctionException(ErrorCode.FORBIDDEN, "only the seller may cancel an auction");
    }
    if (figures.bidCount > 0) {
      throw new AuctionException(ErrorCode.HAS_BIDS, "an auction with bids cannot be cancelled");
    }
    return List.of(new AuctionEvent.Cancelled(id, seq() + 1, at));
  }

  /**
   * The events an earlier request with this id produced, or empty. A request can run twice when the member that
   * ran it dies before answering and the cluster retries it on the backup, which already holds the result.
   */
  public List<AuctionEvent> eventsOfRequest(String requestId) {
    Long seq = requestId == null ? null : requests.get(requestId);
    if (seq == null) {
      return List.of();
    }
    int from = (int) (seq - 1);
    int to = from + 1;
    // The rest of the same decision: the proxy's answer (it carries the request id), an extension, the reserve.
    while (to < history.size() && (history.get(to) instanceof AuctionEvent.Extended
        || history.get(to) instanceof AuctionEvent.ReserveMet
        || history.get(to) instanceof AuctionEvent.BidAccepted bid && requestId.equals(bid.requestId()))) {
      to++;
    }
    return List.copyOf(history.subList(from, to));
  }

  /**
   * The answer a client's retry of a bid gets: the events its first try produced, or empty when there was none.
   * A key reused for another amount is refused: it names a different bid.
   */
  public List<AuctionEvent> earlierBid(String requestId, Long amount, Long maxAmount) {
    List<AuctionEvent> earlier = eventsOfRequest(requestId);
    if (earlier.isEmpty()) {
      return earlier;
    }
    boolean same = earlier.get(0) instanceof AuctionEvent.BidAccepted bid
        ? Objects.equals(bid.maxAmount(), maxAmount) && (amount == null || bid.proxy() || bid.amount() == amount)
        : amount == null && Objects.equals(((AuctionEvent.MaxRaised) earlier.get(0)).maxAmount(), maxAmount);
    if (!same) {
      throw new AuctionException(ErrorCode.IDEMPOTENCY_KEY_REUSED,
          "this idempotency key was used for a bid of another amount");
    }
    return earlier;
  }

  /** Closes the auction once {@code now} reaches {@code endsAt}; an empty list when it is not due or closed already. */
  public List<AuctionEvent> decideClose(long now) {
    long at = clock(now);
    if (figures.status != AuctionStatus.OPEN || at < figures.endsAt) {
      return List.of();
    }
    Boolean reserveMet = terms.reservePrice() == null ? null : figures.reserveMet;
    String winner = Boolean.FALSE.equals(reserveMet) ? null : figures.leader;
    Long amount = winner == null ? null : figures.currentPrice;
    return List.of(new AuctionEvent.Closed(id, seq() + 1, at, winner, amount, reserveMet, false));
  }

  public void apply(AuctionEvent event) {
    if (!event.auctionId().equals(id) || event.seq() != seq() + 1) {
      throw new IllegalStateException("event " + event.seq() + " of " + event.auctionId()
          + " does not follow " + seq() + " of " + id);
    }
    if (event instanceof AuctionEvent.Created) {
      throw new IllegalStateException("an auction is created only once");
    }
    figures.fold(event);
    history.add(event);
    String requestId = event instanceof AuctionEvent.BidAccepted bid ? bid.requestId()
        : event instanceof AuctionEvent.MaxRaised raised ? raised.requestId() : null;
    if (requestId != null) {
      requests.putIfAbsent(requestId, event.seq());
    }
  }

  /**
   * The auction's summary as it will be once {@code pending} (decided, not yet applied) are applied: a durable store
   * commits it together with the events, before the auction itself changes.
   */
  public AuctionView viewAfter(List<AuctionEvent> pending) {
    Figures after = figures.copy();
    pending.forEach(after::fold);
    return view(after);
  }

  public AuctionView view() {
    return view(figures);
  }

  private AuctionView view(Figures f) {
    return new AuctionView(id, terms, seller, f.currentPrice, f.leader, f.bidCount, f.endsAt, f.status, f.winner,
        f.seq, BidRules.minimumNextBid(terms, f), terms.reservePrice() == null ? null : f.reserveMet,
        buyNowAvailable(f));
  }

  /** Events with {@code seq > after}, oldest first, at most {@code limit}. */
  public List<AuctionEvent> eventsAfter(long after, int limit) {
    int from = (int) Math.max(0, Math.min(after, history.size()));
    int to = (int) Math.min(history.size(), (long) from + Math.max(0, limit));
    return List.copyOf(history.subList(from, to));
  }

  public List<AuctionEvent> history() {
    return Collections.unmodifiableList(history);
  }

  /** The lowest amount the next bid may have. */
  public long minimumNextBid() {
    return BidRules.minimumNextBid(terms, figures);
  }

  private boolean buyNowAvailable(Figures f) {
    return terms.buyNowPrice() != null && f.status == AuctionStatus.OPEN
        && (terms.reservePrice() == null ? f.bidCount == 0 : !f.reserveMet);
  }

  public String id() {
    return id;
  }

  public AuctionTerms terms() {
    return terms;
  }

  public String seller() {
    return seller;
  }

  public long endsAt() {
    return figures.endsAt;
  }

  public long currentPrice() {
    return figures.currentPrice;
  }

  public String leader() {
    return figures.leader;
  }

  public int bidCount() {
    return figures.bidCount;
  }

  public AuctionStatus status() {
    return figures.status;
  }

  public String winner() {
    return figures.winner;
  }

  /** The number of the last event. */
  public long seq() {
    return figures.seq;
  }

  public boolean isDue(long now) {
    return figures.status == AuctionStatus.OPEN && clock(now) >= figures.endsAt;
  }

  /** Commands can reach an auction from nodes whose clocks differ slightly; event times never go backwards. */
  private long clock(long now) {
    return Math.max(now, figures.lastEventAt);
  }

  private void requireOpen(long at) {
    if (figures.status != AuctionStatus.OPEN || at >= figures.endsAt) {
      throw new AuctionException(ErrorCode.AUCTION_CLOSED, "auction " + id + " has ended");
    }
  }

  private static void requireUser(String user, ErrorCode code) {
    if (user == null || user.isBlank()) {
      throw new AuctionException(code, "a user is required");
    }
  }
}
