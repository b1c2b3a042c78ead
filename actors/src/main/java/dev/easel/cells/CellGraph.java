package dev.easel.cells;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;

/**
 * The cells of one canvas as a graph: a cell reads the cells whose names its SQL references (the
 * rest of its references are datasets). It answers what a run needs: which cells must run before a
 * cell ({@link #upstream}), which go stale when a cell changes ({@link #downstream}), in an order
 * where every cell comes after what it reads, and which cells cannot run at all ({@link
 * #problems}): those in a cycle, those sharing a name with another cell, and those reading such
 * cells.
 *
 * <p>Names match case-insensitively, as DuckDB's do. Orders are deterministic: among cells free to
 * go next, the one listed first goes first.
 */
public final class CellGraph {

  /** A cell: its id, its name (blank when unnamed: nothing can read it) and the tables it reads. */
  public record Cell(String id, String name, List<String> references) {}

  private final List<String> ids = new ArrayList<>();
  private final Map<String, Integer> index = new HashMap<>();
  private final Map<String, List<String>> inputs = new LinkedHashMap<>();
  private final Map<String, List<String>> datasets = new LinkedHashMap<>();
  private final Map<String, List<String>> readers = new HashMap<>();
  private final Map<String, String> problems = new LinkedHashMap<>();
  private final Map<String, String> names = new HashMap<>();

  private CellGraph(List<Cell> cells) {
    Map<String, List<String>> byName = new HashMap<>();
    for (Cell cell : cells) {
      if (index.putIfAbsent(cell.id(), ids.size()) != null) {
        throw new IllegalArgumentException("cell " + cell.id() + " is listed twice");
      }
      ids.add(cell.id());
      names.put(cell.id(), cell.name() == null || cell.name().isBlank() ? cell.id() : cell.name());
      String name = key(cell.name());
      if (!name.isEmpty()) byName.computeIfAbsent(name, n -> new ArrayList<>()).add(cell.id());
    }
    for (Cell cell : cells) {
      List<String> reads = new ArrayList<>();
      List<String> data = new ArrayList<>();
      for (String reference : new LinkedHashSet<>(cell.references())) {
        List<String> named = byName.get(key(reference));
        if (named == null) data.add(key(reference));
        else reads.addAll(named);
      }
      inputs.put(cell.id(), List.copyOf(reads));
      datasets.put(cell.id(), List.copyOf(data));
      for (String read : reads)
        readers.computeIfAbsent(read, r -> new ArrayList<>()).add(cell.id());
    }
    byName.forEach(
        (name, named) -> {
          if (named.size() > 1) {
            for (String id : named) {
              problems.put(id, named.size() + " cells are named " + name + ": rename all but one");
            }
          }
        });
    findCycles();
    // A cell that reads, directly or not, a cell that cannot run cannot run either.
    Deque<String> blocked = new ArrayDeque<>(problems.keySet());
    while (!blocked.isEmpty()) {
      String id = blocked.poll();
      for (String reader : readers.getOrDefault(id, List.of())) {
        if (problems.putIfAbsent(reader, "it reads " + names.get(id) + ", which cannot run")
            == null) {
          blocked.add(reader);
        }
      }
    }
  }

  /** The graph of {@code cells}, listed in the canvas's order. */
  public static CellGraph of(List<Cell> cells) {
    return new CellGraph(cells);
  }

  /** The cells {@code cellId} reads directly. */
  public List<String> inputs(String cellId) {
    return get(inputs, cellId);
  }

  /** The names {@code cellId} reads that are not cells: datasets, or tables that do not exist. */
  public List<String> datasets(String cellId) {
    return get(datasets, cellId);
  }

  /** Why cells cannot run, by cell id; cells that can run are absent. */
  public Map<String, String> problems() {
    return Collections.unmodifiableMap(problems);
  }

  /** Every cell {@code cellId} reads, directly or not, each after its own inputs. */
  public List<String> upstream(String cellId) {
    Set<String> reached = reach(cellId, inputs);
    return topologicalOrder(ids.stream().filter(reached::contains).toList());
  }

  /** Every cell that reads {@code cellId}, directly or not, each after its own inputs. */
  public List<String> downstream(String cellId) {
    Set<String> reached = reach(cellId, readers);
    return topologicalOrder(ids.stream().filter(reached::contains).toList());
  }

  /** Every cell that can run, each after its inputs. */
  public List<String> runOrder() {
    return topologicalOrder(ids.stream().filter(id -> !problems.containsKey(id)).toList());
  }

  private Set<String> reach(String cellId, Map<String, List<String>> edges) {
    index(cellId);
    Set<String> reached = new HashSet<>();
    Deque<String> todo = new ArrayDeque<>(edges.getOrDefault(cellId, List.of()));
    while (!todo.isEmpty()) {
      String next = todo.pop();
      if (!next.equals(cellId) && reached.add(next)) {
        todo.addAll(edges.getOrDefault(next, List.of()));
      }
    }
    return reached;
  }

  /**
   * Orders {@code subset} so that each cell comes after its inputs within the subset; cells caught
   * in a cycle come last, in canvas order.
   */
  private List<String> topologicalOrder(List<String> subset) {
    Set<String> members = new HashSet<>(subset);
    Map<String, Integer> waiting = new HashMap<>();
    for (String id : subset) {
      int count = 0;
      for (String input : inputs.get(id)) if (members.contains(input) && !input.equals(id)) count++;
      waiting.put(id, count);
    }
    // ready cells in canvas order
    PriorityQueue<String> ready = new PriorityQueue<>(Comparator.comparingInt(index::get));
    for (String id : subset) if (waiting.get(id) == 0) ready.add(id);
    List<String> order = new ArrayList<>(subset.size());
    Set<String> done = new HashSet<>();
    while (!ready.isEmpty()) {
      String id = ready.poll();
      order.add(id);
      done.add(id);
      for (String reader : new LinkedHashSet<>(readers.getOrDefault(id, List.of()))) {
        if (!members.contains(reader) || reader.equals(id)) continue;
        int left = waiting.merge(reader, -1, Integer::sum);
        if (left == 0) ready.add(reader);
      }
    }
    for (String id : subset) if (!done.contains(id)) order.add(id);
    return order;
  }

  /** Tarjan's strongly connected components: every cell on a cycle gets the cycle's path. */
  private void findCycles() {
    Map<String, Integer> number = new HashMap<>();
    Map<String, Integer> low = new HashMap<>();
    Deque<String> stack = new ArrayDeque<>();
    Set<String> onStack = new HashSet<>();
    int[] counter = {0};
    for (String root : ids) {
      if (number.containsKey(root)) continue;
      // iterative depth-first search: a frame is (cell, index of its next input)
      Deque<Object[]> frames = new ArrayDeque<>();
      frames.push(new Object[] {root, 0});
      number.put(root, counter[0]);
      low.put(root, counter[0]++);
      stack.push(root);
      onStack.add(root);
      while (!frames.isEmpty()) {
        Object[] frame = frames.peek();
        String id = (String) frame[0];
        List<String> next = inputs.get(id);
        int i = (Integer) frame[1];
        if (i < next.size()) {
          frame[1] = i + 1;
          String input = next.get(i);
          if (!number.containsKey(input)) {
            number.put(input, counter[0]);
            low.put(input, counter[0]++);
            stack.push(input);
            onStack.add(input);
            frames.push(new Object[] {input, 0});
          } else if (onStack.contains(input)) {
            low.put(id, Math.min(low.get(id), number.get(input)));
          }
          continue;
        }
        frames.pop();
        if (!frames.isEmpty()) {
          String parent = (String) frames.peek()[0];
          low.put(parent, Math.min(low.get(parent), low.get(id)));
        }
        if (low.get(id).equals(number.get(id))) {
          List<String> component = new ArrayList<>();
          String member;
          do {
            member = stack.pop();
            onStack.remove(member);
            component.add(member);
          } while (!member.equals(id));
          boolean cycle = component.size() > 1 || inputs.get(id).contains(id);
          if (cycle) reportCycle(component);
        }
      }
    }
  }

  private void reportCycle(List<String> component) {
    Set<String> members = new HashSet<>(component);
    for (String start : component) {
      // the shortest way back to the start inside the component, for the message
      Map<String, String> cameFrom = new HashMap<>();
      Deque<String> todo = new ArrayDeque<>(List.of(start));
      String last = null;
      while (!todo.isEmpty() && last == null) {
        String id = todo.poll();
        for (String input : inputs.get(id)) {
          if (!members.contains(input)) continue;
          if (input.equals(start)) {
            last = id;
            break;
          }
          if (cameFrom.putIfAbsent(input, id) == null) todo.add(input);
        }
      }
      List<String> path = new ArrayList<>();
      for (String at = last; !at.equals(start); at = cameFrom.get(at)) path.add(names.get(at));
      Collections.reverse(path);
      StringBuilder message = new StringBuilder("it is in a cycle: ").append(names.get(start));
      for (String name : path) message.append(" reads ").append(name);
      problems.put(start, message.append(" reads ").append(names.get(start)).toString());
    }
  }

  private int index(String cellId) {
    Integer at = index.get(cellId);
    if (at == null) throw new IllegalArgumentException("no cell " + cellId + " on this canvas");
    return at;
  }

  private List<String> get(Map<String, List<String>> map, String cellId) {
    index(cellId);
    return map.get(cellId);
  }

  private static String key(String name) {
    return name == null ? "" : name.strip().toLowerCase(Locale.ROOT);
  }
}
