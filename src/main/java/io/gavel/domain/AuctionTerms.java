package io.gavel.domain;

import java.io.Serializable;
import java.util.regex.Pattern;

/** What a seller fixes when an auction is created; never changes afterwards. */
public record AuctionTerms(String title, String currency, long startingPrice, long minIncrement,
                           long durationSeconds, long antiSnipingSeconds) implements Serializable {

  public static final int MAX_TITLE_LENGTH = 200;
  public static final long MAX_DURATION_SECONDS = 90L * 24 * 3600;
  public static final long MAX_ANTI_SNIPING_SECONDS = 3600;
  private static final Pattern CURRENCY = Pattern.compile("[A-Z]{3}");

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
    if (!Money.isValidAmount(minIncrement)) {
      throw invalid("minIncrement must be an integer from 1 to " + Money.MAX_AMOUNT + " (minor units)");
    }
    if (durationSeconds < 1 || durationSeconds > MAX_DURATION_SECONDS) {
      throw invalid("durationSeconds must be from 1 to " + MAX_DURATION_SECONDS);
    }
    if (antiSnipingSeconds < 0 || antiSnipingSeconds > MAX_ANTI_SNIPING_SECONDS) {
      throw invalid("antiSnipingSeconds must be from 0 to " + MAX_ANTI_SNIPING_SECONDS);
    }
  }

  private static AuctionException invalid(String message) {
    return new AuctionException(ErrorCode.INVALID_AUCTION, message);
  }
}
