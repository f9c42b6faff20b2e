package io.gavel.auth;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.authentication.TokenCredentials;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import java.security.SecureRandom;
import java.util.Base64;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Issues and verifies the HS256 JWTs that identify users on REST and on the bridge. */
public final class Tokens {
  private static final Logger LOG = LoggerFactory.getLogger(Tokens.class);
  private static final String ISSUER = "gavel";
  static final int LEEWAY_SECONDS = 5;

  private final JWTAuth jwt;
  private final long ttlSeconds;

  private Tokens(JWTAuth jwt, long ttlSeconds) {
    this.jwt = jwt;
    this.ttlSeconds = ttlSeconds;
  }

  /**
   * With no configured secret, the first node generates one and shares it through the cluster so that a token
   * from any node works on every node; it lasts as long as the cluster does.
   */
  public static Future<Tokens> create(Vertx vertx, String configuredSecret, long ttlSeconds) {
    Future<String> secret;
    if (configuredSecret != null) {
      secret = Future.succeededFuture(configuredSecret);
    } else {
      byte[] bytes = new byte[32];
      new SecureRandom().nextBytes(bytes);
      String fresh = Base64.getEncoder().encodeToString(bytes);
      secret = vertx.sharedData().<String, String>getClusterWideMap("gavel.secrets")
          .compose(map -> map.putIfAbsent("jwt", fresh))
          .map(existing -> {
            LOG.warn("No JWT secret configured (GAVEL_JWT_SECRET): {} a random one for this cluster's lifetime; "
                + "tokens stop working when the whole cluster restarts", existing == null ? "generated" : "using");
            return existing == null ? fresh : existing;
          });
    }
    return secret.map(key -> new Tokens(JWTAuth.create(vertx, new JWTAuthOptions()
        .addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(key))
        .setJWTOptions(new JWTOptions().setIssuer(ISSUER).setLeeway(LEEWAY_SECONDS))), ttlSeconds));
  }

  public String issue(String user) {
    return jwt.generateToken(new JsonObject(), new JWTOptions()
        .setAlgorithm("HS256")
        .setIssuer(ISSUER)
        .setSubject(user)
        .setExpiresInSeconds((int) ttlSeconds));
  }

  /** The user a token names, failing when the token is missing, forged, expired or malformed. */
  public Future<String> verify(String token) {
    if (token == null || token.isBlank()) {
      return Future.failedFuture("no token");
    }
    return jwt.authenticate(new TokenCredentials(token)).compose(user -> {
      String subject = user.principal().getString("sub");
      if (subject == null || !UserDirectory.USER_NAME.matcher(subject).matches()) {
        return Future.failedFuture("token without a valid subject");
      }
      return Future.succeededFuture(subject);
    });
  }

  /** The token of an {@code Authorization: Bearer ...} value, or null. */
  public static String bearer(String authorization) {
    if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return null;
    }
    return authorization.substring(7).trim();
  }
}
