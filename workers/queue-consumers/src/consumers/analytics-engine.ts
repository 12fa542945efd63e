import type { AnalyticsEvent } from '#shared/schemas/events';

/** Workers Analytics Engine accepts at most 25 data points per invocation (platform notes). */
export const MAX_DATA_POINTS = 25;

/**
 * A batch of events as Analytics Engine data points: one point per (kind, show) with the number of events as
 * its double, so a batch of 100 fits in the per-invocation limit. When a batch has more groups than that, the
 * smallest ones are merged into one point per kind with an empty show blob, so every event is still counted.
 *
 * Schema of a point: index = kind; blobs = [kind, showId or '']; doubles = [events]. Query with
 * `SUM(_sample_interval * double1)` grouped by blob1/blob2.
 */
export function toDataPoints(events: Pick<AnalyticsEvent, 'kind' | 'showId'>[]): AnalyticsEngineDataPoint[] {
  const groups = new Map<string, { kind: string; showId: string; events: number }>();
  for (const e of events) {
    const showId = e.showId ?? '';
    const key = `${e.kind} ${showId}`;
    const group = groups.get(key) ?? { kind: e.kind, showId, events: 0 };
    group.events++;
    groups.set(key, group);
  }
  let sorted = [...groups.values()].sort((a, b) => b.events - a.events);
  if (sorted.length > MAX_DATA_POINTS) {
    const kept = new Map<string, { kind: string; showId: string; events: number }>();
    const byKind = new Map<string, number>();
    for (const g of sorted) byKind.set(g.kind, (byKind.get(g.kind) ?? 0) + 0);
    const room = Math.max(0, MAX_DATA_POINTS - byKind.size);
    sorted.forEach((g, i) => {
      if (i < room) kept.set(`${g.kind} ${g.showId}`, g);
      else byKind.set(g.kind, byKind.get(g.kind)! + g.events);
    });
    sorted = [
      ...kept.values(),
      ...[...byKind].filter(([, n]) => n > 0).map(([kind, n]) => ({ kind, showId: '', events: n })),
    ];
  }
  return sorted.map((g) => ({ indexes: [g.kind.slice(0, 96)], blobs: [g.kind, g.showId], doubles: [g.events] }));
}

/** Writes the points when the binding exists (it is optional: absent in a config without it). */
export function writeDataPoints(
  dataset: AnalyticsEngineDataset | undefined,
  events: Pick<AnalyticsEvent, 'kind' | 'showId'>[],
): number {
  if (!dataset || !events.length) return 0;
  const points = toDataPoints(events);
  for (const point of points) dataset.writeDataPoint(point);
  return points.length;
}
