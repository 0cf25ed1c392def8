import type { Receiver } from '../../support/receiver.ts';

/** What a receiver got of the accepted events at each matching path: missing, distinct and duplicate deliveries. */
export function deliveryTally(receiver: Receiver, matching: readonly string[], accepted: ReadonlySet<string>) {
  const byPath = (path: string) => receiver.received.filter((request) => request.path === path);
  const deliveredTo = (path: string) => new Set(byPath(path).map((request) => request.json?.event_id as string));
  return {
    byPath,
    /** `path event_id` of each accepted event not yet received at a matching path. */
    missing: () => matching.flatMap((path) => [...accepted].filter((id) => !deliveredTo(path).has(id)).map((id) => `${path} ${id}`)),
    counts: () => {
      const expected = accepted.size * matching.length;
      const received = matching.reduce((sum, path) => sum + byPath(path).length, 0);
      const distinct = matching.reduce((sum, path) => sum + deliveredTo(path).size, 0);
      return { expected, received, distinct, duplicates: received - distinct, lost: expected - distinct };
    },
  };
}
