/** What the console says after an action; actions redirect with one of these keys. */
export const NOTICES = {
  'retry-succeeded': { text: 'Retried: the receiver accepted the delivery.', kind: 'ok' },
  'retry-failed': { text: 'Retried: the attempt failed again (see the newest attempt below).', kind: 'error' },
  'retry-busy': { text: 'This delivery is being attempted right now; reload in a moment.', kind: 'error' },
  'test-succeeded': { text: 'Test event sent: the receiver accepted it.', kind: 'ok' },
  'test-failed': { text: 'Test event sent: the attempt failed (see below).', kind: 'error' },
  enabled: { text: 'Endpoint enabled: new events will be delivered to it again.', kind: 'ok' },
  disabled: { text: 'Endpoint disabled: no automatic deliveries until it is enabled again.', kind: 'ok' },
  updated: { text: 'Endpoint saved.', kind: 'ok' },
  deleted: { text: 'Endpoint deleted, with its delivery history.', kind: 'ok' },
  'key-revoked': { text: 'API key revoked: requests with it are refused from now on.', kind: 'ok' },
  'portal-revoked': { text: 'Portal access ended: its open sessions are signed out and its unopened links expired.', kind: 'ok' },
  'partner-created': { text: 'AS2 trading partner created.', kind: 'ok' },
  'user-disabled': { text: 'User disabled and signed out everywhere.', kind: 'ok' },
  'sessions-revoked': { text: 'The user’s sessions were revoked: they must sign in again.', kind: 'ok' },
} as const satisfies Record<string, { text: string; kind: 'ok' | 'error' }>;

export type NoticeKey = keyof typeof NOTICES;
