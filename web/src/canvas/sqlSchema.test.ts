import { describe, expect, it } from "vitest";
import { sqlSchema, withoutCell } from "./sqlSchema";

describe("sqlSchema", () => {
  it("names datasets by their latest version's columns and named cells by their result's", () => {
    const schema = sqlSchema(
      [
        {
          name: "penguins",
          versions: [
            { version: "1", columns: [{ name: "old", type: "INTEGER" }] },
            { version: "2", columns: [{ name: "species", type: "VARCHAR" }, { name: "mass", type: "DOUBLE" }] },
          ],
        },
      ],
      {
        c1: { kind: "sql", source: "SELECT 1", name: "answer" },
        c2: { kind: "sql", source: "SELECT 2" },
        c3: { kind: "markdown", source: "# hi", name: "note" },
        c4: { kind: "chart", source: "", name: "by_species" },
      },
      { c1: { state: "done", columns: [{ name: "n", type: "INTEGER" }] } },
    );
    expect(schema).toEqual({ penguins: ["species", "mass"], answer: ["n"], by_species: [] });
    expect(withoutCell(schema, "answer")).toEqual({ penguins: ["species", "mass"], by_species: [] });
    expect(withoutCell(schema, undefined)).toBe(schema);
  });
});
