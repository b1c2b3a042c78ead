package dev.easel.dataset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.easel.dataset.DatasetImportException.Problem;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The importer against real DuckDB: every format is read with its schema and written as Parquet
 * whose preview shows the rows; every kind of bad file is refused with what is wrong and where, in
 * words its uploader can act on, and leaves no Parquet file behind.
 */
class DatasetImporterTest {
  @TempDir static Path folder;
  static DatasetImporter importer;
  static int serial;

  @BeforeAll
  static void start() {
    importer =
        DatasetImporter.start(
            new DatasetImporter.Settings(2, 16, "512MB", List.of(folder), folder.resolve("spill")));
  }

  @AfterAll
  static void stop() {
    importer.close();
  }

  static Path file(String content) throws IOException {
    return file(content.getBytes(StandardCharsets.UTF_8));
  }

  static Path file(byte[] content) throws IOException {
    Path upload = folder.resolve("upload-" + ++serial);
    Files.write(upload, content);
    return upload;
  }

  static Path target() {
    return folder.resolve("version-" + ++serial + ".parquet");
  }

  static DatasetImporter.ImportedFile convert(Path upload, DatasetFormat declared, Path parquet) {
    return importer.convert(upload, declared, parquet).join();
  }

  static DatasetImporter.Preview preview(Path parquet) {
    return importer.preview(parquet, DatasetImporter.PREVIEW_ROWS).join();
  }

  /** The refusal of an import, after checking that it left no Parquet file. */
  static DatasetImportException refusal(Path upload, DatasetFormat declared) {
    Path parquet = target();
    Throwable thrown =
        org.junit.jupiter.api.Assertions.assertThrows(
            CompletionException.class, () -> convert(upload, declared, parquet));
    assertThat(parquet).doesNotExist();
    assertThat(thrown.getCause()).isInstanceOf(DatasetImportException.class);
    DatasetImportException refusal = (DatasetImportException) thrown.getCause();
    assertThat(refusal.getMessage())
        .as("the message shows no path of the server")
        .doesNotContain(folder.toString())
        .doesNotContain("upload-");
    return refusal;
  }

  static List<String> names(List<DatasetColumn> columns) {
    return columns.stream().map(DatasetColumn::name).toList();
  }

  static List<String> types(List<DatasetColumn> columns) {
    return columns.stream().map(DatasetColumn::type).toList();
  }

  @Test
  void aCsvBecomesParquetWithItsHeaderTypesAndRows() {
    Path parquet = target();
    DatasetImporter.ImportedFile imported =
        assertDoesNotThrow(
            () -> convert(file("id,name,score,ok\n1,Ann,2.5,true\n2,Bo,,false\n"), null, parquet));
    assertThat(imported.format()).isEqualTo(DatasetFormat.CSV);
    assertThat(names(imported.columns())).containsExactly("id", "name", "score", "ok");
    assertThat(types(imported.columns())).containsExactly("BIGINT", "VARCHAR", "DOUBLE", "BOOLEAN");
    assertThat(imported.rowCount()).isEqualTo(2);
    assertThat(imported.byteSize()).isEqualTo(parquet.toFile().length()).isPositive();
    DatasetImporter.Preview preview = preview(parquet);
    assertThat(preview.rowCount()).isEqualTo(2);
    assertThat(preview.columns()).isEqualTo(imported.columns());
    assertThat(preview.rows())
        .containsExactly(List.of(1L, "Ann", 2.5, true), Arrays.asList(2L, "Bo", null, false));
  }

  @Test
  void aPreviewShowsTheFirstHundredRowsAndCountsThemAll() {
    StringBuilder csv = new StringBuilder("n\n");
    for (int i = 0; i < 250; i++) csv.append(i).append('\n');
    Path parquet = target();
    assertThat(assertDoesNotThrow(() -> convert(file(csv.toString()), null, parquet)).rowCount())
        .isEqualTo(250);
    DatasetImporter.Preview preview = preview(parquet);
    assertThat(preview.rowCount()).isEqualTo(250);
    assertThat(preview.rows()).hasSize(100);
    assertThat(preview.rows().get(99)).containsExactly(99L);
  }

  @Test
  void tabsAndSemicolonsAreFoundAndTsvCanBeDeclared() {
    Path tsv = target();
    DatasetImporter.ImportedFile sniffed =
        assertDoesNotThrow(() -> convert(file("a\tb\n1\tx,y\n"), null, tsv));
    assertThat(sniffed.format()).isEqualTo(DatasetFormat.TSV);
    assertThat(names(sniffed.columns())).containsExactly("a", "b");
    assertThat(preview(tsv).rows()).containsExactly(List.of(1L, "x,y"));

    Path declared = target();
    assertThat(
            names(
                assertDoesNotThrow(() -> convert(file("only\n1\n"), DatasetFormat.TSV, declared))
                    .columns()))
        .containsExactly("only");

    Path semicolons = target();
    DatasetImporter.ImportedFile semi =
        assertDoesNotThrow(() -> convert(file("a;b\n\"1;5\";2\n"), null, semicolons));
    assertThat(names(semi.columns())).containsExactly("a", "b");
    assertThat(preview(semicolons).rows()).containsExactly(List.of("1;5", 2L));
  }

  @Test
  void jsonArraysAndNdjsonAreSniffedOrDeclared() {
    Path array = target();
    DatasetImporter.ImportedFile json =
        assertDoesNotThrow(
            () ->
                convert(
                    file("[{\"a\": 1, \"b\": \"x\"},\n {\"a\": 2, \"b\": null}]"), null, array));
    assertThat(json.format()).isEqualTo(DatasetFormat.JSON);
    assertThat(names(json.columns())).containsExactly("a", "b");
    assertThat(json.rowCount()).isEqualTo(2);

    Path lines = target();
    DatasetImporter.ImportedFile ndjson =
        assertDoesNotThrow(
            () -> convert(file("{\"a\": 1}\n{\"a\": 2, \"c\": [1, 2]}\n"), null, lines));
    assertThat(ndjson.format()).isEqualTo(DatasetFormat.NDJSON);
    assertThat(names(ndjson.columns())).containsExactly("a", "c");
    assertThat(preview(lines).rows())
        .containsExactly(Arrays.asList(1L, null), Arrays.asList(2L, "[1, 2]"));

    Path declared = target();
    assertThat(
            assertDoesNotThrow(
                    () -> convert(file("{\"a\": true}\n"), DatasetFormat.NDJSON, declared))
                .rowCount())
        .isEqualTo(1);
  }

  @Test
  void parquetIsReadAsItIs() {
    Path first = target();
    assertDoesNotThrow(() -> convert(file("x,y\n1,a\n2,b\n"), null, first));
    Path again = target();
    DatasetImporter.ImportedFile imported =
        assertDoesNotThrow(() -> convert(copyOf(first), DatasetFormat.PARQUET, again));
    assertThat(imported.format()).isEqualTo(DatasetFormat.PARQUET);
    assertThat(names(imported.columns())).containsExactly("x", "y");
    assertThat(preview(again).rows()).containsExactly(List.of(1L, "a"), List.of(2L, "b"));
    Path sniffed = target();
    assertThat(assertDoesNotThrow(() -> convert(copyOf(first), null, sniffed)).format())
        .isEqualTo(DatasetFormat.PARQUET);
  }

  @Test
  void aColumnThatTurnsOutToBeTextPastTheSampleIsReadAsText() {
    StringBuilder csv = new StringBuilder("id,code\n");
    for (int i = 0; i < 30_000; i++) csv.append(i).append(',').append(i).append('\n');
    csv.append("30000,A7\n");
    Path parquet = target();
    DatasetImporter.ImportedFile imported =
        assertDoesNotThrow(() -> convert(file(csv.toString()), null, parquet));
    assertThat(types(imported.columns())).containsExactly("BIGINT", "VARCHAR");
    assertThat(imported.rowCount()).isEqualTo(30_001);
  }

  // ---- bad files --------------------------------------------------------------------------------

  @Test
  void anEmptyFileOrOneOfBlanksIsRefused() throws IOException {
    DatasetImportException empty = refusal(file(""), null);
    assertThat(empty.problem()).isEqualTo(Problem.EMPTY_FILE);
    assertThat(empty.getMessage()).isEqualTo("the file is empty");
    assertThat(refusal(file("\n \n\t\n"), DatasetFormat.CSV).getMessage())
        .isEqualTo("the file holds only blanks");
    DatasetImportException noRecords = refusal(file("[]"), null);
    assertThat(noRecords.problem()).isEqualTo(Problem.EMPTY_FILE);
    assertThat(noRecords.getMessage()).isEqualTo("the file holds no records");
  }

  @Test
  void aBinaryFileNamedCsvIsRefusedAsNotText() throws IOException {
    byte[] png = new byte[4096];
    byte[] header = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13};
    System.arraycopy(header, 0, png, 0, header.length);
    for (int i = header.length; i < png.length; i++) png[i] = (byte) (i * 31);
    DatasetImportException refusal = refusal(file(png), DatasetFormat.CSV);
    assertThat(refusal.problem()).isEqualTo(Problem.NOT_TEXT);
    assertThat(refusal.getMessage())
        .isEqualTo(
            "the file is not text (it holds binary bytes) nor Parquet; Easel reads CSV, TSV,"
                + " JSON, NDJSON and Parquet");
  }

  @Test
  void textThatIsNotUtf8IsRefusedAtItsLineAndColumn() throws IOException {
    byte[] latin1 = "city,n\nParis,1\nK\u00f6ln,2\n".getBytes(StandardCharsets.ISO_8859_1);
    DatasetImportException refusal = refusal(file(latin1), null);
    assertThat(refusal.problem()).isEqualTo(Problem.WRONG_ENCODING);
    assertThat(refusal.line()).isEqualTo(3);
    assertThat(refusal.column()).isEqualTo(2);
    assertThat(refusal.getMessage())
        .isEqualTo(
            "line 3, column 2 is not UTF-8 (byte 17 of the file); save the file as UTF-8 and"
                + " upload it again");
  }

  @Test
  void aLineWithFewerOrMoreColumnsIsNamed() throws IOException {
    DatasetImportException fewer = refusal(file("a,b,c\n1,x,2.5\n2,y,3.5\n3,z\n4,w,1.0\n"), null);
    assertThat(fewer.problem()).isEqualTo(Problem.INCONSISTENT_COLUMNS);
    assertThat(fewer.line()).isEqualTo(4);
    assertThat(fewer.getMessage())
        .isEqualTo("line 4 has 2 columns but the header has 3 (is the file cut off there?)");

    DatasetImportException more = refusal(file("a,b\n1,2\n3,4,5\n6,7\n"), DatasetFormat.CSV);
    assertThat(more.line()).isEqualTo(3);
    assertThat(more.getMessage()).isEqualTo("line 3 has 3 columns but the header has 2");

    StringBuilder late = new StringBuilder("id,name,score\n");
    for (int i = 0; i < 30_000; i++) late.append(i).append(",n").append(i).append(",1.5\n");
    late.append("x,y\n");
    DatasetImportException pastTheSample = refusal(file(late.toString()), null);
    assertThat(pastTheSample.line()).isEqualTo(30_002);
    assertThat(pastTheSample.problem()).isEqualTo(Problem.INCONSISTENT_COLUMNS);
  }

  @Test
  void aTruncatedCsvIsRefusedAtItsLastLine() throws IOException {
    StringBuilder csv = new StringBuilder("id,name,score\n");
    for (int i = 0; i < 1000; i++) csv.append(i).append(",name ").append(i).append(",0.5\n");
    String whole = csv.toString();
    String cut = whole.substring(0, whole.lastIndexOf(",name 999"));
    DatasetImportException refusal = refusal(file(cut), null);
    assertThat(refusal.problem()).isEqualTo(Problem.INCONSISTENT_COLUMNS);
    assertThat(refusal.line()).isEqualTo(1001);
    assertThat(refusal.getMessage()).contains("line 1001").contains("cut off");
  }

  @Test
  void brokenJsonIsRefusedAtItsLineAndColumn() throws IOException {
    DatasetImportException truncated =
        refusal(file("[{\"a\": 1, \"b\": \"x\"},\n {\"a\": 2, \"b\": \"y\"}"), null);
    assertThat(truncated.problem()).isEqualTo(Problem.TRUNCATED);
    assertThat(truncated.line()).isEqualTo(2);
    assertThat(truncated.getMessage()).startsWith("the file ends in the middle of a JSON value");

    DatasetImportException malformed =
        refusal(file("{\"a\": 1}\n{\"a\": 2,, \"b\": 3}\n"), DatasetFormat.NDJSON);
    assertThat(malformed.problem()).isEqualTo(Problem.MALFORMED);
    assertThat(malformed.line()).isEqualTo(2);
    assertThat(malformed.column()).isEqualTo(9);
    assertThat(malformed.getMessage()).startsWith("malformed JSON at line 2, column 9: ");
  }

  @Test
  void aTruncatedParquetFileIsRefused() throws IOException {
    Path whole = target();
    assertDoesNotThrow(() -> convert(file("x\n1\n2\n"), null, whole));
    byte[] bytes = Files.readAllBytes(whole);
    DatasetImportException refusal =
        refusal(file(Arrays.copyOf(bytes, bytes.length - 10)), DatasetFormat.PARQUET);
    assertThat(refusal.problem()).isEqualTo(Problem.TRUNCATED);
    assertThat(refusal.getMessage())
        .isEqualTo("the Parquet file has no footer (it does not end with PAR1): it is cut off");
  }

  @Test
  void aDeclaredFormatThatTheContentContradictsIsRefused() throws IOException {
    DatasetImportException notParquet = refusal(file("a\n1\n"), DatasetFormat.PARQUET);
    assertThat(notParquet.problem()).isEqualTo(Problem.FORMAT_MISMATCH);
    assertThat(notParquet.getMessage())
        .isEqualTo(
            "the file was declared as Parquet but does not start with Parquet's magic bytes PAR1");
    Path parquet = target();
    assertDoesNotThrow(() -> convert(file("a\n1\n"), null, parquet));
    DatasetImportException parquetAsCsv = refusal(copyOf(parquet), DatasetFormat.CSV);
    assertThat(parquetAsCsv.problem()).isEqualTo(Problem.FORMAT_MISMATCH);
    assertThat(parquetAsCsv.getMessage()).contains("declared as csv (text/csv)");
  }

  @Test
  void formatsAreDeclaredByMediaTypeOrExtension() {
    assertThat(DatasetFormat.fromContentType("text/csv; charset=utf-8"))
        .isEqualTo(DatasetFormat.CSV);
    assertThat(DatasetFormat.fromContentType("application/x-ndjson"))
        .isEqualTo(DatasetFormat.NDJSON);
    assertThat(DatasetFormat.fromContentType("application/vnd.apache.parquet"))
        .isEqualTo(DatasetFormat.PARQUET);
    assertThat(DatasetFormat.fromContentType("application/octet-stream")).isNull();
    assertThat(DatasetFormat.fromContentType(null)).isNull();
    assertThat(DatasetFormat.fromFileName("Sales 2024.TSV")).isEqualTo(DatasetFormat.TSV);
    assertThat(DatasetFormat.fromFileName("events.jsonl")).isEqualTo(DatasetFormat.NDJSON);
    assertThat(DatasetFormat.fromFileName("notes")).isNull();
  }

  static Path copyOf(Path file) throws IOException {
    Path copy = folder.resolve("upload-" + ++serial);
    Files.copy(file, copy);
    return copy;
  }

  static <T> T assertDoesNotThrow(org.junit.jupiter.api.function.ThrowingSupplier<T> supplier) {
    return org.junit.jupiter.api.Assertions.assertDoesNotThrow(supplier);
  }

  @Test
  void theImporterReadsNoFileOutsideItsFolders() throws IOException {
    Path outside = Files.createTempFile("outside-the-importer", ".csv");
    try {
      Files.writeString(outside, "a\n1\n");
      assertThatThrownBy(() -> importer.convert(outside, DatasetFormat.CSV, target()).join())
          .isInstanceOf(CompletionException.class)
          .hasMessageContaining("disabled by configuration");
    } finally {
      Files.delete(outside);
    }
  }
}
