import type { JsonResponse } from '../../support/server.ts';

/** Which wire format a path's errors use (see src/api/error-formats.ts). */
export type ErrorFormat = 'fastapi' | 'subscription' | 'as2';

export function formatOfPath(path: string): ErrorFormat {
  if (path.startsWith('/subscription-management')) return 'subscription';
  if (/^\/api\/v1\/webhooks(\/|\?|$)/.test(path)) return 'as2';
  return 'fastapi';
}

const isIssue = (value: unknown) => {
  const issue = value as { loc?: unknown; msg?: unknown; type?: unknown };
  return Array.isArray(issue?.loc) && typeof issue.msg === 'string' && typeof issue.type === 'string';
};

/**
 * Why an error response is not in the surface's format, or null when it is:
 * FastAPI `{"detail": "…" | [{loc,msg,type}]}`; page 002 `{status,error,message[,violations]}`
 * with `status` equal to the HTTP status; page 003 exactly `{"status":"error","msg":"…"}`.
 */
export function errorShapeProblem(format: ErrorFormat, response: JsonResponse): string | null {
  const body = response.body as Record<string, unknown> | null;
  if (!response.headers.get('content-type')?.includes('application/json')) return `content-type ${response.headers.get('content-type')}`;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return 'body is not a JSON object';
  const keys = Object.keys(body).sort().join(',');
  switch (format) {
    case 'fastapi': {
      if (keys !== 'detail') return `keys ${keys}`;
      const detail = body.detail;
      if (typeof detail === 'string') return detail.length ? null : 'empty detail';
      return Array.isArray(detail) && detail.length > 0 && detail.every(isIssue) ? null : 'detail is neither a message nor a list of issues';
    }
    case 'subscription': {
      if (keys !== 'error,message,status' && keys !== 'error,message,status,violations') return `keys ${keys}`;
      if (body.status !== response.status) return `status ${String(body.status)} in a ${response.status}`;
      return typeof body.error === 'string' && typeof body.message === 'string' ? null : 'error/message not strings';
    }
    case 'as2':
      if (keys !== 'msg,status') return `keys ${keys}`;
      return body.status === 'error' && typeof body.msg === 'string' && body.msg.length > 0 ? null : 'not {"status":"error","msg":"…"}';
  }
}
