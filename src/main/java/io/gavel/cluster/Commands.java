package io.gavel.cluster;

import io.gavel.domain.Auction;
import io.gavel.domain.AuctionEvent;
import io.gavel.domain.AuctionException;
import io.gavel.domain.AuctionTerms;
import io.gavel.domain.ErrorCode;
import java.util.List;

/** The commands that change auctions. */
final class Commands {
  private Commands() {
  }

  static final class Create extends AuctionCommand {
    final String id;
    final AuctionTerms terms;
    final String seller;

    Create(String id, AuctionTerms terms, String seller) {
      this.id = id;
      this.terms = terms;
      this.seller = seller;
    }

    @Override
    protected List<AuctionEvent> decide(Auction current, long now) {
      if (current != null) {
        throw new AuctionException(ErrorCode.AUCTION_EXISTS, "auction " + id + " exists already");
      }
      return List.of(Auction.decideCreate(id, terms, seller, now));
    }

    /**
     * Hazelcast retries a create whose owner died after committing it: the same seller with the same terms is that
     * create, answered as done (a new auction always gets a new id, so nobody else creates this one by chance).
     */
    @Override
    protected List<AuctionEvent> earlierRun(Auction current) {
      AuctionEvent first = current.history().get(0);
      return first instanceof AuctionEvent.Created created && created.seller().equals(seller)
          && created.terms().equals(terms) ? List.of(created) : List.of();
    }
  }

  static final class PlaceBid extends AuctionCommand {
    final String bidder;
    final Long amount;
    final Long maxAmount;
    final String requestId;

    PlaceBid(String bidder, Long amount, Long maxAmount, String requestId) {
      this.bidder = bidder;
      this.amount = amount;
      this.maxAmount = maxAmount;
      this.requestId = requestId;
    }

    @Override
    protected List<AuctionEvent> decide(Auction current, long now) {
      return existing(current).decideBid(bidder, amount, maxAmount, now, requestId);
    }

    @Override
    protected List<AuctionEvent> earlierRun(Auction current) {
      return current.earlierBid(requestId, amount, maxAmount);
    }
  }

  /** Buy it now. Hazelcast's retry after an owner crash finds the auction closed for this buyer: that answer. */
  static final class BuyNow extends AuctionCommand {
    final String buyer;

    BuyNow(String buyer) {
      this.buyer = buyer;
    }

    @Override
    protected List<AuctionEvent> decide(Auction current, long now) {
      return existing(current).decideBuyNow(buyer, now);
    }

    @Override
    protected List<AuctionEvent> earlierRun(Auction current) {
      AuctionEvent last = current.history().get(current.history().size() - 1);
      return last instanceof AuctionEvent.Closed closed && closed.buyNow() && buyer.equals(closed.winner())
          ? List.of(closed) : List.of();
    }
  }

  static final class Cancel extends AuctionCommand {
    final String user;

    Cancel(String user) {
      this.user = user;
    }

    @Override
    protected List<AuctionEvent> decide(Auction current, long now) {
      return existing(current).decideCancel(user, now);
    }

    @Override
    protected List<AuctionEvent> earlierRun(Auction current) {
      AuctionEvent last = current.history().get(current.history().size() - 1);
      return last instanceof AuctionEvent.Cancelled && user.equals(current.seller()) ? List.of(last) : List.of();
    }
  }

  static final class CloseIfDue extends AuctionCommand {

    @Override
    protected List<AuctionEvent> decide(Auction current, long now) {
      return current == null ? List.of() : current.decideClose(now);
    }
  }

  private static Auction existing(Auction auction) {
    if (auction == null) {
      throw new AuctionException(ErrorCode.AUCTION_NOT_FOUND, "no such auction");
    }
    return auction;
  }
}
