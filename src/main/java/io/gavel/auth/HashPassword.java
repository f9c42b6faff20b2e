package io.gavel.auth;

import io.vertx.ext.auth.hashing.HashingStrategy;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;

/** Prints a password hash for {@code users.json}: {@code java -cp target/gavel.jar io.gavel.auth.HashPassword PASSWORD}. */
public final class HashPassword {
  /** OWASP's 2023 figure for PBKDF2-HMAC-SHA512. */
  static final int ITERATIONS = 210_000;

  private HashPassword() {
  }

  public static String hash(String password) {
    byte[] salt = new byte[16];
    new SecureRandom().nextBytes(salt);
    return HashingStrategy.load().hash("pbkdf2", Map.of("it", String.valueOf(ITERATIONS)),
        Base64.getEncoder().withoutPadding().encodeToString(salt), password);
  }

  public static void main(String[] args) {
    if (args.length != 1) {
      System.err.println("usage: java -cp target/gavel.jar io.gavel.auth.HashPassword PASSWORD");
      System.exit(2);
    }
    System.out.println(hash(args[0]));
  }
}
