/** What the portal says after an action; actions redirect with one of these keys (never free text). */
export const PORTAL_NOTICES = {
  created: { text: 'Endpoint added.', kind: 'ok' },
  updated: { text: 'Endpoint saved.', kind: 'ok' },
  deleted: { text: 'Endpoint deleted: it receives nothing more.', kind: 'ok' },
  'test-succeeded': { text: 'Test event sent: your endpoint accepted it.', kind: 'ok' },
  'test-failed': { text: 'Test event sent: the attempt failed (see below).', kind: 'error' },
  'test-busy': { text: 'The test delivery is being attempted right now; reload in a moment.', kind: 'error' },
} as const satisfies Record<string, { text: string; kind: 'ok' | 'error' }>;

export type PortalNoticeKey = keyof typeof PORTAL_NOTICES;

export const portalNotice = (key: string | undefined) => (key && key in PORTAL_NOTICES ? PORTAL_NOTICES[key as PortalNoticeKey] : undefined);
