package io.gavel.domain;

import java.util.List;
import java.util.regex.Pattern;

/**
 * What a seller fixes when an auction is created; never changes afterwards.
 *
 * <p>{@code increments} is the step table (ascending {@code from}, the first at 0); without one the step is
 * {@code minIncrement} at every price. {@code reservePrice} is hidden from everyone but the seller's terms:
 * below it the auction closes without a winner. {@code buyNowPrice} (optional) closes the auction at once for
 * whoever takes it before bidding reaches the reserve (or before the first bid, without a reserve).
 */
public record AuctionTerms(String title, String currency, long startingPrice, long minIncrement,
                           long durationSeconds, long antiSnipingSeconds, List<Increment> increments,
                           Long reservePrice, Long buyNowPrice) {

  public static final int MAX_TITLE_LENGTH = 200;
  public static final long MAX_DURATION_SECONDS = 90L * 24 * 3600;
  public static final long MAX_ANTI_SNIPING_SECONDS = 3600;
  public static final int MAX_INCREMENTS = 50;
  private static final Pattern CURRENCY = Pattern.compile("[A-Z]{3}");

  /** From {@code from} (inclusive, minor units) upwards, bids rise by at least {@code step}. */
  public record Increment(long from, long step) {
  }

  public AuctionTerms(String title, String currency, long startingPrice, long minIncrement, long durationSeconds,
                      long antiSnipingSeconds) {
    this(title, currency, startingPrice, minIncrement, durationSeconds, antiSnipingSeconds, null, null, null);
  }

  public AuctionTerms {
    if (title == null || title.isBlank() || title.length() > MAX_TITLE_LENGTH) {
      throw invalid("title must be 1 to " + MAX_TITLE_LENGTH + " characters");
    }
    if (title.chars().anyMatch(Character::isISOControl)) {
      throw invalid("title must not contain control characters");
    }
    if (currency == null || !CURRENCY.matcher(currency).matches()) {
      throw invalid("currency must be an ISO 4217 code such as EUR");
    }
    if (!Money.isValidAmount(startingPrice)) {
      throw invalid("startingPrice must be an integer from 1 to " + Money.MAX_AMOUNT + " (minor units)");
    }
    if (increments == null || increments.isEmpty()) {
      if (!Money.isValidAmount(minIncrement)) {
        throw invalid("minIncrement must be an integer from 1 to " + Money.MAX_AMOUNT + " (minor units)");
      }
      increments = List.of(new Increment(0, minIncrement));
    } else {
      increments = List.copyOf(increments);
      checkIncrements(increments);
      minIncrement = increments.get(0).step();
    }
    if (durationSeconds < 1 || durationSeconds > MAX_DURATION_SECONDS) {
      throw invalid("durationSeconds must be from 1 to " + MAX_DURATION_SECONDS);
    }
    if (antiSnipingSeconds < 0 || antiSnipingSeconds > MAX_ANTI_SNIPING_SECONDS) {
      throw invalid("antiSnipingSeconds must be from 0 to " + MAX_ANTI_SNIPING_SECONDS);
    }
    if (reservePrice != null && (!Money.isValidAmount(reservePrice) || reservePrice < startingPrice)) {
      throw invalid("reservePrice must be an integer from startingPrice to " + Money.MAX_AMOUNT);
    }
    long buyNowFloor = reservePrice == null ? startingPrice : reservePrice;
    if (buyNowPrice != null && (!Money.isValidAmount(buyNowPrice) || buyNowPrice < buyNowFloor)) {
      throw invalid("buyNowPrice must be an integer from " + (reservePrice == null ? "startingPrice" : "reservePrice")
          + " to " + Money.MAX_AMOUNT);
    }
  }

  /** The least a bid must rise over {@code price}. */
  public long stepAt(long price) {
    long step = increments.get(0).step();
    for (Increment band : increments) {
      if (band.from() > price) {
        break;
      }
      step = band.step();
    }
    return step;
  }

  /** {@code price} plus its step (amounts are at most 2^53, so this never overflows). */
  public long above(long price) {
    return price + stepAt(price);
  }

  private static void checkIncrements(List<Increment> increments) {
    if (increments.size() > MAX_INCREMENTS) {
      throw invalid("increments may have at most " + MAX_INCREMENTS + " rows");
    }
    long previous = -1;
    for (Increment band : increments) {
      if (band == null) {
        throw invalid("increments must not contain null rows");
      }
      if (previous < 0 ? band.from() != 0 : band.from() <= previous) {
        throw invalid("increments must start at from=0 and rise strictly");
      }
      if (band.from() > Money.MAX_AMOUNT || !Money.isValidAmount(band.step())) {
        throw invalid("every increment needs from up to " + Money.MAX_AMOUNT + " and a step from 1 to "
            + Money.MAX_AMOUNT);
      }
      previous = band.from();
    }
  }

  private static AuctionException invalid(String message) {
    return new AuctionException(ErrorCode.INVALID_AUCTION, message);
  }
}
