package dev.easel.loadtests.unary;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** CPU time (user + system) a process has used so far, from {@code /proc/<pid>/stat} (Linux). */
final class Cpu {
  /** Clock ticks per second of {@code /proc} times ({@code USER_HZ}, 100 on Linux). */
  private static final double TICKS_PER_SECOND = 100.0;

  private Cpu() {}

  static double seconds(long pid) {
    String stat;
    try {
      stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the CPU time of process " + pid, e);
    }
    // The command name (field 2) may contain spaces; the fields after its closing parenthesis
    // start with field 3, so utime (14) and stime (15) are the 12th and 13th of them.
    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / TICKS_PER_SECOND;
  }

  static double ownSeconds() {
    return seconds(ProcessHandle.current().pid());
  }
}
