package dev.easel.node;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs one of the Node.js client scripts in src/test/js (the real sharedb
 * client, @grpc/grpc-js...): to its end, or as a process the test talks to.
 */
public final class NodeScript {
  static final Path DIR = Path.of("src/test/js").toAbsolutePath();

  /** What a script printed and how it ended. */
  record Result(int exitCode, String stdout, String stderr) {
    /** The last line of stdout: the scripts' JSON verdict. */
    String lastLine() {
      String[] lines = stdout.strip().split("\n");
      return lines[lines.length - 1];
    }

    @Override
    public String toString() {
      return "exit " + exitCode + "\n--- stdout\n" + stdout + "\n--- stderr\n" + stderr;
    }
  }

  private NodeScript() {}

  /**
   * Starts {@code script} with {@code args}, its stdin and stdout piped to the test and its stderr
   * written to {@code stderr}.
   */
  public static Process start(Path stderr, String script, String... args) throws IOException {
    return new ProcessBuilder(command(script, args))
        .directory(DIR.toFile())
        .redirectError(stderr.toFile())
        .start();
  }

  static Result run(String script, String... args) throws IOException, InterruptedException {
    Path out = Files.createTempFile("easel-node-out", ".txt");
    Path err = Files.createTempFile("easel-node-err", ".txt");
    Process process =
        new ProcessBuilder(command(script, args))
            .directory(DIR.toFile())
            .redirectOutput(out.toFile())
            .redirectError(err.toFile())
            .start();
    // A guard against a hung client, not a timing assertion: the scripts stop themselves sooner.
    if (!process.waitFor(5, TimeUnit.MINUTES)) {
      process.destroyForcibly();
    }
    Result result =
        new Result(
            process.waitFor(),
            Files.readString(out, StandardCharsets.UTF_8),
            Files.readString(err, StandardCharsets.UTF_8));
    Files.deleteIfExists(out);
    Files.deleteIfExists(err);
    return result;
  }

  private static List<String> command(String script, String... args) {
    List<String> command = new ArrayList<>(List.of("node", DIR.resolve(script).toString()));
    command.addAll(List.of(args));
    return command;
  }
}
