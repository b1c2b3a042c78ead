// @vitest-environment jsdom
import { MantineProvider } from "@mantine/core";
import { cleanup, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { ChartCell } from "./ChartCell";
import { twoClients, until } from "./twoClients";
import { withMatchMedia } from "./jsdomMedia";

beforeAll(withMatchMedia);
afterEach(cleanup);

const sources = [{ cellId: "q", name: "penguins_measured", columns: [{ name: "species", type: "VARCHAR" }, { name: "body_mass_g", type: "BIGINT" }] }];

describe("ChartCell", () => {
  it("turns each choice in the form into an op every collaborator receives", async () => {
    const { mine, theirs } = await twoClients({
      title: "t",
      cells: { q: { kind: "sql", name: "penguins_measured", source: "SELECT 1" }, c1: { kind: "chart", source: "", config: {} } },
    });
    const view = () => (
      <MantineProvider>
        <ChartCell cellId="c1" cell={mine.data.cells.c1!} doc={mine} readOnly={false} run={undefined} projectId="p1" sources={sources} />
      </MantineProvider>
    );
    const { rerender } = render(view());
    expect(screen.getByText("Pick the cell to chart, then a column for each axis.")).toBeTruthy();
    fireEvent.change(screen.getByLabelText("Source"), { target: { value: "q" } });
    await until(() => theirs.data.cells.c1?.config?.source === "q");
    rerender(view());
    fireEvent.change(screen.getByLabelText("X column"), { target: { value: "species" } });
    rerender(view());
    fireEvent.change(screen.getByLabelText("Y column"), { target: { value: "body_mass_g" } });
    rerender(view());
    fireEvent.change(screen.getByLabelText("Y aggregate"), { target: { value: "median" } });
    rerender(view());
    fireEvent.change(screen.getByLabelText("Chart type"), { target: { value: "pie" } });
    await until(() => theirs.data.cells.c1?.config?.mark === "pie");
    expect(theirs.data.cells.c1?.config).toEqual({
      source: "q",
      mark: "pie",
      x: { field: "species" },
      y: { field: "body_mass_g", aggregate: "median" },
    });
    rerender(view());
    // a pie's channels: slices and their size
    expect(screen.getByLabelText("Slices column")).toBeTruthy();
    expect(screen.getByLabelText("Size aggregate")).toBeTruthy();
  });

  it("shows why a chart failed, and takes no edit from a viewer", async () => {
    const { mine } = await twoClients({ title: "t", cells: { c1: { kind: "chart", source: "", config: { source: "gone" } } } });
    render(
      <MantineProvider>
        <ChartCell
          cellId="c1"
          cell={mine.data.cells.c1!}
          doc={mine}
          readOnly
          run={{ state: "failed", error: { message: "the cell this chart draws was removed: pick another source" } }}
          projectId="p1"
          sources={sources}
        />
      </MantineProvider>,
    );
    expect(screen.getByText(/was removed/)).toBeTruthy();
    expect((screen.getByLabelText("Chart type") as HTMLSelectElement).disabled).toBe(true);
  });
});
