package dev.easel.node;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs one of the Node.js client scripts in src/test/js (the real sharedb client). */
final class NodeScript {
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

  static Result run(String script, String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of("node", DIR.resolve(script).toString()));
    command.addAll(List.of(args));
    Path out = Files.createTempFile("easel-node-out", ".txt");
    Path err = Files.createTempFile("easel-node-err", ".txt");
    Process process =
        new ProcessBuilder(command)
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
}
