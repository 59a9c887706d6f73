import { describe, expect, it } from "vitest";
import {
  buildOffsets,
  captureAnchor,
  computeWindow,
  indexAt,
  pruneHeights,
  restoreAnchor,
  visibleRange,
  windowFromOffsets,
  type RowKey,
} from "./virtual";

const keysOf = (n: number) => Array.from({ length: n }, (_, i) => `r${i}`);

describe("buildOffsets", () => {
  it("sums measured heights and estimates", () => {
    const heights = new Map<RowKey, number>([["r1", 100]]);
    expect([...buildOffsets(keysOf(3), heights, 50)]).toEqual([0, 50, 150, 200]);
  });
  it("accepts an estimate per index", () => {
    expect([...buildOffsets(keysOf(3), new Map(), (i) => (i + 1) * 10)]).toEqual([0, 10, 30, 60]);
  });
  it("is empty-safe", () => {
    expect([...buildOffsets([], new Map(), 50)]).toEqual([0]);
  });
});

describe("indexAt", () => {
  const offsets = buildOffsets(keysOf(4), new Map(), 10); // 0,10,20,30,40
  it("finds the row containing a position", () => {
    expect(indexAt(offsets, 0)).toBe(0);
    expect(indexAt(offsets, 9.9)).toBe(0);
    expect(indexAt(offsets, 10)).toBe(1);
    expect(indexAt(offsets, 35)).toBe(3);
  });
  it("clamps outside the list", () => {
    expect(indexAt(offsets, -100)).toBe(0);
    expect(indexAt(offsets, 40)).toBe(3);
    expect(indexAt(offsets, 1e9)).toBe(3);
    expect(indexAt(new Float64Array([0]), 5)).toBe(-1);
  });
});

describe("computeWindow", () => {
  it("renders the viewport plus overscan, with spacers for the rest", () => {
    const w = computeWindow({
      scrollTop: 1000,
      viewportHeight: 500,
      keys: keysOf(100),
      heights: new Map(),
      estimate: 50,
      overscan: 100,
    });
    // Visible 1000..1500, overscan 900..1600: rows 18..31.
    expect(w).toEqual({ start: 18, end: 32, padTop: 900, padBottom: 5000 - 1600, total: 5000 });
  });

  it("keeps padTop + rendered heights + padBottom equal to the total", () => {
    const heights = new Map<RowKey, number>();
    for (let i = 0; i < 200; i += 3) heights.set(`r${i}`, 20 + (i % 7) * 13);
    const keys = keysOf(200);
    const offsets = buildOffsets(keys, heights, 40);
    for (const scrollTop of [0, 17, 333, 2500, 5000, 9999]) {
      const w = windowFromOffsets(offsets, scrollTop, 400, 200);
      const rendered = offsets[w.end] - offsets[w.start];
      expect(w.padTop + rendered + w.padBottom).toBeCloseTo(w.total);
      expect(w.start).toBeLessThan(w.end);
      expect(w.end).toBeLessThanOrEqual(200);
    }
  });

  it("renders from the first row at the top and up to the last at the bottom", () => {
    const keys = keysOf(1000);
    const top = computeWindow({ scrollTop: 0, viewportHeight: 300, keys, heights: new Map(), estimate: 30, overscan: 60 });
    expect(top.start).toBe(0);
    expect(top.padTop).toBe(0);
    expect(top.end).toBe(12);
    const bottom = computeWindow({ scrollTop: 30000 - 300, viewportHeight: 300, keys, heights: new Map(), estimate: 30, overscan: 60 });
    expect(bottom.end).toBe(1000);
    expect(bottom.padBottom).toBe(0);
    expect(bottom.start).toBe(988);
  });

  it("uses measured heights where known", () => {
    const heights = new Map<RowKey, number>([
      ["r0", 500],
      ["r1", 500],
    ]);
    const w = computeWindow({ scrollTop: 600, viewportHeight: 100, keys: keysOf(10), heights, estimate: 50, overscan: 0 });
    expect(w.start).toBe(1);
    expect(w.end).toBe(2);
    expect(w.padTop).toBe(500);
  });

  it("handles an empty list and a zero-height viewport", () => {
    expect(computeWindow({ scrollTop: 0, viewportHeight: 500, keys: [], heights: new Map(), estimate: 50, overscan: 100 })).toEqual(
      { start: 0, end: 0, padTop: 0, padBottom: 0, total: 0 },
    );
    const w = computeWindow({ scrollTop: 0, viewportHeight: 0, keys: keysOf(5), heights: new Map(), estimate: 50, overscan: 0 });
    expect(w.end - w.start).toBe(1);
  });

  it("stays small and fast for 100,000 rows", () => {
    const keys = keysOf(100_000);
    const heights = new Map<RowKey, number>();
    for (let i = 0; i < 100_000; i += 2) heights.set(keys[i], 40 + (i % 5) * 20);
    const started = performance.now();
    const offsets = buildOffsets(keys, heights, 64);
    let rendered = 0;
    for (let s = 0; s < offsets[100_000]; s += offsets[100_000] / 500) {
      const w = windowFromOffsets(offsets, s, 800, 800);
      rendered = Math.max(rendered, w.end - w.start);
    }
    expect(rendered).toBeLessThan(80);
    // Generous: a single O(n) pass plus 500 binary searches.
    expect(performance.now() - started).toBeLessThan(2000);
  });
});

describe("visibleRange", () => {
  it("lists the rows that intersect the viewport, not the overscan", () => {
    const offsets = buildOffsets(keysOf(100), new Map(), 50);
    expect(visibleRange(offsets, 120, 200)).toEqual({ first: 2, last: 6 });
    expect(visibleRange(offsets, 100, 200)).toEqual({ first: 2, last: 5 });
    expect(visibleRange(offsets, 0, 0)).toBeNull();
    expect(visibleRange(new Float64Array([0]), 0, 100)).toBeNull();
  });
});

describe("scroll anchoring", () => {
  it("keeps the top row in place when older rows are prepended", () => {
    const before = keysOf(50).map((k) => `b${k}`);
    const heights = new Map<RowKey, number>();
    const o1 = buildOffsets(before, heights, 40);
    const anchor = captureAnchor(before, o1, 415)!; // 15 px into row 10
    expect(anchor).toEqual({ key: "br10", delta: 15 });
    const after = [...keysOf(30).map((k) => `a${k}`), ...before];
    const o2 = buildOffsets(after, heights, 40);
    expect(restoreAnchor(anchor, after, o2)).toBe(30 * 40 + 415);
  });

  it("compensates for rows above that get measured", () => {
    const keys = keysOf(20);
    const heights = new Map<RowKey, number>();
    const o1 = buildOffsets(keys, heights, 50);
    const anchor = captureAnchor(keys, o1, 520)!; // row 10, 20 px in
    heights.set("r3", 150); // +100 above
    heights.set("r15", 10); // below: no effect
    const o2 = buildOffsets(keys, heights, 50);
    expect(restoreAnchor(anchor, keys, o2)).toBe(620);
  });

  it("reports a vanished anchor", () => {
    const o = buildOffsets(["x"], new Map(), 10);
    expect(restoreAnchor({ key: "gone", delta: 0 }, ["x"], o)).toBeNull();
    expect(captureAnchor([], new Float64Array([0]), 0)).toBeNull();
  });
});

describe("pruneHeights", () => {
  it("forgets the heights of rows that left the window", () => {
    const heights = new Map<RowKey, number>([
      ["a", 10],
      ["b", 20],
      ["c", 30],
    ]);
    expect(pruneHeights(heights, ["b", "c", "d"])).toBe(1);
    expect([...heights.keys()]).toEqual(["b", "c"]);
    expect(pruneHeights(heights, ["b", "c"])).toBe(0);
    expect(pruneHeights(new Map(), [])).toBe(0);
  });

  it("keeps the anchor in place when rows above it are dropped", () => {
    const keys = keysOf(100);
    const heights = new Map<RowKey, number>(keys.map((k, i) => [k, 20 + (i % 7)]));
    const o1 = buildOffsets(keys, heights, 40);
    const anchor = captureAnchor(keys, o1, o1[70] + 5)!;
    const kept = keys.slice(30);
    pruneHeights(heights, kept);
    expect(heights.size).toBe(70);
    const o2 = buildOffsets(kept, heights, 40);
    expect(restoreAnchor(anchor, kept, o2)).toBe(o2[40] + 5);
  });
});
