package dev.easel.dataset;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.typesafe.config.Config;
import dev.easel.dataset.DatasetImportException.Problem;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.duckdb.DuckDBConnection;

/**
 * Turns an uploaded file into a dataset version: reads it with DuckDB's readers ({@code read_csv},
 * {@code read_json}, {@code read_parquet}; format declared or sniffed, schema auto-detected) and
 * writes it as one Parquet file with {@code COPY ... TO ... (FORMAT parquet)}; reads previews back.
 *
 * <p>DuckDB runs in this process, in a private in-memory database that only this class uses: no
 * user SQL ever reaches it. It may read and write only the folders it is given (uploads, datasets,
 * its spill folder), its settings are locked after start, and it runs on a bounded pool of its own
 * ({@code easel.datasets.import-threads}, at most {@code import-queue} waiting), never on an actor
 * dispatcher; an import over that is refused with {@link Busy}.
 *
 * <p>A file that cannot become a dataset fails with a {@link DatasetImportException} that says what
 * is wrong and where: a file that is empty or binary, text that is not UTF-8 (line and column), a
 * CSV line with another number of columns than the header, an unclosed quote, malformed or cut-off
 * JSON (line and column), a Parquet file without its footer, a declared format that the content
 * contradicts. A CSV column whose values turn out, past DuckDB's sample, not to fit the type it
 * detected is read as text instead.
 */
public final class DatasetImporter implements AutoCloseable {
  /** Rows a preview shows at most. */
  public static final int PREVIEW_ROWS = 100;

  private static final byte[] PARQUET_MAGIC = "PAR1".getBytes(StandardCharsets.US_ASCII);
  private static final Pattern CSV_LINE = Pattern.compile("CSV Error on Line: (\\d+)");
  private static final Pattern COLUMN_COUNT =
      Pattern.compile("Expected Number of Columns: (\\d+) Found: (\\d+)");
  private static final Pattern CONVERTED_COLUMN =
      Pattern.compile("Error when converting column \"((?:[^\"]|\"\")*)\"");
  private static final Pattern ERROR_KIND = Pattern.compile("^[A-Z][A-Za-z ]*Error: ");
  private static final long SAFE_INTEGER = 1L << 53;

  /**
   * The {@code easel.datasets} settings the importer needs.
   *
   * @param readable the folders DuckDB may read and write (uploads, dataset files); nothing else
   * @param spill the folder DuckDB spills to when an import outgrows its memory
   */
  public record Settings(
      int threads, int queue, String memoryLimit, List<Path> readable, Path spill) {
    public Settings {
      if (threads < 1) throw new IllegalArgumentException("import-threads must be at least 1");
      if (queue < 0) throw new IllegalArgumentException("import-queue must be 0 or more");
      readable = List.copyOf(readable);
    }

    /** From {@code easel.datasets}, with DuckDB's spill folder under {@code dataDir}. */
    public static Settings load(Config datasets, Path dataDir, List<Path> readable) {
      return new Settings(
          datasets.getInt("import-threads"),
          datasets.getInt("import-queue"),
          datasets.getString("import-memory-limit"),
          readable,
          dataDir.resolve("tmp").resolve("dataset-import"));
    }
  }

  /** A file converted to Parquet: the format it was read as, its schema, rows and Parquet bytes. */
  public record ImportedFile(
      DatasetFormat format, List<DatasetColumn> columns, long rowCount, long byteSize) {}

  /**
   * The first rows of a version: its columns, at most {@link #PREVIEW_ROWS} rows of values (each a
   * {@code Boolean}, {@code Long} within ±2^53, {@code Double}, {@code String} or null; other
   * values as DuckDB writes them as text), and how many rows it has in all.
   */
  public record Preview(List<DatasetColumn> columns, List<List<Object>> rows, long rowCount) {}

  /** Refused: as many imports as the pool takes are running or waiting. */
  public static final class Busy extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Busy(String message) {
      super(message, null, false, false);
    }
  }

  private final DuckDBConnection duckdb;
  private final ThreadPoolExecutor pool;

  private DatasetImporter(DuckDBConnection duckdb, ThreadPoolExecutor pool) {
    this.duckdb = duckdb;
    this.pool = pool;
  }

  /** Opens the importer's DuckDB and its threads. */
  public static DatasetImporter start(Settings settings) {
    try {
      Files.createDirectories(settings.spill());
      DuckDBConnection duckdb = (DuckDBConnection) DriverManager.getConnection("jdbc:duckdb:");
      try (Statement setup = duckdb.createStatement()) {
        setup.execute("SET threads = " + settings.threads());
        setup.execute("SET memory_limit = " + literal(settings.memoryLimit()));
        setup.execute("SET temp_directory = " + literal(settings.spill().toString()));
        setup.execute("SET autoinstall_known_extensions = false");
        setup.execute("SET autoload_known_extensions = false");
        List<String> allowed = new ArrayList<>();
        for (Path folder : settings.readable()) allowed.add(literal(folder + "/"));
        allowed.add(literal(settings.spill() + "/"));
        setup.execute("SET allowed_directories = [" + String.join(", ", allowed) + "]");
        setup.execute("SET enable_external_access = false");
        setup.execute("SET lock_configuration = true");
      } catch (SQLException e) {
        duckdb.close();
        throw e;
      }
      AtomicInteger serial = new AtomicInteger();
      ThreadPoolExecutor pool =
          new ThreadPoolExecutor(
              settings.threads(),
              settings.threads(),
              0,
              TimeUnit.MILLISECONDS,
              settings.queue() == 0
                  ? new java.util.concurrent.SynchronousQueue<>()
                  : new ArrayBlockingQueue<>(settings.queue()),
              task -> {
                Thread thread =
                    new Thread(task, "easel-dataset-import-" + serial.incrementAndGet());
                thread.setDaemon(true);
                return thread;
              });
      return new DatasetImporter(duckdb, pool);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot start DuckDB for dataset imports: " + e, e);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Reads {@code upload} as {@code declared} (null: sniffed from the content) and writes it to
   * {@code parquet}, which must not exist. On failure nothing is left at {@code parquet}.
   *
   * @return a stage failed with a {@link DatasetImportException} for a file that cannot become a
   *     dataset, {@link Busy} when the pool is full
   */
  public CompletableFuture<ImportedFile> convert(
      Path upload, DatasetFormat declared, Path parquet) {
    return submit(
        duckdb -> {
          try {
            return convertNow(duckdb, upload, declared, parquet);
          } catch (DatasetImportException | SQLException | IOException | RuntimeException e) {
            Files.deleteIfExists(parquet);
            throw e;
          }
        });
  }

  /** The first {@code limit} rows of a Parquet file written by {@link #convert}. */
  public CompletableFuture<Preview> preview(Path parquet, int limit) {
    return submit(duckdb -> previewNow(duckdb, parquet, limit));
  }

  /** One step of work on the pool, with a connection of its own to the importer's database. */
  @FunctionalInterface
  private interface Work<T> {
    T run(Connection duckdb) throws Exception;
  }

  private <T> CompletableFuture<T> submit(Work<T> work) {
    CompletableFuture<T> result = new CompletableFuture<>();
    try {
      pool.execute(
          () -> {
            try (Connection connection = duckdb.duplicate()) {
              result.complete(work.run(connection));
            } catch (Exception | Error e) {
              result.completeExceptionally(e);
            }
          });
    } catch (RejectedExecutionException e) {
      result.completeExceptionally(
          new Busy("Easel is importing as many files as it can; try again in a moment"));
    }
    return result;
  }

  // ---- converting -------------------------------------------------------------------------------

  private ImportedFile convertNow(
      Connection duckdb, Path upload, DatasetFormat declared, Path parquet)
      throws IOException, SQLException, DatasetImportException {
    long size = Files.size(upload);
    if (size == 0) throw new DatasetImportException(Problem.EMPTY_FILE, "the file is empty");
    boolean parquetMagic = startsWithParquetMagic(upload);
    DatasetFormat format = declared;
    if (parquetMagic && declared != null && declared != DatasetFormat.PARQUET) {
      throw new DatasetImportException(
          Problem.FORMAT_MISMATCH,
          "the file was declared as "
              + declared.wireName()
              + " ("
              + declared.mediaType()
              + ") but it is a Parquet file; declare it as "
              + DatasetFormat.PARQUET.mediaType()
              + " or send no type");
    }
    if (declared == DatasetFormat.PARQUET && !parquetMagic) {
      throw new DatasetImportException(
          Problem.FORMAT_MISMATCH,
          "the file was declared as Parquet but does not start with Parquet's magic bytes PAR1");
    }
    String source;
    TextCheck.Text text = null;
    if (parquetMagic) {
      format = DatasetFormat.PARQUET;
      if (size < 12 || !endsWithParquetMagic(upload, size)) {
        throw new DatasetImportException(
            Problem.TRUNCATED,
            "the Parquet file has no footer (it does not end with PAR1): it is cut off");
      }
      source = "read_parquet(" + literal(upload.toString()) + ")";
    } else {
      text = TextCheck.check(upload);
      if (format == null) format = sniff(text);
      source = null;
    }
    long rows =
        switch (format) {
          case PARQUET -> copy(duckdb, source, parquet, upload, format, text);
          case JSON, NDJSON ->
              copy(
                  duckdb,
                  "read_json("
                      + literal(upload.toString())
                      + (format == DatasetFormat.NDJSON
                          ? ", format = 'newline_delimited')"
                          : ", format = 'auto')"),
                  parquet,
                  upload,
                  format,
                  text);
          case CSV, TSV -> copyCsv(duckdb, upload, format, text, parquet);
        };
    List<DatasetColumn> columns = describe(duckdb, parquet);
    if (columns.isEmpty()) {
      throw new DatasetImportException(Problem.EMPTY_FILE, "the file holds no columns");
    }
    if (rows == 0 && (format == DatasetFormat.JSON || format == DatasetFormat.NDJSON)) {
      throw new DatasetImportException(Problem.EMPTY_FILE, "the file holds no records");
    }
    return new ImportedFile(format, columns, rows, Files.size(parquet));
  }

  /** The format of a text file that declared none: JSON, NDJSON, or else CSV / TSV. */
  static DatasetFormat sniff(TextCheck.Text text) {
    if (text.firstSignificant() == '[') return DatasetFormat.JSON;
    if (text.firstSignificant() == '{') return DatasetFormat.NDJSON;
    return delimiter(text.firstLine(), DatasetFormat.CSV) == '\t'
        ? DatasetFormat.TSV
        : DatasetFormat.CSV;
  }

  /**
   * The delimiter of a CSV whose first line is {@code header}: tab for TSV, else the one of {@code
   * , ; | tab} that separates the most fields outside quotes (a comma when none does).
   */
  static char delimiter(String header, DatasetFormat format) {
    if (format == DatasetFormat.TSV) return '\t';
    char best = ',';
    int most = 0;
    for (char candidate : new char[] {',', '\t', ';', '|'}) {
      int fields = fields(header, candidate);
      if (fields - 1 > most) {
        most = fields - 1;
        best = candidate;
      }
    }
    return best;
  }

  /**
   * The number of fields of one CSV line (RFC 4180 quotes, {@code ""} inside them); -1 when a quote
   * is left open.
   */
  static int fields(String line, char delimiter) {
    int fields = 1;
    boolean quoted = false;
    for (int i = 0; i < line.length(); i++) {
      char c = line.charAt(i);
      if (c == '"') quoted = !quoted;
      else if (c == delimiter && !quoted) fields++;
    }
    return quoted ? -1 : fields;
  }

  /**
   * Copies a CSV to Parquet with the header's names and DuckDB's detected types; a column whose
   * values do not all fit its detected type is read as text, and the copy made again.
   */
  private long copyCsv(
      Connection duckdb, Path upload, DatasetFormat format, TextCheck.Text text, Path parquet)
      throws SQLException, IOException, DatasetImportException {
    char delimiter = delimiter(text.firstLine(), format);
    Set<String> asText = new LinkedHashSet<>();
    while (true) {
      StringBuilder source =
          new StringBuilder("read_csv(")
              .append(literal(upload.toString()))
              .append(", delim = ")
              .append(literal(String.valueOf(delimiter)))
              .append(", header = true");
      if (!asText.isEmpty()) {
        List<String> types = new ArrayList<>();
        for (String column : asText) types.add(literal(column) + ": 'VARCHAR'");
        source.append(", types = {").append(String.join(", ", types)).append('}');
      }
      source.append(')');
      try (Statement copy = duckdb.createStatement()) {
        return copy.executeUpdate(copyStatement(source.toString(), parquet));
      } catch (SQLException e) {
        Files.deleteIfExists(parquet);
        String column = convertedColumn(e.getMessage());
        if (column != null && asText.add(column)) continue;
        throw explainCsv(duckdb, e, upload, delimiter, text);
      }
    }
  }

  private long copy(
      Connection duckdb,
      String source,
      Path parquet,
      Path upload,
      DatasetFormat format,
      TextCheck.Text text)
      throws SQLException, IOException, DatasetImportException {
    try (Statement copy = duckdb.createStatement()) {
      return copy.executeUpdate(copyStatement(source, parquet));
    } catch (SQLException e) {
      Files.deleteIfExists(parquet);
      if (format == DatasetFormat.PARQUET) {
        throw new DatasetImportException(
            Problem.MALFORMED, "the Parquet file cannot be read: " + cleaned(e, upload));
      }
      DatasetImportException syntax = jsonSyntax(upload, format);
      if (syntax != null) throw syntax;
      throw new DatasetImportException(Problem.MALFORMED, cleaned(e, upload));
    }
  }

  private static String copyStatement(String source, Path parquet) {
    return "COPY (SELECT * FROM "
        + source
        + ") TO "
        + literal(parquet.toString())
        + " (FORMAT parquet, COMPRESSION zstd)";
  }

  private List<DatasetColumn> describe(Connection duckdb, Path parquet) throws SQLException {
    List<DatasetColumn> columns = new ArrayList<>();
    try (Statement describe = duckdb.createStatement();
        ResultSet rows =
            describe.executeQuery(
                "DESCRIBE SELECT * FROM read_parquet(" + literal(parquet.toString()) + ")")) {
      while (rows.next()) {
        columns.add(
            new DatasetColumn(rows.getString("column_name"), rows.getString("column_type")));
      }
    }
    return columns;
  }

  // ---- explaining failures ----------------------------------------------------------------------

  /** The column DuckDB could not convert to its detected type, or null. */
  static String convertedColumn(String message) {
    if (message == null || !message.contains("Could not convert")) return null;
    Matcher column = CONVERTED_COLUMN.matcher(message);
    return column.find() ? column.group(1).replace("\"\"", "\"") : null;
  }

  /**
   * Why DuckDB could not read a CSV, with the line: its own message when it names one, else that of
   * a strict pass that reads every line as text against the header's number of columns (DuckDB
   * cannot tell a dialect when lines disagree, and then names no line).
   */
  private DatasetImportException explainCsv(
      Connection duckdb, SQLException failure, Path upload, char delimiter, TextCheck.Text text)
      throws IOException {
    DatasetImportException explained = csvError(failure.getMessage(), upload);
    if (explained != null) return explained;
    int columns = fields(text.firstLine(), delimiter);
    if (columns > 0) {
      List<String> names = new ArrayList<>();
      for (int i = 1; i <= columns; i++) names.add("'c" + i + "': 'VARCHAR'");
      String strict =
          "SELECT count(*) FROM read_csv("
              + literal(upload.toString())
              + ", auto_detect = false, header = true, delim = "
              + literal(String.valueOf(delimiter))
              + ", quote = '\"', escape = '\"', strict_mode = true, columns = {"
              + String.join(", ", names)
              + "})";
      try (Statement check = duckdb.createStatement();
          ResultSet counted = check.executeQuery(strict)) {
        counted.next();
      } catch (SQLException strictFailure) {
        DatasetImportException found = csvError(strictFailure.getMessage(), upload);
        if (found != null) return found;
      }
    }
    return new DatasetImportException(
        Problem.MALFORMED, "the file cannot be read as CSV: " + cleaned(failure, upload));
  }

  /** A CSV error of DuckDB's that names its line, in the user's terms; null when none is named. */
  static DatasetImportException csvError(String message, Path upload) {
    if (message == null) return null;
    Matcher at = CSV_LINE.matcher(message);
    if (!at.find()) return null;
    long line = Long.parseLong(at.group(1));
    Matcher count = COLUMN_COUNT.matcher(message);
    if (count.find()) {
      long expected = Long.parseLong(count.group(1));
      long found = Long.parseLong(count.group(2));
      return new DatasetImportException(
          Problem.INCONSISTENT_COLUMNS,
          "line "
              + line
              + " has "
              + found
              + (found == 1 ? " column" : " columns")
              + " but the header has "
              + expected
              + (found < expected ? " (is the file cut off there?)" : ""),
          line,
          0);
    }
    if (message.contains("unterminated quote")) {
      return new DatasetImportException(
          Problem.MALFORMED,
          "line " + line + " opens a quoted value that is never closed",
          line,
          0);
    }
    if (message.contains("Invalid unicode")) {
      return new DatasetImportException(
          Problem.WRONG_ENCODING, "line " + line + " is not UTF-8", line, 0);
    }
    String detail = detailAfterOriginalLine(message, upload);
    return new DatasetImportException(Problem.MALFORMED, "line " + line + ": " + detail, line, 0);
  }

  private static String detailAfterOriginalLine(String message, Path upload) {
    String[] lines = message.split("\n");
    for (int i = 0; i < lines.length; i++) {
      if (lines[i].startsWith("Original Line:") && i + 1 < lines.length) {
        return hidePath(lines[i + 1].strip(), upload);
      }
    }
    return hidePath(firstLine(message), upload);
  }

  /**
   * Where a JSON file breaks JSON's syntax, found with Jackson (which names line and column where
   * DuckDB names a byte), or null when it does not.
   */
  static DatasetImportException jsonSyntax(Path upload, DatasetFormat format) throws IOException {
    try (JsonParser parser = new JsonFactory().createParser(upload.toFile())) {
      int depth = 0;
      JsonToken token;
      while ((token = parser.nextToken()) != null) {
        if (token.isStructStart()) {
          if (depth == 0 && format == DatasetFormat.NDJSON && token != JsonToken.START_OBJECT) {
            long line = parser.currentTokenLocation().getLineNr();
            return new DatasetImportException(
                Problem.MALFORMED,
                "line " + line + " is no JSON object; each line of NDJSON is one object",
                line,
                parser.currentTokenLocation().getColumnNr());
          }
          depth++;
        } else if (token.isStructEnd()) {
          depth--;
        }
      }
      return null;
    } catch (JsonProcessingException e) {
      long line = e.getLocation() == null ? 0 : e.getLocation().getLineNr();
      long column = e.getLocation() == null ? 0 : e.getLocation().getColumnNr();
      String where = "line " + line + ", column " + column;
      String original = firstLine(e.getOriginalMessage());
      if (original.contains("end-of-input")) {
        return new DatasetImportException(
            Problem.TRUNCATED,
            "the file ends in the middle of a JSON value at "
                + where
                + " (is it cut off?): "
                + original,
            line,
            column);
      }
      return new DatasetImportException(
          Problem.MALFORMED, "malformed JSON at " + where + ": " + original, line, column);
    }
  }

  /** DuckDB's message, first part only, with the kind of error and any server path removed. */
  static String cleaned(SQLException failure, Path upload) {
    return hidePath(firstLine(failure.getMessage()), upload);
  }

  private static String firstLine(String message) {
    if (message == null) return "unknown error";
    String first = message.strip().split("\n", 2)[0].strip();
    Matcher kind = ERROR_KIND.matcher(first);
    return kind.find() ? first.substring(kind.end()) : first;
  }

  private static String hidePath(String text, Path upload) {
    return text.replace("\"" + upload + "\"", "the file")
        .replace("'" + upload + "'", "the file")
        .replace(upload.toString(), "the file");
  }

  // ---- previews ---------------------------------------------------------------------------------

  private Preview previewNow(Connection duckdb, Path parquet, int limit) throws SQLException {
    List<DatasetColumn> columns = describe(duckdb, parquet);
    long total;
    try (Statement count = duckdb.createStatement();
        ResultSet rows =
            count.executeQuery(
                "SELECT count(*) FROM read_parquet(" + literal(parquet.toString()) + ")")) {
      rows.next();
      total = rows.getLong(1);
    }
    List<List<Object>> shown = new ArrayList<>();
    try (Statement select = duckdb.createStatement();
        ResultSet rows =
            select.executeQuery(
                "SELECT * FROM read_parquet("
                    + literal(parquet.toString())
                    + ") LIMIT "
                    + Math.max(0, Math.min(limit, PREVIEW_ROWS)))) {
      ResultSetMetaData meta = rows.getMetaData();
      while (rows.next()) {
        List<Object> row = new ArrayList<>(meta.getColumnCount());
        for (int i = 1; i <= meta.getColumnCount(); i++) row.add(value(rows, i));
        shown.add(Collections.unmodifiableList(row));
      }
    }
    return new Preview(List.copyOf(columns), List.copyOf(shown), total);
  }

  /** A value as the preview shows it (see {@link Preview}). */
  private static Object value(ResultSet rows, int column) throws SQLException {
    Object value = rows.getObject(column);
    if (value == null) return null;
    return switch (value) {
      case Boolean b -> b;
      case Byte b -> b.longValue();
      case Short s -> s.longValue();
      case Integer i -> i.longValue();
      case Long l when Math.abs(l) <= SAFE_INTEGER -> l;
      case Float f when Float.isFinite(f) -> f.doubleValue();
      case Double d when Double.isFinite(d) -> d;
      case BigDecimal decimal -> decimal.toPlainString();
      default -> rows.getString(column);
    };
  }

  // ---- DuckDB -----------------------------------------------------------------------------------

  private static boolean startsWithParquetMagic(Path file) throws IOException {
    return matchesAt(file, 0);
  }

  private static boolean endsWithParquetMagic(Path file, long size) throws IOException {
    return matchesAt(file, size - PARQUET_MAGIC.length);
  }

  private static boolean matchesAt(Path file, long position) throws IOException {
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      ByteBuffer bytes = ByteBuffer.allocate(PARQUET_MAGIC.length);
      while (bytes.hasRemaining()) {
        if (channel.read(bytes, position + bytes.position()) < 0) return false;
      }
      return java.util.Arrays.equals(bytes.array(), PARQUET_MAGIC);
    }
  }

  /** A SQL string literal. */
  static String literal(String value) {
    return "'" + value.replace("'", "''") + "'";
  }

  @Override
  public void close() {
    pool.shutdownNow();
    try {
      pool.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try {
      duckdb.close();
    } catch (SQLException e) {
      throw new IllegalStateException("closing the import DuckDB failed", e);
    }
  }
}
