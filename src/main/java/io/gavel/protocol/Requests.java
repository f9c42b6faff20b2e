package io.gavel.protocol;

import io.gavel.domain.Auction;
import io.gavel.domain.AuctionException;
import io.gavel.domain.AuctionTerms;
import io.gavel.domain.ErrorCode;
import io.gavel.domain.Money;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * Strict parsing of request bodies, shared by REST and the event bus. Checks the JSON types before any auction
 * rule: a number must be a JSON integer (no strings, fractions or exponents). Unknown fields are ignored, so
 * a body can never smuggle in an identity: the bidder always comes from the verified token.
 */
public final class Requests {
  private Requests() {
  }

  private static final java.util.regex.Pattern IDEMPOTENCY_KEY = java.util.regex.Pattern.compile("[A-Za-z0-9_-]{1,64}");

  /** {@code amount} or {@code maxAmount} is null when not given (never both); {@code idempotencyKey} likewise. */
  public record Bid(String auctionId, Long amount, Long maxAmount, String idempotencyKey) {
  }

  /**
   * A bid. REST: {@code pathAuctionId} is the id from the URL and {@code headerKey} the Idempotency-Key header.
   * Event bus: both null; the body names the auction and may carry the key as {@code requestId}.
   */
  public static Bid bid(Object body, String pathAuctionId, String headerKey) {
    if (!(body instanceof JsonObject json)) {
      throw new AuctionException(ErrorCode.INVALID_BID,
          "the body must be a JSON object {\"amount\": integer} or {\"maxAmount\": integer}");
    }
    String auctionId = pathAuctionId;
    if (auctionId == null) {
      Object id = json.getValue("auctionId");
      if (!(id instanceof String s) || !Auction.isValidId(s)) {
        throw new AuctionException(ErrorCode.INVALID_BID, "auctionId must be a string matching [A-Za-z0-9_-]{1,64}");
      }
      auctionId = s;
    } else if (json.containsKey("auctionId") && !auctionId.equals(json.getValue("auctionId"))) {
      throw new AuctionException(ErrorCode.INVALID_BID, "auctionId in the body differs from the URL");
    }
    Long amount = optionalAmount(json, "amount");
    Long maxAmount = optionalAmount(json, "maxAmount");
    if (amount == null && maxAmount == null) {
      throw new AuctionException(ErrorCode.INVALID_BID, "a bid needs an amount, a maxAmount or both");
    }
    Object key = pathAuctionId == null ? json.getValue("requestId") : headerKey;
    if (key != null && !(key instanceof String k && IDEMPOTENCY_KEY.matcher(k).matches())) {
      throw new AuctionException(ErrorCode.INVALID_REQUEST,
          (pathAuctionId == null ? "requestId" : "Idempotency-Key") + " must be 1 to 64 characters [A-Za-z0-9_-]");
    }
    return new Bid(auctionId, amount, maxAmount, (String) key);
  }

  public static AuctionTerms auctionTerms(Object body) {
    if (!(body instanceof JsonObject json)) {
      throw invalidAuction("the body must be a JSON object");
    }
    if (!(json.getValue("title") instanceof String title)) {
      throw invalidAuction("title must be a string");
    }
    if (!(json.getValue("currency") instanceof String currency)) {
      throw invalidAuction("currency must be a string such as \"EUR\"");
    }
    long startingPrice = integerField(json, "startingPrice", 1, Money.MAX_AMOUNT);
    List<AuctionTerms.Increment> increments = json.containsKey("increments") ? increments(json) : null;
    long minIncrement = increments != null && !json.containsKey("minIncrement") ? increments.get(0).step()
        : integerField(json, "minIncrement", 1, Money.MAX_AMOUNT);
    long duration = integerField(json, "durationSeconds", 1, AuctionTerms.MAX_DURATION_SECONDS);
    long antiSniping = json.containsKey("antiSnipingSeconds")
        ? integerField(json, "antiSnipingSeconds", 0, AuctionTerms.MAX_ANTI_SNIPING_SECONDS)
        : 0;
    Long reserve = json.containsKey("reservePrice") ? integerField(json, "reservePrice", 1, Money.MAX_AMOUNT) : null;
    Long buyNow = json.containsKey("buyNowPrice") ? integerField(json, "buyNowPrice", 1, Money.MAX_AMOUNT) : null;
    return new AuctionTerms(title, currency, startingPrice, minIncrement, duration, antiSniping, increments, reserve,
        buyNow);
  }

  private static List<AuctionTerms.Increment> increments(JsonObject json) {
    String shape = "increments must be a non-empty array of {\"from\": integer, \"step\": integer} (at most "
        + AuctionTerms.MAX_INCREMENTS + ")";
    if (!(json.getValue("increments") instanceof JsonArray rows) || rows.isEmpty()
        || rows.size() > AuctionTerms.MAX_INCREMENTS) {
      throw invalidAuction(shape);
    }
    List<AuctionTerms.Increment> increments = new ArrayList<>();
    for (Object row : rows) {
      if (!(row instanceof JsonObject band)) {
        throw invalidAuction(shape);
      }
      increments.add(new AuctionTerms.Increment(integerField(band, "from", 0, Money.MAX_AMOUNT),
          integerField(band, "step", 1, Money.MAX_AMOUNT)));
    }
    return increments;
  }

  private static Long optionalAmount(JsonObject json, String field) {
    Object value = json.getValue(field);
    return value == null ? null : integer(value, 1, Money.MAX_AMOUNT, ErrorCode.INVALID_BID,
        field + " must be an integer from 1 to " + Money.MAX_AMOUNT + " (minor units)");
  }

  private static long integerField(JsonObject json, String field, long min, long max) {
    return integer(json.getValue(field), min, max, ErrorCode.INVALID_AUCTION,
        field + " must be an integer from " + min + " to " + max);
  }

  /** Jackson yields Integer or Long for JSON integers, BigInteger beyond long, Double/BigDecimal for the rest. */
  private static long integer(Object value, long min, long max, ErrorCode code, String message) {
    if (value instanceof Integer || value instanceof Long) {
      long v = ((Number) value).longValue();
      if (v >= min && v <= max) {
        return v;
      }
    }
    throw new AuctionException(code, message);
  }

  private static AuctionException invalidAuction(String message) {
    return new AuctionException(ErrorCode.INVALID_AUCTION, message);
  }
}
