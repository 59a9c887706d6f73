// Pure windowing for long lists of rows with variable heights.
//
// Rows are identified by stable keys; measured heights live in a map keyed
// by row key (so they survive rows being prepended), and rows not measured
// yet count with an estimate. `offsets[i]` is the top of row i and
// `offsets[n]` the total height; every lookup is a binary search, so a
// 100,000-row list costs one O(n) prefix sum per change and O(log n) per
// scroll event.

export type RowKey = string | number;

export interface VirtualWindow {
  /** First rendered row. */
  start: number;
  /** One past the last rendered row. */
  end: number;
  /** Height of the spacer above the rendered rows. */
  padTop: number;
  /** Height of the spacer below the rendered rows. */
  padBottom: number;
  /** Height of all rows. */
  total: number;
}

/** Prefix sums of the row heights: length `keys.length + 1`. */
export function buildOffsets(
  keys: readonly RowKey[],
  heights: ReadonlyMap<RowKey, number>,
  estimate: number | ((index: number) => number),
): Float64Array {
  const offsets = new Float64Array(keys.length + 1);
  let y = 0;
  for (let i = 0; i < keys.length; i++) {
    offsets[i] = y;
    const measured = heights.get(keys[i]);
    y += measured ?? (typeof estimate === "number" ? estimate : estimate(i));
  }
  offsets[keys.length] = y;
  return offsets;
}

/** The row that contains `y` (clamped to the list); -1 for an empty list. */
export function indexAt(offsets: Float64Array, y: number): number {
  const n = offsets.length - 1;
  if (n <= 0) return -1;
  if (y <= 0) return 0;
  if (y >= offsets[n]) return n - 1;
  // Largest i in [0, n-1] with offsets[i] <= y.
  let lo = 0;
  let hi = n - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (offsets[mid] <= y) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/**
 * The rows to render for a viewport, extended by `overscan` pixels above
 * and below, and the spacer heights that stand in for the others.
 */
export function windowFromOffsets(
  offsets: Float64Array,
  scrollTop: number,
  viewportHeight: number,
  overscan: number,
): VirtualWindow {
  const n = offsets.length - 1;
  const total = offsets[n] ?? 0;
  if (n <= 0) return { start: 0, end: 0, padTop: 0, padBottom: 0, total };
  const top = Math.max(0, scrollTop - overscan);
  const bottom = Math.max(top, scrollTop + Math.max(0, viewportHeight) + overscan);
  const start = indexAt(offsets, top);
  let end = indexAt(offsets, bottom) + 1;
  // A row that starts exactly at the bottom edge is not visible.
  if (end - 1 > start && offsets[end - 1] >= bottom) end -= 1;
  end = Math.min(n, Math.max(end, start + 1));
  return { start, end, padTop: offsets[start], padBottom: total - offsets[end], total };
}

export interface WindowInput {
  scrollTop: number;
  viewportHeight: number;
  keys: readonly RowKey[];
  heights: ReadonlyMap<RowKey, number>;
  /** Height assumed for rows not measured yet. */
  estimate: number | ((index: number) => number);
  /** Extra pixels rendered above and below the viewport. */
  overscan: number;
}

/** One-shot form of `buildOffsets` + `windowFromOffsets`. */
export function computeWindow(input: WindowInput): VirtualWindow {
  const offsets = buildOffsets(input.keys, input.heights, input.estimate);
  return windowFromOffsets(offsets, input.scrollTop, input.viewportHeight, input.overscan);
}

/** The rows whose boxes intersect the viewport (not the overscan): [first, last], or null. */
export function visibleRange(
  offsets: Float64Array,
  scrollTop: number,
  viewportHeight: number,
): { first: number; last: number } | null {
  const n = offsets.length - 1;
  if (n <= 0 || viewportHeight <= 0) return null;
  const first = indexAt(offsets, scrollTop);
  let last = indexAt(offsets, scrollTop + viewportHeight);
  if (last > first && offsets[last] >= scrollTop + viewportHeight) last -= 1;
  return { first, last };
}

/**
 * Forgets the measured heights of rows that are no longer in `keys` (after
 * the loaded window dropped some), so the map stays as small as the window.
 * Returns how many were forgotten. O(heights + keys).
 */
export function pruneHeights(heights: Map<RowKey, number>, keys: readonly RowKey[]): number {
  if (heights.size === 0) return 0;
  const live = new Set<RowKey>(keys);
  let removed = 0;
  for (const key of [...heights.keys()]) {
    if (!live.has(key)) {
      heights.delete(key);
      removed++;
    }
  }
  return removed;
}

/** A row and where the viewport top sits relative to that row's top. */
export interface ScrollAnchor {
  key: RowKey;
  /** `scrollTop - top of the row`. */
  delta: number;
}

/** Remembers the row at the top of the viewport before the rows or heights change. */
export function captureAnchor(
  keys: readonly RowKey[],
  offsets: Float64Array,
  scrollTop: number,
): ScrollAnchor | null {
  const i = indexAt(offsets, scrollTop);
  if (i < 0) return null;
  return { key: keys[i], delta: scrollTop - offsets[i] };
}

/**
 * The scrollTop that keeps the anchor row where it was after the change, or
 * null when the row is gone.
 */
export function restoreAnchor(
  anchor: ScrollAnchor,
  keys: readonly RowKey[],
  offsets: Float64Array,
): number | null {
  const i = keys.indexOf(anchor.key);
  if (i < 0) return null;
  return Math.max(0, offsets[i] + anchor.delta);
}
