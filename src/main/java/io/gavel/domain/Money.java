package io.gavel.domain;

/** Amounts are integers in minor units; the upper bound keeps every amount exact in a JavaScript number. */
public final class Money {
  public static final long MAX_AMOUNT = 9_007_199_254_740_991L; // 2^53 - 1

  private Money() {
  }

  public static boolean isValidAmount(long amount) {
    return amount >= 1 && amount <= MAX_AMOUNT;
  }
}
