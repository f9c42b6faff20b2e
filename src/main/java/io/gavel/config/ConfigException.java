package io.gavel.config;

/** A setting is missing or wrong; the message names the key so the operator can fix it. */
public final class ConfigException extends RuntimeException {
  public ConfigException(String message) {
    super(message);
  }
}
