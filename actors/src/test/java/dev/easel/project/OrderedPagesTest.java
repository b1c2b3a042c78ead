package dev.easel.project;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** Pages of an ordered index whose entries are checked before they are shown. */
class OrderedPagesTest {
  static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  static List<OrderedPages.Place> places(int count) {
    List<OrderedPages.Place> places = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      places.add(new OrderedPages.Place(T0.plusSeconds(i), String.format("e_%04d", i)));
    }
    return places;
  }

  /** Shows the id of each entry not in {@code hidden}. */
  static Function<OrderedPages.Place, CompletionStage<Optional<String>>> showingAllBut(
      Set<String> hidden) {
    return place ->
        CompletableFuture.completedFuture(
            hidden.contains(place.id()) ? Optional.empty() : Optional.of(place.id()));
  }

  static OrderedPages.Page<String> page(
      List<OrderedPages.Place> places,
      String token,
      int size,
      Function<OrderedPages.Place, CompletionStage<Optional<String>>> shown) {
    return OrderedPages.collect(
            "the index", places, OrderedPages.after("the index", token), size, shown)
        .toCompletableFuture()
        .join();
  }

  @Test
  void walksTheIndexInOrderPageByPageSkippingHiddenEntries() {
    List<OrderedPages.Place> places = new ArrayList<>(places(7));
    // Stored in any order, listed by time then id.
    Collections.reverse(places);
    places.add(new OrderedPages.Place(T0.plusSeconds(3), "e_0003b"));
    var shown = showingAllBut(Set.of("e_0001", "e_0005"));
    var first = page(places, "", 3, shown);
    assertThat(first.items()).containsExactly("e_0000", "e_0002", "e_0003");
    var second = page(places, first.nextPageToken(), 3, shown);
    assertThat(second.items()).containsExactly("e_0003b", "e_0004", "e_0006");
    assertThat(second.nextPageToken()).isEmpty();
    assertThat(page(List.of(), "", 3, shown)).isEqualTo(new OrderedPages.Page<>(List.of(), ""));
  }

  @Test
  void aTokenStaysRightWhileEntriesComeAndGo() {
    List<OrderedPages.Place> places = new ArrayList<>(places(4));
    var shown = showingAllBut(Set.of());
    var first = page(places, "", 2, shown);
    assertThat(first.items()).containsExactly("e_0000", "e_0001");
    places.removeIf(place -> place.id().equals("e_0001") || place.id().equals("e_0000"));
    places.add(new OrderedPages.Place(T0.plusSeconds(10), "e_new"));
    assertThat(page(places, first.nextPageToken(), 10, shown).items())
        .containsExactly("e_0002", "e_0003", "e_new");
  }

  @Test
  void aPageThatEndsWithTheLastEntryHasNoNextToken() {
    var shown = showingAllBut(Set.of());
    var page = page(places(3), "", 3, shown);
    assertThat(page.items()).hasSize(3);
    assertThat(page.nextPageToken()).isEmpty();
    // The index may go on with entries that are all hidden: a short page, then an empty last one.
    var hiddenTail = page(places(5), "", 3, showingAllBut(Set.of("e_0003", "e_0004")));
    assertThat(hiddenTail.items()).hasSize(3);
    var last = page(places(5), hiddenTail.nextPageToken(), 3, showingAllBut(Set.of("e_0003")));
    assertThat(last.items()).containsExactly("e_0004");
    assertThat(last.nextPageToken()).isEmpty();
  }

  @Test
  void checksAtMostABoundedNumberOfEntriesForOnePage() {
    int count = OrderedPages.MAX_CHECKED + 500;
    AtomicInteger checked = new AtomicInteger();
    Function<OrderedPages.Place, CompletionStage<Optional<String>>> onlyTheLast =
        place -> {
          checked.incrementAndGet();
          return CompletableFuture.completedFuture(
              place.id().equals(String.format("e_%04d", count - 1))
                  ? Optional.of(place.id())
                  : Optional.empty());
        };
    var first = page(places(count), "", 10, onlyTheLast);
    assertThat(first.items()).isEmpty();
    assertThat(first.nextPageToken()).isNotEmpty();
    assertThat(checked.get()).isLessThanOrEqualTo(OrderedPages.MAX_CHECKED + 10);
    var second = page(places(count), first.nextPageToken(), 10, onlyTheLast);
    assertThat(second.items()).containsExactly(String.format("e_%04d", count - 1));
    assertThat(second.nextPageToken()).isEmpty();
  }

  @Test
  void refusesPageSizesOutOfRange() {
    assertThat(OrderedPages.size(0)).isEqualTo(OrderedPages.DEFAULT_PAGE_SIZE);
    assertThat(OrderedPages.size(1)).isEqualTo(1);
    assertThat(OrderedPages.size(OrderedPages.MAX_PAGE_SIZE)).isEqualTo(200);
    for (int size : new int[] {-1, OrderedPages.MAX_PAGE_SIZE + 1}) {
      assertThatThrownBy(() -> OrderedPages.size(size))
          .isInstanceOfSatisfying(
              Projects.Refusal.class,
              refusal -> assertThat(refusal.kind()).isEqualTo(Projects.Refusal.Kind.INVALID))
          .hasMessageContaining("pageSize must be between 1 and 200");
    }
  }

  @Test
  void refusesTokensThatAreNotOfTheIndex() {
    OrderedPages.Place place = new OrderedPages.Place(T0, "o_1");
    String token = OrderedPages.token("your organizations", place);
    assertThat(OrderedPages.after("your organizations", token)).isEqualTo(place);
    assertThat(OrderedPages.after("your organizations", "")).isNull();
    assertThat(OrderedPages.after("your organizations", null)).isNull();
    List<String> bad =
        List.of(
            OrderedPages.token("the projects of organization o_1", place),
            token.substring(0, token.length() - 4),
            "not base64!",
            "x".repeat(700),
            encode("1\nyour organizations\nyesterday\no_1"),
            encode("1\nyour organizations\n" + T0 + "\no 1"),
            encode("2\nyour organizations\n" + T0 + "\no_1"),
            encode("1\nyour organizations\n" + T0));
    for (String wrong : bad) {
      assertThatThrownBy(() -> OrderedPages.after("your organizations", wrong))
          .as(wrong)
          .isInstanceOfSatisfying(
              Projects.Refusal.class,
              refusal -> assertThat(refusal.kind()).isEqualTo(Projects.Refusal.Kind.INVALID))
          .hasMessageContaining("pageToken is not a page of your organizations");
    }
  }

  static String encode(String text) {
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString(text.getBytes(StandardCharsets.UTF_8));
  }
}
