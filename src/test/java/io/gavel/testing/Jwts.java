package io.gavel.testing;

import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** Hand-made JWTs for attacks: expired, signed with another key, or unsigned ({@code alg: none}). */
public final class Jwts {
  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

  private Jwts() {
  }

  public static String hs256(String secret, String subject, long expiresAtSeconds) {
    String unsigned = part(new JsonObject().put("alg", "HS256").put("typ", "JWT"))
        + "." + part(claims(subject, expiresAtSeconds));
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      return unsigned + "." + B64.encodeToString(mac.doFinal(unsigned.getBytes(StandardCharsets.US_ASCII)));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  public static String unsigned(String subject, long expiresAtSeconds) {
    return part(new JsonObject().put("alg", "none").put("typ", "JWT")) + "." + part(claims(subject, expiresAtSeconds))
        + ".";
  }

  public static long nowSeconds() {
    return System.currentTimeMillis() / 1000;
  }

  private static JsonObject claims(String subject, long expiresAtSeconds) {
    return new JsonObject().put("sub", subject).put("iss", "gavel").put("iat", nowSeconds() - 120)
        .put("exp", expiresAtSeconds);
  }

  private static String part(JsonObject json) {
    return B64.encodeToString(json.encode().getBytes(StandardCharsets.UTF_8));
  }
}
