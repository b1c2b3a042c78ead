package dev.easel.project;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/**
 * Pages of an index kept in the order its entries joined it (the time, then the id): a user's
 * projects and organizations, an organization's projects. The index only says where to look: each
 * entry is checked against its authority (the organization, the project) before it is shown, so a
 * page may hold fewer entries than asked, and at most {@value #MAX_CHECKED} entries are checked for
 * one page. A page token is the place of the last entry checked, bound to its index, so the pages
 * stay right while entries are added or removed; tokens are opaque to clients. Lists held whole by
 * one entity (a project's invitations, a user's API keys, the canvases of a user's projects) page
 * the same way with {@link #slice}.
 */
public final class OrderedPages {
  static final int DEFAULT_PAGE_SIZE = 50;
  static final int MAX_PAGE_SIZE = 200;

  /** The most index entries checked for one page: a page of them all hidden ends early. */
  static final int MAX_CHECKED = 1_000;

  private static final int MAX_TOKEN = 600;
  private static final String VERSION = "1";

  /** Where an entry stands in its index: when it joined, then its id. */
  public record Place(Instant at, String id) {
    static final Comparator<Place> ORDER = Comparator.comparing(Place::at).thenComparing(Place::id);
  }

  /** One page: what is shown, and the token of the next page (empty on the last). */
  public record Page<T>(List<T> items, String nextPageToken) {
    public Page {
      items = List.copyOf(items);
    }
  }

  private OrderedPages() {}

  /**
   * The number of entries a page holds: {@code pageSize}, or {@value #DEFAULT_PAGE_SIZE} for 0.
   *
   * @throws Projects.Refusal of kind INVALID outside 0 to {@value #MAX_PAGE_SIZE}
   */
  public static int size(int pageSize) {
    if (pageSize < 0 || pageSize > MAX_PAGE_SIZE) {
      throw Projects.invalid(
          "pageSize",
          "pageSize must be between 1 and "
              + MAX_PAGE_SIZE
              + " (0: "
              + DEFAULT_PAGE_SIZE
              + "), not "
              + pageSize);
    }
    return pageSize == 0 ? DEFAULT_PAGE_SIZE : pageSize;
  }

  /**
   * The page of {@code items} (a list held whole, in any order) that {@code pageToken} asks for
   * (null or empty: the first), of at most {@code size} items, in the order of their places ({@code
   * placeOf}), the latest first when {@code newestFirst}; its next token names the place of its
   * last item in the index named {@code index}.
   *
   * @throws Projects.Refusal of kind INVALID (on {@code pageToken}) when the token is not one of
   *     this index
   */
  public static <T> Page<T> slice(
      String index,
      List<T> items,
      Function<T, Place> placeOf,
      int size,
      String pageToken,
      boolean newestFirst) {
    Place after = after(index, pageToken);
    Comparator<Place> order = newestFirst ? Place.ORDER.reversed() : Place.ORDER;
    List<T> sorted =
        items.stream()
            .filter(item -> after == null || order.compare(placeOf.apply(item), after) > 0)
            .sorted(Comparator.comparing(placeOf, order))
            .toList();
    List<T> page = sorted.subList(0, Math.min(size, sorted.size()));
    String next =
        sorted.size() > page.size() ? token(index, placeOf.apply(page.get(page.size() - 1))) : "";
    return new Page<>(page, next);
  }

  /** The token of the page after {@code place} in the index named {@code index}. */
  static String token(String index, Place place) {
    String text = VERSION + "\n" + index + "\n" + place.at() + "\n" + place.id();
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString(text.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * The place after which the page that {@code token} asks for starts: null for the first page
   * (null or empty token).
   *
   * @throws Projects.Refusal of kind INVALID when it is not a token of the index named {@code
   *     index}
   */
  static Place after(String index, String token) {
    if (token == null || token.isEmpty()) return null;
    Projects.Refusal invalid =
        Projects.invalid(
            "pageToken",
            "pageToken is not a page of "
                + index
                + ": pass the nextPageToken of the previous page, or none for the first");
    if (token.length() > MAX_TOKEN) throw invalid;
    String text;
    try {
      text = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw invalid;
    }
    String[] parts = text.split("\n", -1);
    if (parts.length != 4 || !parts[0].equals(VERSION) || !parts[1].equals(index)) throw invalid;
    if (!Projects.ID.matcher(parts[3]).matches()) throw invalid;
    try {
      return new Place(Instant.parse(parts[2]), parts[3]);
    } catch (DateTimeParseException e) {
      throw invalid;
    }
  }

  /**
   * A page of the entries of the index named {@code index}: those after {@code after} (null: from
   * the first) of {@code places} (in {@link Place#ORDER}), in order, each checked with {@code
   * shown} (empty: not shown), until {@code size} are shown, none is left or {@value #MAX_CHECKED}
   * were checked. The entries of one round are checked at once.
   */
  static <T> CompletionStage<Page<T>> collect(
      String index,
      List<Place> places,
      Place after,
      int size,
      Function<Place, CompletionStage<Optional<T>>> shown) {
    List<Place> candidates =
        places.stream()
            .filter(place -> after == null || Place.ORDER.compare(place, after) > 0)
            .sorted(Place.ORDER)
            .toList();
    return round(index, candidates, 0, size, shown, new ArrayList<>());
  }

  private static <T> CompletionStage<Page<T>> round(
      String index,
      List<Place> candidates,
      int from,
      int size,
      Function<Place, CompletionStage<Optional<T>>> shown,
      List<T> found) {
    int to = Math.min(candidates.size(), from + size - found.size());
    if (to == from || from >= MAX_CHECKED) {
      String next = from < candidates.size() ? token(index, candidates.get(from - 1)) : "";
      return CompletableFuture.completedFuture(new Page<>(found, next));
    }
    List<CompletableFuture<Optional<T>>> checks = new ArrayList<>();
    for (Place place : candidates.subList(from, to)) {
      checks.add(shown.apply(place).toCompletableFuture());
    }
    return CompletableFuture.allOf(checks.toArray(CompletableFuture[]::new))
        .thenCompose(
            done -> {
              for (CompletableFuture<Optional<T>> check : checks)
                check.join().ifPresent(found::add);
              return round(index, candidates, to, size, shown, found);
            });
  }
}
