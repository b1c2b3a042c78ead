package dev.easel.ot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class Json0Test {

  /** Reads the JavaScript-like notation of the ot-json0 docs: {p:['a',1],si:'x'}. */
  private static final JsonMapper JSON =
      JsonMapper.builder()
          .enable(JsonReadFeature.ALLOW_SINGLE_QUOTES)
          .enable(JsonReadFeature.ALLOW_UNQUOTED_FIELD_NAMES)
          .build();

  private static JsonNode json(String text) {
    try {
      return JSON.readTree(text);
    } catch (Exception e) {
      throw new IllegalArgumentException(text, e);
    }
  }

  private static Object doc(String text) {
    return Json0.fromJson(json(text));
  }

  /** Applies {@code op} to {@code before} and returns the result as JSON. */
  private static JsonNode applied(String before, String op) {
    return Json0.toJson(Json0.apply(doc(before), json(op)));
  }

  private static void assertRefused(String before, String op, String message) {
    Object document = doc(before);
    assertThatThrownBy(() -> Json0.apply(document, json(op)))
        .isInstanceOf(Json0Exception.class)
        .hasMessage(message);
    assertThat(Json0.toJson(document)).isEqualTo(json(before));
  }

  @Nested
  class Apply {

    @Test
    void insertsAndDeletesText() {
      assertThat(applied("{x:'a'}", "[{p:['x',1],si:'bc'}]")).isEqualTo(json("{x:'abc'}"));
      assertThat(applied("'abc'", "[{p:[0],sd:'a'}]")).isEqualTo(json("'bc'"));
      assertThat(applied("{cells:[{source:'SELECT'}]}", "[{p:['cells',0,'source',6],si:' 1'}]"))
          .isEqualTo(json("{cells:[{source:'SELECT 1'}]}"));
    }

    @Test
    void editsStringsInPlace() {
      Object document = doc("{x:'abc'}");
      Text before = (Text) ((Map<?, ?>) document).get("x");
      Json0.apply(document, json("[{p:['x',3],si:'d'}]"));
      assertThat(((Map<?, ?>) document).get("x")).isSameAs(before);
      assertThat(before.toString()).isEqualTo("abcd");
    }

    @Test
    void refusesAnInsertPastTheEndOfAString() {
      assertRefused(
          "{cells:{c1:{source:'hello'}}}",
          "[{p:['cells','c1','source',0],si:'x'},{p:['a'],oi:1},{p:['cells','c1','source',7],si:'x'}]",
          "op component 2: path [\"cells\",\"c1\",\"source\",7] is past the end of the string"
              + " (length 6)");
    }

    @Test
    void refusesADeleteOfTextThatIsNotThere() {
      assertRefused(
          "{x:'abc'}",
          "[{p:['x',1],sd:'bd'}]",
          "op component 0: sd \"bd\" does not match the text \"bc\" at path [\"x\",1]");
      assertRefused(
          "{x:'abc'}",
          "[{p:['x',2],sd:'cd'}]",
          "op component 0: path [\"x\",2]: sd of 2 chars runs past the end of the string"
              + " (length 3)");
      assertRefused(
          "{x:3}",
          "[{p:['x',0],si:'a'}]",
          "op component 0: si at path [\"x\",0] needs a string at [\"x\"], found the number 3");
    }

    @Test
    void addsNumbersKeepingIntegersIntegral() {
      Object document = doc("{n:1,f:1.5,l:[2]}");
      Json0.apply(document, json("[{p:['n'],na:2},{p:['f'],na:0.5},{p:['l',0],na:-0.25}]"));
      Map<?, ?> map = (Map<?, ?>) document;
      assertThat(map.get("n")).isEqualTo(3L);
      assertThat(map.get("f")).isEqualTo(2L);
      assertThat(((List<?>) map.get("l")).get(0)).isEqualTo(1.75);
      assertThat(Json0.apply(1L, json("[{p:[],na:2}]"))).isEqualTo(3L);
      assertRefused(
          "{n:'1'}",
          "[{p:['n'],na:1}]",
          "op component 0: na at path [\"n\"] needs a number, found a string (length 1)");
      assertRefused(
          "{}", "[{p:['n'],na:1}]", "op component 0: na at path [\"n\"]: there is nothing there");
    }

    @Test
    void insertsDeletesReplacesAndMovesListElements() {
      assertThat(applied("['b','c']", "[{p:[0],li:'a'}]")).isEqualTo(json("['a','b','c']"));
      assertThat(applied("['a','b']", "[{p:[2],li:'c'}]")).isEqualTo(json("['a','b','c']"));
      assertThat(applied("['a','b','c']", "[{p:[1],ld:'b'}]")).isEqualTo(json("['a','c']"));
      assertThat(applied("['a','x','b']", "[{p:[1],ld:'x',li:'y'}]"))
          .isEqualTo(json("['a','y','b']"));
      assertThat(applied("['b','a','c']", "[{p:[1],lm:0}]")).isEqualTo(json("['a','b','c']"));
      assertThat(applied("['b','a','c']", "[{p:[0],lm:2}]")).isEqualTo(json("['a','c','b']"));
      assertThat(applied("['a']", "[{p:[0],lm:0}]")).isEqualTo(json("['a']"));
    }

    @Test
    void refusesListOperationsThatDoNotFit() {
      assertRefused(
          "{l:['a']}",
          "[{p:['l',2],li:'x'}]",
          "op component 0: li at path [\"l\",2]: index 2 is past the end of the list (length 1)");
      assertRefused(
          "{l:['a']}",
          "[{p:['l',1],ld:'x'}]",
          "op component 0: ld at path [\"l\",1]: index 1 is past the end of the list (length 1)");
      assertRefused(
          "{l:['a','b']}",
          "[{p:['l',0],lm:2}]",
          "op component 0: lm from 0 to 2 at path [\"l\",0] is past the end of the list"
              + " (length 2)");
      assertRefused(
          "{l:{}}",
          "[{p:['l',0],li:'x'}]",
          "op component 0: li at path [\"l\",0] needs a list at [\"l\"], found an object");
    }

    @Test
    void insertsReplacesAndDeletesObjectKeys() {
      assertThat(applied("{x:'a'}", "[{p:['y'],oi:'b'}]")).isEqualTo(json("{x:'a',y:'b'}"));
      assertThat(applied("{x:'a'}", "[{p:['x'],od:'a'}]")).isEqualTo(json("{}"));
      assertThat(applied("{x:'a'}", "[{p:['x'],od:'a',oi:'b'}]")).isEqualTo(json("{x:'b'}"));
      // As in ot-json0, oi overwrites an existing key and ld/od values are not compared.
      assertThat(applied("{x:'a'}", "[{p:['x'],oi:'b'}]")).isEqualTo(json("{x:'b'}"));
      assertThat(applied("{x:'a'}", "[{p:['x'],od:'stale'}]")).isEqualTo(json("{}"));
    }

    @Test
    void refusesObjectOperationsThatDoNotFit() {
      assertRefused(
          "{x:1}",
          "[{p:['y'],od:1}]",
          "op component 0: od at path [\"y\"]: there is no key \"y\" to delete");
      assertRefused(
          "{l:[]}",
          "[{p:['l','k'],oi:1}]",
          "op component 0: oi at path [\"l\",\"k\"] needs an object at [\"l\"], found a list"
              + " (length 0)");
      assertRefused(
          "{a:{}}",
          "[{p:['a','b','c'],oi:1}]",
          "op component 0: path [\"a\",\"b\",\"c\"] does not exist: no key \"b\" in the object at"
              + " [\"a\"]");
      assertRefused(
          "{a:[1]}",
          "[{p:['a',3,'c'],oi:1}]",
          "op component 0: path [\"a\",3,\"c\"] does not exist: index 3 is past the end of the"
              + " list at [\"a\"] (length 1)");
      assertRefused(
          "{a:5}",
          "[{p:['a','b','c'],oi:1}]",
          "op component 0: path [\"a\",\"b\",\"c\"] does not exist: the number 5 at [\"a\"] has no"
              + " children");
    }

    @Test
    void replacesAndRemovesTheRoot() {
      assertThat(applied("{x:1}", "[{p:[],od:{x:1},oi:[1]}]")).isEqualTo(json("[1]"));
      assertThat(Json0.apply(doc("{x:1}"), json("[{p:[],od:{x:1}}]"))).isNull();
      assertThat(applied("null", "[{p:[],od:null,oi:'a'}]")).isEqualTo(json("'a'"));
    }

    @Test
    void acceptsALoneComponent() {
      assertThat(applied("{}", "{p:['a'],oi:1}")).isEqualTo(json("{a:1}"));
    }

    @Test
    void copiesInsertedValuesIntoTheDocumentModel() {
      ArrayNode op = (ArrayNode) json("[{p:['v'],oi:{s:'text',n:2.0,l:[1.5,true,null]}}]");
      Map<?, ?> document = (Map<?, ?>) Json0.apply(doc("{}"), op);
      ((ObjectNode) op.get(0).get("oi")).put("s", "changed");
      Map<?, ?> value = (Map<?, ?>) document.get("v");
      assertThat(value.get("s")).isEqualTo(new Text("text"));
      assertThat(value.get("n")).isEqualTo(2L);
      assertThat(value.get("l")).isEqualTo(Arrays.asList(1.5, true, null));
    }

    @Test
    void typingIntoALongStringKeepsEveryKeystroke() {
      // 260,000 keystrokes into one string of a megabyte. Speed is measured by the text-engine
      // benchmark in loadtests/, not asserted here.
      Map<?, ?> document = (Map<?, ?>) doc("{cells:{c1:{source:'" + "x".repeat(1_000_000) + "'}}}");
      ArrayNode[] ops = new ArrayNode[260_000];
      for (int i = 0; i < ops.length; i++) {
        ObjectNode c = JSON.createObjectNode();
        int pos = 500_000 + i / 2 + i % 2;
        c.set("p", JSON.createArrayNode().add("cells").add("c1").add("source").add(pos));
        if (i % 2 == 0) {
          c.put("si", "ab");
        } else {
          c.put("sd", "b");
        }
        ops[i] = JSON.createArrayNode().add(c);
      }
      for (ArrayNode op : ops) {
        Json0.apply(document, op);
      }
      Text source =
          (Text) ((Map<?, ?>) ((Map<?, ?>) document.get("cells")).get("c1")).get("source");
      assertThat(source.length()).isEqualTo(1_000_000 + 130_000);
      assertThat(source.substring(500_000, 500_004)).isEqualTo("aaaa");
    }
  }

  @Nested
  class Atomicity {

    @Test
    void aRefusedComponentUndoesTheComponentsBeforeIt() {
      String before =
          "{title:'T',cells:{c1:{source:'abc',runs:1},c2:{source:'x'}},order:['c1','c2'],n:1.5}";
      Object document = doc(before);
      Object titleBefore = ((Map<?, ?>) document).get("title");
      String op =
          "[{p:['title',1],si:'itle'},{p:['cells','c1','source',0],sd:'ab'},"
              + "{p:['cells','c1'],od:{}},{p:['order',0],lm:1},{p:['order',0],ld:'c2'},"
              + "{p:['n'],na:0.25},{p:['cells','c3'],oi:{source:''}},{p:['order',0],li:'c3'},"
              + "{p:['cells','c2','source'],od:'x',oi:'y'},{p:['order',0],ld:'c3',li:'c4'},"
              + "{p:['cells','c2','source',5],si:'!'}]";
      assertThatThrownBy(() -> Json0.apply(document, json(op)))
          .isInstanceOf(Json0Exception.class)
          .hasMessageStartingWith("op component 10: ");
      assertThat(Json0.toJson(document)).isEqualTo(json(before));
      assertThat(document).isEqualTo(doc(before));
      // The same objects, in the same key order, are back in place.
      assertThat(((Map<?, ?>) document).get("title")).isSameAs(titleBefore);
      assertThat(List.copyOf(((Map<?, ?>) ((Map<?, ?>) document).get("cells")).keySet()))
          .isEqualTo(List.of("c1", "c2"));
    }

    @Test
    void aRefusedComponentAfterARootReplacementRestoresTheRoot() {
      Object document = doc("{a:1}");
      assertThatThrownBy(
              () -> Json0.apply(document, json("[{p:[],od:{a:1},oi:[]},{p:['x'],oi:1}]")))
          .isInstanceOf(Json0Exception.class)
          .hasMessageStartingWith("op component 1: ");
      assertThat(Json0.toJson(document)).isEqualTo(json("{a:1}"));
    }

    @Test
    void applyWithUndoReturnsTheExactInverse() {
      String before = "{s:'abc',n:0.1,l:[1,2,3],o:{k:'v'}}";
      Object document = doc(before);
      // The od and ld values are stale on purpose: the undo uses what was really removed.
      Json0.Applied applied =
          Json0.applyWithUndo(
              document,
              json(
                  "[{p:['s',1],sd:'b'},{p:['n'],na:0.2},{p:['l',0],lm:2},{p:['l',1],ld:'stale'},"
                      + "{p:['o','k'],od:'stale'},{p:['o','q'],oi:[1]}]"));
      assertThat(Json0.toJson(applied.root()))
          .isEqualTo(json("{s:'ac',n:0.30000000000000004," + "l:[2,1],o:{q:[1]}}"));
      assertThat(applied.undo())
          .isEqualTo(
              json(
                  "[{p:['o','q'],od:[1]},{p:['o','k'],oi:'v'},{p:['l',1],li:3},"
                      + "{p:['l',2],lm:0},{p:['n'],od:0.30000000000000004,oi:0.1},"
                      + "{p:['s',1],si:'b'}]"));
      assertThat(Json0.toJson(Json0.apply(applied.root(), applied.undo()))).isEqualTo(json(before));
    }
  }

  @Nested
  class Validation {

    @ParameterizedTest
    @CsvSource(
        delimiter = '|',
        value = {
          "[{p:['a'],t:'text0',o:[]}] | op component 0: subtype operations (t/o) are not supported",
          "[{p:['a'],oi:1},{p:['a'],et:'x',e:{}}]"
              + " | op component 1: subtype operations (et/e) are not supported",
          "[{si:'a'}] | op component 0: missing path \"p\"",
          "[{p:'a',si:'a'}] | op component 0: path \"p\" must be an array, got \"a\"",
          "[{p:['a',-1],si:'a'}] | op component 0: path element 1 must be a string key or a"
              + " non-negative integer index, got -1 in [\"a\",-1]",
          "[{p:[1.5],li:1}] | op component 0: path element 0 must be a string key or a"
              + " non-negative integer index, got 1.5 in [1.5]",
          "[{p:['a']}] | op component 0: has no instruction (expected one of si, sd, li, ld, lm,"
              + " oi, od, na)",
          "[{p:['a',0],si:'a',sd:'b'}] | op component 0: combines si with sd; a component does one"
              + " thing (only li+ld and oi+od go together)",
          "[{p:['a'],oi:1,li:2}] | op component 0: combines oi/od with li/ld; a component does one"
              + " thing (only li+ld and oi+od go together)",
          "[{p:['a',0],si:3}] | op component 0: si must be a string, got 3",
          "[{p:['a','b'],sd:'x'}] | op component 0: sd needs a path that ends in a character"
              + " offset, got [\"a\",\"b\"]",
          "[{p:[],si:'x'}] | op component 0: si needs a path that ends in a character offset,"
              + " got []",
          "[{p:['a'],na:'1'}] | op component 0: na must be a number, got \"1\"",
          "[{p:['a',0],lm:-1}] | op component 0: lm must be a non-negative integer index, got -1",
          "[{p:['a'],lm:0}] | op component 0: lm needs a path that ends in a list index, got"
              + " [\"a\"]",
          "[{p:['a','b'],li:0}] | op component 0: li needs a path that ends in a list index, got"
              + " [\"a\",\"b\"]",
          "[{p:['a',0],od:0}] | op component 0: od needs a path that ends in an object key (a"
              + " string), got [\"a\",0]",
          "[{p:['a'],oi:1,x:2}] | op component 0: unknown field \"x\"",
          "[[]] | op component 0: must be a JSON object, got []",
          "3 | an op must be an array of components, got 3",
        })
    void refusesMalformedOpsWithAClearMessage(String op, String message) {
      assertThatThrownBy(() -> Json0.checkValidOp(json(op)))
          .isInstanceOf(Json0Exception.class)
          .hasMessage(message);
      assertThatThrownBy(() -> Json0.apply(doc("{}"), json(op)))
          .isInstanceOf(Json0Exception.class)
          .hasMessage(message);
    }

    @Test
    void transformAndComposeCheckTheirOps() {
      JsonNode subtype = json("[{p:['a'],t:'text0',o:[]}]");
      JsonNode fine = json("[{p:['a'],oi:1}]");
      assertThatThrownBy(() -> Json0.transform(fine, subtype, "left"))
          .hasMessage("op component 0: subtype operations (t/o) are not supported");
      assertThatThrownBy(() -> Json0.compose(subtype, fine))
          .hasMessage("op component 0: subtype operations (t/o) are not supported");
      assertThatThrownBy(() -> Json0.transform(fine, fine, "middle"))
          .isInstanceOf(Json0Exception.class)
          .hasMessage("side must be \"left\" or \"right\", got middle");
    }
  }

  /** Cases from ot-json0's own test suite, plus its quirks, with the results ot-json0 gives. */
  @ParameterizedTest(name = "transform({0}, {1}, {2}) = {3}")
  @CsvSource(
      delimiter = '|',
      value = {
        // text
        "[{p:[0],sd:'ab'}] | [{p:[1],si:'x'}] | left | [{p:[0],sd:'a'},{p:[1],sd:'b'}]",
        "[{p:['k',5],sd:'a'}] | [{p:['k',5],sd:'a'}] | left | []",
        "[{p:['k',5],si:''}] | [{p:['k',3],si:'a'}] | left | []",
        "[{p:['k',5],si:''}] | [{p:['j',3],si:'a'}] | left | [{p:['k',5],si:''}]",
        "[{p:['k',2],si:'a'}] | [{p:['k',2],si:'b'}] | left | [{p:['k',2],si:'a'}]",
        "[{p:['k',2],si:'a'}] | [{p:['k',2],si:'b'}] | right | [{p:['k',3],si:'a'}]",
        // list paths bump around inserts and deletes
        "[{p:[1,200],si:'hi'}] | [{p:[0],li:'x'}] | left | [{p:[2,200],si:'hi'}]",
        "[{p:[0,201],si:'hi'}] | [{p:[0],li:'x'}] | right | [{p:[1,201],si:'hi'}]",
        "[{p:[0,202],si:'hi'}] | [{p:[1],li:'x'}] | left | [{p:[0,202],si:'hi'}]",
        "[{p:[1,203],si:'hi'}] | [{p:[0],ld:'x'}] | left | [{p:[0,203],si:'hi'}]",
        "[{p:['x',3,'x',0],si:'hi'}] | [{p:['x',0],li:0}] | left | [{p:['x',4,'x',0],si:'hi'}]",
        "[{p:[0],ld:2}] | [{p:[0],li:1}] | right | [{p:[1],ld:2}]",
        // ops on deleted or replaced elements vanish; deleted values follow edits
        "[{p:[1,0],si:'hi'}] | [{p:[1],ld:'x'}] | left | []",
        "[{p:[0],na:-3}] | [{p:[0],ld:48}] | left | []",
        "[{p:[1,0],si:'hi'}] | [{p:[1],ld:'x',li:'y'}] | left | []",
        "[{p:[0],li:'hi'}] | [{p:[0],ld:'x',li:'y'}] | left | [{p:[0],li:'hi'}]",
        "[{p:[1],ld:'a'}] | [{p:[1,1],si:'bc'}] | left | [{p:[1],ld:'abc'}]",
        "[{p:[],od:22,oi:[]}] | [{p:[],na:3}] | left | [{p:[],od:25,oi:[]}]",
        "[{p:[],od:{toves:0},oi:4}] | [{p:['toves'],od:0,oi:''}] | left"
            + " | [{p:[],od:{toves:''},oi:4}]",
        "[{p:[],od:'thou and ',oi:[]}] | [{p:[7],sd:'d '}] | left | [{p:[],od:'thou an',oi:[]}]",
        "[{p:['bird'],na:2}] | [{p:[],od:{bird:38},oi:20}] | right | []",
        "[{p:[],od:{bird:38},oi:20}] | [{p:['bird'],na:2}] | left | [{p:[],od:{bird:40},oi:20}]",
        // list inserts, deletes, replacements
        "[{p:[1],li:'a'}] | [{p:[1],li:'b'}] | left | [{p:[1],li:'a'}]",
        "[{p:[1],li:'b'}] | [{p:[1],li:'a'}] | right | [{p:[2],li:'b'}]",
        "[{p:[1],ld:'x'}] | [{p:[1],ld:'x'}] | left | []",
        "[{p:[0],ld:'x',li:'y'}] | [{p:[0],ld:'x'}] | right | [{p:[0],li:'y'}]",
        "[{p:[0],ld:{},li:'brillig'}] | [{p:[0],li:36}] | left | [{p:[1],ld:{},li:'brillig'}]",
        "[{p:[0],ld:null,li:[]}] | [{p:[0],ld:null,li:0}] | right | []",
        "[{p:[0],ld:null,li:0}] | [{p:[0],ld:null,li:[]}] | left | [{p:[0],ld:[],li:0}]",
        // moves
        "[{p:[4],ld:'x'}] | [{p:[4],lm:10}] | left | [{p:[10],ld:'x'}]",
        "[{p:[4,1],si:'a'}] | [{p:[4],lm:10}] | left | [{p:[10,1],si:'a'}]",
        "[{p:[5],li:'x'}] | [{p:[5],lm:1}] | left | [{p:[6],li:'x'}]",
        "[{p:[5],ld:6}] | [{p:[5],lm:1}] | left | [{p:[1],ld:6}]",
        "[{p:[0],lm:2}] | [{p:[1],ld:'x'}] | left | [{p:[0],lm:1}]",
        "[{p:[0],lm:2}] | [{p:[0],ld:'x'}] | right | []",
        "[{p:[0],lm:2}] | [{p:[0],li:'x'}] | right | [{p:[1],lm:3}]",
        "[{p:[0],lm:0}] | [{p:[0],li:28}] | left | [{p:[1],lm:1}]",
        "[{p:[0],lm:2}] | [{p:[2],lm:1}] | left | [{p:[0],lm:2}]",
        "[{p:[3],lm:3}] | [{p:[5],lm:0}] | left | [{p:[4],lm:4}]",
        "[{p:[2],lm:0}] | [{p:[1],lm:0}] | right | [{p:[2],lm:1}]",
        "[{p:[2],lm:5}] | [{p:[2],lm:0}] | left | [{p:[0],lm:5}]",
        "[{p:[2],lm:5}] | [{p:[2],lm:0}] | right | []",
        "[{p:[1],lm:0}] | [{p:[0],lm:5}] | right | [{p:[0],lm:0}]",
        "[{p:[3],lm:1}] | [{p:[1],lm:3}] | left | [{p:[2],lm:1}]",
        "[{p:[3],lm:2}] | [{p:[2],lm:1}] | left | [{p:[3],lm:3}]",
        "[{p:[2],li:[]}] | [{p:[1],lm:3}] | left | [{p:[1],li:[]}]",
        "[{p:[1],lm:3}] | [{p:[1],li:[]}] | right | [{p:[2],lm:4}]",
        "[{p:[3],lm:1}] | [{p:[2],li:[]}] | right | [{p:[4],lm:1}]",
        // objects
        "[{p:['a',0],si:'hi'}] | [{p:['a'],od:'x'}] | left | []",
        "[{p:[9],si:'bite '}] | [{p:[],od:'agimble s',oi:null}] | right | []",
        "[{p:['a'],oi:'x'}] | [{p:['a'],oi:'y'}] | left | [{p:['a'],od:'y',oi:'x'}]",
        "[{p:['a'],oi:'x'}] | [{p:['a'],oi:'y'}] | right | []",
        "[{p:['a'],oi:'x'}] | [{p:['b'],od:'z'}] | left | [{p:['a'],oi:'x'}]",
        "[{p:['He'],od:[]}] | [{p:['The'],na:-3}] | right | [{p:['He'],od:[]}]",
        "[{p:['He'],oi:{}}] | [{p:[],od:{},oi:'the'}] | left | []",
        "[{p:[],od:[''],oi:{}}] | [{p:[],od:['']}] | right | [{p:[],oi:{}}]",
        "[{p:[],od:[''],oi:{}}] | [{p:[],od:[''],oi:null}] | left | [{p:[],od:null,oi:{}}]",
        "[{p:[],od:['']},{p:[],oi:{}}] | [{p:[],od:['']},{p:[],oi:null}] | left"
            + " | [{p:[],od:null,oi:{}}]",
        "[{p:['k'],od:'x'}] | [{p:['k'],od:'x'}] | right | []",
        // no other op: the op comes back as it is, not normalized
        "[{p:['a'],na:1},{p:['a'],na:2}] | [] | left | [{p:['a'],na:1},{p:['a'],na:2}]",
      })
  void transformsLikeOtJson0(String op, String other, String side, String expected) {
    assertThat(Json0.transform(json(op), json(other), side)).isEqualTo(json(expected));
  }

  @ParameterizedTest(name = "compose({0}, {1}) = {2}")
  @CsvSource(
      delimiter = '|',
      value = {
        "[{p:['foo'],od:1}] | [{p:['foo'],oi:2}] | [{p:['foo'],od:1,oi:2}]",
        "[{p:['foo'],od:1}] | [{p:['bar'],oi:2}] | [{p:['foo'],od:1},{p:['bar'],oi:2}]",
        "[{p:['foo'],od:1,oi:3}] | [{p:['foo'],od:3,oi:2}] | [{p:['foo'],od:1,oi:2}]",
        "[{p:['foo'],oi:3}] | [{p:['foo'],od:3}] | []",
        "[{p:['a','b'],na:1}] | [{p:['a','b'],na:2}] | [{p:['a','b'],na:3}]",
        "[{p:[1],li:'abc'}] | [{p:[1],ld:'abc'}] | []",
        // ot-json0 compares with ===: an inserted object or list never cancels with its delete
        "[{p:[1],li:{}}] | [{p:[1],ld:{}}] | [{p:[1],li:{}},{p:[1],ld:{}}]",
        "[{p:[0],ld:'abc',li:null}] | [{p:[0],ld:null}] | [{p:[0],ld:'abc'}]",
        "[{p:[100],si:'h'}] | [{p:[101],si:'i'}] | [{p:[100],si:'hi'}]",
        "[{p:['s',3],sd:'b'}] | [{p:['s',2],sd:'a'}] | [{p:['s',2],sd:'ab'}]",
        "[{p:['s',3],si:'b'}] | [{p:['s',9],sd:'a'}] | [{p:['s',3],si:'b'},{p:['s',9],sd:'a'}]",
        "[{p:['s',3],si:'b'}] | [{p:['s',9],si:''}] | [{p:['s',3],si:'b'}]",
        // a move onto itself is dropped only right after a component at the same path
        "[{p:['l',1],ld:0}] | [{p:['l',1],lm:1}] | [{p:['l',1],ld:0}]",
        "[] | [{p:['l',1],lm:1}] | [{p:['l',1],lm:1}]",
      })
  void composesLikeOtJson0(String a, String b, String expected) {
    assertThat(Json0.compose(json(a), json(b))).isEqualTo(json(expected));
  }

  @Test
  void normalizesLikeOtJson0() {
    assertThat(Json0.normalize(json("{si:'a',p:['s',0]}"))).isEqualTo(json("[{p:['s',0],si:'a'}]"));
    assertThat(Json0.normalize(json("[{oi:1}]"))).isEqualTo(json("[{p:[],oi:1}]"));
    assertThat(Json0.normalize(json("[{p:['s',0],si:'a'},{p:['s',1],si:'b'},{p:['n'],na:1}]")))
        .isEqualTo(json("[{p:['s',0],si:'ab'},{p:['n'],na:1}]"));
  }

  @Test
  void invertsEveryKindOfComponent() {
    assertThat(
            Json0.invert(
                json(
                    "[{p:['s',1],si:'a'},{p:['s',1],sd:'b'},{p:['o'],oi:1},{p:['o'],od:2},"
                        + "{p:['o'],od:3,oi:4},{p:['l',0],li:5},{p:['l',0],ld:6},"
                        + "{p:['l',0],ld:7,li:8},{p:['n'],na:2.5},{p:['l',1],lm:3}]")))
        .isEqualTo(
            json(
                "[{p:['l',3],lm:1},{p:['n'],na:-2.5},{p:['l',0],li:7,ld:8},{p:['l',0],li:6},"
                    + "{p:['l',0],ld:5},{p:['o'],oi:3,od:4},{p:['o'],oi:2},{p:['o'],od:1},"
                    + "{p:['s',1],si:'b'},{p:['s',1],sd:'a'}]"));
  }

  @Test
  void convertsBetweenJsonAndTheDocumentModel() {
    Object model = Json0.fromJson(json("{s:'x',i:3,d:2.0,f:0.5,b:true,z:null,l:[{}]}"));
    Map<String, Object> expected = new LinkedHashMap<>();
    expected.put("s", new Text("x"));
    expected.put("i", 3L);
    expected.put("d", 2L);
    expected.put("f", 0.5);
    expected.put("b", true);
    expected.put("z", null);
    expected.put("l", List.of(Map.of()));
    assertThat(model).isEqualTo(expected);
    assertThat(Json0.toJson(model)).isEqualTo(json("{s:'x',i:3,d:2,f:0.5,b:true,z:null,l:[{}]}"));
    assertThat(Json0.toJson(3.0)).isEqualTo(json("3"));
    assertThat(Json0.toJson(Double.NaN)).isEqualTo(json("null"));
    Object copy = Json0.deepCopy(model);
    assertThat(copy).isEqualTo(model).isNotSameAs(model);
    ((Text) ((Map<?, ?>) copy).get("s")).insert(0, "y");
    assertThat(((Map<?, ?>) model).get("s")).isEqualTo(new Text("x"));
  }
}
