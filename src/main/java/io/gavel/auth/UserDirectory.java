package io.gavel.auth;

import io.gavel.config.ConfigException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.hashing.HashingStrategy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Users and their password hashes, from {@code <conf>/users.json}: {@code {"users": {"alice": "$pbkdf2$it=...$salt$hash"}}}.
 * Only hashes are stored (PBKDF2-HMAC-SHA512 via vertx-auth-common); {@link HashPassword} makes new ones.
 */
public final class UserDirectory {
  public static final Pattern USER_NAME = Pattern.compile("[A-Za-z0-9_.-]{1,64}");
  private static final HashingStrategy HASHING = HashingStrategy.load();

  private final Map<String, String> hashes;
  /** Checked for unknown users too, so a login takes as long whether or not the user exists. */
  private final String decoyHash;

  private UserDirectory(Map<String, String> hashes) {
    this.hashes = Map.copyOf(hashes);
    this.decoyHash = hashes.values().stream().findFirst().orElse(HashPassword.hash("decoy"));
  }

  public static UserDirectory load(Path file) {
    JsonObject json;
    try {
      json = new JsonObject(Files.readString(file));
    } catch (IOException e) {
      throw new ConfigException("usersFile: cannot read " + file.toAbsolutePath());
    } catch (RuntimeException e) {
      throw new ConfigException("usersFile: " + file + " is not valid JSON");
    }
    Map<String, String> hashes = new HashMap<>();
    JsonObject users = json.getJsonObject("users", new JsonObject());
    for (String name : users.fieldNames()) {
      Object hash = users.getValue(name);
      if (!USER_NAME.matcher(name).matches()) {
        throw new ConfigException("usersFile: user name '" + name + "' must match " + USER_NAME);
      }
      if (!(hash instanceof String h) || !h.startsWith("$pbkdf2$")) {
        throw new ConfigException("usersFile: users." + name + " must be a $pbkdf2$ hash (make one with "
            + "java -cp target/gavel.jar io.gavel.auth.HashPassword)");
      }
      hashes.put(name, h);
    }
    return new UserDirectory(hashes);
  }

  /** Slow on purpose (key derivation): call it off the event loop. */
  public boolean check(String user, String password) {
    String hash = user == null ? null : hashes.get(user);
    boolean matches = HASHING.verify(hash == null ? decoyHash : hash, password == null ? "" : password);
    return hash != null && matches;
  }
}
