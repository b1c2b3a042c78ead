import { describe, expect, it } from "vitest";
import { datasetName, receivedBytes, uploadType } from "./upload";

describe("uploads", () => {
  it("reads how much the server has from its Range header", () => {
    expect(receivedBytes("bytes=0-8388607")).toBe(8 * 1024 * 1024);
    expect(receivedBytes("bytes=0-0")).toBe(1);
    // No Range: nothing arrived yet.
    expect(receivedBytes(null)).toBe(0);
    expect(receivedBytes("")).toBe(0);
    expect(receivedBytes("bytes=5-9")).toBe(0);
  });

  it("names a dataset after its file, as a table name", () => {
    expect(datasetName("sales.csv")).toBe("sales");
    expect(datasetName("Sales 2024 (final).CSV")).toBe("sales_2024_final");
    expect(datasetName("2024-orders.parquet")).toBe("d_2024_orders");
    expect(datasetName("ünïcode.json")).toBe("n_code");
    expect(datasetName(".csv")).toBe("dataset");
    expect(datasetName(`${"x".repeat(80)}.csv`)).toHaveLength(63);
  });

  it("declares the file's type, or one from its extension, or none to let the server sniff", () => {
    expect(uploadType({ name: "a.csv", type: "text/csv" })).toBe("text/csv");
    expect(uploadType({ name: "a.parquet", type: "" })).toBe("application/vnd.apache.parquet");
    expect(uploadType({ name: "a.jsonl", type: "" })).toBe("application/x-ndjson");
    expect(uploadType({ name: "data", type: "" })).toBe("");
  });
});
