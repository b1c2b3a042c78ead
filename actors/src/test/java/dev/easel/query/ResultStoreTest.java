package dev.easel.query;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The result cache on disk: results kept within their size, the least recently used deleted first,
 * never one that is being read, and the index rebuilt from the folder.
 */
class ResultStoreTest {
  private static final String A = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
  private static final String B = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
  private static final String C = "cccccccccccccccccccccccccccccccc";

  @TempDir Path root;

  /** Keeps a result of {@code bytes} bytes and lets it go. */
  private static void keep(ResultStore store, String resultId, int bytes) throws IOException {
    Path part = store.partFile("p1", resultId);
    Files.write(part, new byte[bytes]);
    store.keep("p1", resultId, part).close();
  }

  private boolean kept(String resultId) {
    return Files.exists(root.resolve("p1").resolve(resultId + ".parquet"));
  }

  @Test
  void theLeastRecentlyUsedResultGoesFirst() throws IOException {
    ResultStore store = new ResultStore(root, 250);
    keep(store, A, 100);
    keep(store, B, 100);
    store.open("p1", A).close(); // A is used after B

    keep(store, C, 100);

    assertThat(kept(A)).isTrue();
    assertThat(kept(B)).isFalse();
    assertThat(kept(C)).isTrue();
    assertThat(store.open("p1", B)).isNull();
    assertThat(store.totalBytes()).isEqualTo(200);
  }

  @Test
  void aResultBeingReadIsNotDeletedUntilItsReaderIsDone() throws IOException {
    ResultStore store = new ResultStore(root, 150);
    keep(store, A, 100);
    ResultStore.Lease reading = store.open("p1", A);

    keep(store, B, 100);
    assertThat(kept(A)).as("held by its reader").isTrue();
    assertThat(kept(B)).as("B was the one not in use").isFalse();

    Path part = store.partFile("p1", C);
    Files.write(part, new byte[100]);
    ResultStore.Lease written = store.keep("p1", C, part);
    assertThat(kept(A)).isTrue();
    assertThat(store.totalBytes()).isEqualTo(200);

    reading.close();
    assertThat(kept(A)).as("let go, and the least recently used").isFalse();
    assertThat(kept(C)).isTrue();
    written.close();
    reading.close(); // twice: harmless
    assertThat(store.totalBytes()).isEqualTo(100);
  }

  @Test
  void aRestartedStoreKnowsItsResultsAndTheirOrderFromTheFolder() throws IOException {
    ResultStore first = new ResultStore(root, 1000);
    keep(first, A, 100);
    keep(first, B, 100);
    Files.setLastModifiedTime(root.resolve("p1").resolve(A + ".parquet"), FileTime.fromMillis(1));
    Files.write(root.resolve("p1").resolve(C + ".0123.part"), new byte[10]);
    Files.write(root.resolve("p1").resolve("notes.txt"), new byte[10]);

    ResultStore restarted = new ResultStore(root, 150);

    assertThat(restarted.totalBytes()).isEqualTo(100);
    assertThat(kept(A)).as("the oldest use went").isFalse();
    assertThat(restarted.open("p1", B)).isNotNull();
    assertThat(root.resolve("p1").resolve(C + ".0123.part")).doesNotExist();
  }

  @Test
  void aSecondRunOfAStoredResultKeepsTheFirstFileAndSaysSo() throws IOException {
    ResultStore store = new ResultStore(root, 1000);
    Path first = store.partFile("p1", A);
    Files.write(first, new byte[100]);
    Path second = store.partFile("p1", A);
    Files.write(second, new byte[60]);

    try (ResultStore.Lease kept = store.keep("p1", A, first);
        ResultStore.Lease notKept = store.keep("p1", A, second)) {
      // The run whose file was not kept must read the answer from the kept file.
      assertThat(kept.kept()).isTrue();
      assertThat(notKept.kept()).isFalse();
      assertThat(notKept.file()).isEqualTo(kept.file());
      assertThat(Files.size(kept.file())).isEqualTo(100);
      assertThat(second).doesNotExist();
    }
    try (ResultStore.Lease opened = store.open("p1", A)) {
      assertThat(opened.kept()).isFalse();
    }
    assertThat(store.totalBytes()).isEqualTo(100);
  }

  @Test
  void aDeletedFolderOrFileIsAResultNoLongerKept() throws IOException {
    ResultStore store = new ResultStore(root, 1000);
    keep(store, A, 100);
    Files.delete(root.resolve("p1").resolve(A + ".parquet"));

    assertThat(store.open("p1", A)).isNull();
    assertThat(store.totalBytes()).isZero();
    assertThat(store.open("p1", "not a result id")).isNull();
    assertThat(store.open("p2", A)).isNull();
  }
}
