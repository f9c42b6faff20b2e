package io.gavel.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A throwaway PostgreSQL server for tests: Debian's server binaries, a fresh data directory under
 * {@code target/pg/}, a free port, a login role {@code gavel} with a random password that the server requires,
 * and a database {@code gavel} owned by it. {@link #stop()} and {@link #start()} restart it on the same port and
 * data (a database restart); {@link #close()} kills it and deletes the data. A JVM shutdown hook kills it too, so a
 * failed or interrupted test run never leaves a server behind.
 */
public final class PgServer implements AutoCloseable {

  public static final String USER = "gavel";
  public static final String DATABASE = "gavel";

  private static final Path DEBIAN_POSTGRESQL = Path.of("/usr/lib/postgresql");
  private static final String SERVICE_ACCOUNT = "postgres";
  /** The kernel limits a Unix socket's path to 107 bytes; {@code .s.PGSQL.<port>} takes up to 16 of them. */
  private static final int MAX_SOCKET_DIR_LENGTH = 90;
  private static final int STARTS_BEFORE_GIVING_UP = 5;
  private static final long COMMAND_TIMEOUT_SECONDS = 120;

  private final Path bin;
  private final Path dataDir;
  private final Path socketDir;
  private final String listenAddress;
  private final String password;
  private final boolean asServiceAccount;
  private final Thread killOnExit;
  private int port;
  private volatile boolean running;
  private volatile boolean closed;

  private PgServer(Path bin, Path dataDir, Path socketDir, String listenAddress, String password,
      boolean asServiceAccount) {
    this.bin = bin;
    this.dataDir = dataDir;
    this.socketDir = socketDir;
    this.listenAddress = listenAddress;
    this.password = password;
    this.asServiceAccount = asServiceAccount;
    this.killOnExit = new Thread(this::killAndDelete, "pg-server-cleanup-" + dataDir.getFileName());
  }

  public static PgServer start(String name) {
    return start(name, "127.0.0.1");
  }

  /**
   * Creates a database cluster and starts it, listening on {@code listenAddress} only (an address of this machine;
   * tests use loopback or an address of their own test network).
   */
  public static PgServer start(String name, String listenAddress) {
    Path bin = serverBinaries();
    boolean root = isRoot();
    String suffix = HexFormat.of().formatHex(randomBytes(4));
    Path base = Path.of("target", "pg").toAbsolutePath();
    if (root && !serviceAccountCanReach(base)) {
      // initdb cannot run as root, and the postgres account cannot reach a checkout under a private home
      // directory (a CI clone under /root): the data then goes where every account can reach.
      base = Path.of(System.getProperty("java.io.tmpdir"), "gavel-pg").toAbsolutePath();
    }
    Path dataDir = base.resolve(name + "-" + suffix);
    Path socketDir = dataDir.toString().length() <= MAX_SOCKET_DIR_LENGTH
        ? dataDir : Path.of(System.getProperty("java.io.tmpdir"), "gavel-pg-" + suffix);
    PgServer server = new PgServer(bin, dataDir, socketDir, listenAddress, randomPassword(), root);
    Runtime.getRuntime().addShutdownHook(server.killOnExit);
    try {
      server.createCluster();
      server.startOnSomeFreePort();
      server.createRoleAndDatabase();
      return server;
    } catch (RuntimeException | Error e) {
      server.close();
      throw e;
    }
  }

  /** {@code postgresql://gavel:PASSWORD@ADDR:PORT/gavel}, the form Gavel's {@code --store} takes. */
  public String url() {
    return "postgresql://" + USER + ":" + password + "@" + hostInUrl() + ":" + port + "/" + DATABASE;
  }

  public String jdbcUrl() {
    return "jdbc:postgresql://" + hostInUrl() + ":" + port + "/" + DATABASE;
  }

  public String user() {
    return USER;
  }

  public String password() {
    return password;
  }

  public int port() {
    return port;
  }

  public String listenAddress() {
    return listenAddress;
  }

  public Path dataDir() {
    return dataDir;
  }

  public boolean running() {
    return running;
  }

  /** A new connection as {@code gavel}, for tests that check what the database holds. */
  public Connection connect() throws SQLException {
    return DriverManager.getConnection(jdbcUrl(), USER, password);
  }

  /** Stops the server as an operator would ({@code -m fast}: clients are disconnected, committed data kept). */
  public synchronized void stop() {
    if (running) {
      pgCtl("-m", "fast", "-w", "-t", "60", "stop");
      running = false;
    }
  }

  /** Starts the server again on the same port and data, after {@link #stop()}. */
  public synchronized void start() {
    if (closed) {
      throw new IllegalStateException("PostgreSQL server " + dataDir.getFileName() + " is closed");
    }
    if (!running) {
      pgCtlStart();
      running = true;
    }
  }

  /** Kills the server ({@code -m immediate}) and deletes its data. */
  @Override
  public void close() {
    killAndDelete();
    try {
      Runtime.getRuntime().removeShutdownHook(killOnExit);
    } catch (IllegalStateException alreadyShuttingDown) {
      // The hook is running or has run: nothing to remove.
    }
  }

  private synchronized void killAndDelete() {
    if (closed) {
      return;
    }
    closed = true;
    if (Files.exists(dataDir.resolve("postmaster.pid"))) {
      try {
        pgCtl("-m", "immediate", "-w", "-t", "30", "stop");
      } catch (RuntimeException notRunning) {
        // Nothing to stop, or it stopped on its own; the data goes either way.
      }
    }
    running = false;
    deleteRecursively(dataDir);
    if (!socketDir.equals(dataDir)) {
      deleteRecursively(socketDir);
    }
  }

  private void createCluster() {
    try {
      Files.createDirectories(dataDir.getParent());
      Files.createDirectory(dataDir, ownerOnly("rwx------"));
      if (!socketDir.equals(dataDir)) {
        Files.createDirectory(socketDir, ownerOnly("rwx------"));
        handToServiceAccount(socketDir);
      }
      handToServiceAccount(dataDir);
      // The superuser's password lives in this file (next to the data directory: initdb wants that one empty)
      // only until initdb has read it.
      Path passwordFile = dataDir.resolveSibling(dataDir.getFileName() + ".pw");
      Files.createFile(passwordFile, ownerOnly("rw-------"));
      Files.writeString(passwordFile, password + "\n", StandardCharsets.UTF_8);
      handToServiceAccount(passwordFile);
      try {
        run(List.of(bin.resolve("initdb").toString(), "-D", dataDir.toString(), "-U", SERVICE_ACCOUNT,
            "--pwfile=" + passwordFile, "--auth-local=scram-sha-256", "--auth-host=scram-sha-256",
            "-E", "UTF8", "--locale=C", "--no-sync"));
      } finally {
        Files.deleteIfExists(passwordFile);
      }
      if (!InetAddress.getByName(listenAddress).isLoopbackAddress()) {
        // initdb's pg_hba.conf admits loopback clients only; a server on a test network's address serves the
        // nodes on that network (password still required).
        Files.writeString(dataDir.resolve("pg_hba.conf"), "host all all samenet scram-sha-256\n",
            StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.APPEND);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot prepare " + dataDir, e);
    }
  }

  private static java.nio.file.attribute.FileAttribute<?> ownerOnly(String permissions) {
    return PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(permissions));
  }

  /** A port free when probed can be taken before the server binds it: then try another. */
  private void startOnSomeFreePort() {
    RuntimeException last = null;
    for (int attempt = 0; attempt < STARTS_BEFORE_GIVING_UP; attempt++) {
      port = freePort(listenAddress);
      try {
        start();
        return;
      } catch (RuntimeException e) {
        last = e;
      }
    }
    throw last;
  }

  /**
   * The superuser ({@code postgres}, same password) makes a plain login role that owns its database, as a
   * production deployment would: the application must not need superuser rights.
   */
  private void createRoleAndDatabase() {
    String admin = "jdbc:postgresql://" + hostInUrl() + ":" + port + "/postgres";
    try (Connection connection = DriverManager.getConnection(admin, SERVICE_ACCOUNT, password);
        Statement statement = connection.createStatement()) {
      statement.execute("CREATE ROLE " + USER + " LOGIN PASSWORD '" + password + "'");
      statement.execute("CREATE DATABASE " + DATABASE + " OWNER " + USER);
    } catch (SQLException e) {
      throw new IllegalStateException("PostgreSQL at " + admin + " started but refused setup: " + e.getMessage(), e);
    }
  }

  private void pgCtlStart() {
    String serverOptions = "-p " + port + " -k '" + socketDir + "' -c listen_addresses=" + listenAddress
        + " -c fsync=on";
    pgCtl("-o", serverOptions, "-l", dataDir.resolve("server.log").toString(), "-w", "-t", "60", "start");
  }

  private void pgCtl(String... arguments) {
    List<String> command = new ArrayList<>(List.of(bin.resolve("pg_ctl").toString(), "-D", dataDir.toString()));
    command.addAll(List.of(arguments));
    try {
      run(command);
    } catch (IllegalStateException e) {
      throw new IllegalStateException(e.getMessage() + serverLogTail(), e);
    }
  }

  private void run(List<String> command) {
    List<String> full = new ArrayList<>();
    if (asServiceAccount) {
      full.addAll(List.of("runuser", "-u", SERVICE_ACCOUNT, "--"));
    }
    full.addAll(command);
    try {
      Path output = Files.createTempFile("pg-command", ".out");
      try {
        // "/" rather than the checkout: the postgres account may not be allowed into it.
        Process process = new ProcessBuilder(full).directory(Path.of("/").toFile())
            .redirectErrorStream(true).redirectOutput(output.toFile()).start();
        if (!process.waitFor(COMMAND_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
          process.destroyForcibly();
          throw new IllegalStateException(String.join(" ", full) + " did not finish in " + COMMAND_TIMEOUT_SECONDS
              + " s");
        }
        if (process.exitValue() != 0) {
          throw new IllegalStateException(String.join(" ", full) + " exited with " + process.exitValue() + ":\n"
              + Files.readString(output, StandardCharsets.UTF_8).strip());
        }
      } finally {
        Files.deleteIfExists(output);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + full.get(0), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted running " + String.join(" ", full), e);
    }
  }

  private String serverLogTail() {
    Path log = dataDir.resolve("server.log");
    try {
      if (!Files.exists(log)) {
        return "";
      }
      List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
      return "\nlast lines of " + log + ":\n" + String.join("\n", lines.subList(Math.max(0, lines.size() - 20),
          lines.size()));
    } catch (IOException e) {
      return "";
    }
  }

  private String hostInUrl() {
    return listenAddress.contains(":") ? "[" + listenAddress + "]" : listenAddress;
  }

  /** The newest {@code /usr/lib/postgresql/<version>/bin} that has initdb, or a failure saying how to get one. */
  static Path serverBinaries() {
    List<Path> candidates = new ArrayList<>();
    if (Files.isDirectory(DEBIAN_POSTGRESQL)) {
      try (Stream<Path> versions = Files.list(DEBIAN_POSTGRESQL)) {
        versions.map(version -> version.resolve("bin"))
            .filter(dir -> Files.isExecutable(dir.resolve("initdb")) && Files.isExecutable(dir.resolve("pg_ctl")))
            .forEach(candidates::add);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot list " + DEBIAN_POSTGRESQL, e);
      }
    }
    return candidates.stream()
        .max(Comparator.comparingInt(dir -> versionNumber(dir.getParent().getFileName().toString())))
        .orElseThrow(() -> new IllegalStateException("PostgreSQL server binaries not found: no "
            + DEBIAN_POSTGRESQL + "/<version>/bin/initdb. Install Debian's package: apt-get install "
            + "--no-install-recommends postgresql (.ci/run does this)"));
  }

  private static int versionNumber(String directoryName) {
    return directoryName.matches("\\d{1,4}") ? Integer.parseInt(directoryName) : -1;
  }

  private static boolean isRoot() {
    try {
      return ((Number) Files.getAttribute(Path.of("/proc/self"), "unix:uid")).intValue() == 0;
    } catch (IOException | UnsupportedOperationException e) {
      return "root".equals(System.getProperty("user.name"));
    }
  }

  /** Whether the postgres account may create its data directory's parent chain under {@code base}. */
  private static boolean serviceAccountCanReach(Path base) {
    Path existing = base;
    while (existing != null && !Files.exists(existing)) {
      existing = existing.getParent();
    }
    if (existing == null) {
      return false;
    }
    try {
      Process probe = new ProcessBuilder("runuser", "-u", SERVICE_ACCOUNT, "--", "test", "-x", existing.toString())
          .directory(Path.of("/").toFile()).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
          .start();
      return probe.waitFor(30, TimeUnit.SECONDS) && probe.exitValue() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private void handToServiceAccount(Path path) throws IOException {
    if (!asServiceAccount) {
      return;
    }
    UserPrincipalLookupService accounts = path.getFileSystem().getUserPrincipalLookupService();
    Files.setOwner(path, accounts.lookupPrincipalByName(SERVICE_ACCOUNT));
  }

  private static int freePort(String address) {
    Random random = new Random();
    InetAddress bindAddress;
    try {
      bindAddress = InetAddress.getByName(address);
    } catch (IOException e) {
      throw new IllegalArgumentException("not an address of this machine: " + address, e);
    }
    for (int attempt = 0; attempt < 1000; attempt++) {
      // The same range as TestCluster.freePorts: clear of the ephemeral ports the kernel hands out.
      int candidate = 20_000 + random.nextInt(12_000);
      try (ServerSocket socket = new ServerSocket(candidate, 50, bindAddress)) {
        return socket.getLocalPort();
      } catch (IOException taken) {
        // try another
      }
    }
    throw new IllegalStateException("no free port on " + address);
  }

  /** Letters and digits only: the password goes into URLs and SQL without escaping. */
  private static String randomPassword() {
    String alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    SecureRandom random = new SecureRandom();
    StringBuilder password = new StringBuilder();
    for (int i = 0; i < 24; i++) {
      password.append(alphabet.charAt(random.nextInt(alphabet.length())));
    }
    return password.toString();
  }

  private static byte[] randomBytes(int count) {
    byte[] bytes = new byte[count];
    new SecureRandom().nextBytes(bytes);
    return bytes;
  }

  private static void deleteRecursively(Path root) {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + root, e);
    }
  }
}
