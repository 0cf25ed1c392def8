import { ApiError, type ErrorFormatter, JSON_TOO_DEEP, STATUS_OF } from '../errors.ts';

/**
 * FastAPI's shapes (pages 000 and 001, both FastAPI services): validation errors are 422
 * `{"detail":[{loc,msg,type}]}`, everything else `{"detail":"message"}`.
 */
export const fastApiErrors: ErrorFormatter = (error) => {
  if (error.kind === 'validation') return { status: 422, body: { detail: error.issues } };
  if (error.kind === 'malformed') {
    return { status: 422, body: { detail: [{ loc: ['body'], msg: 'JSON decode error', type: 'json_invalid' }] } };
  }
  if (error.kind === 'unsupported_media_type') {
    return { status: 422, body: { detail: [{ loc: ['body'], msg: 'Input should be a valid JSON object', type: 'model_attributes_type' }] } };
  }
  return { status: STATUS_OF[error.kind], body: { detail: error.message } };
};

const REASON: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/**
 * Page 002 (subscription management) lists bare status codes; hookgate answers them with a small
 * JSON body: `{"status":400,"error":"Bad Request","message":"…","violations":[{"field","message"}]}`.
 * The page lists 400 for any unusable request, so a non-JSON content type answers 400 rather than 415.
 */
export const subscriptionErrors: ErrorFormatter = (error) =>
  subscriptionBody(error.kind === 'unsupported_media_type' ? new ApiError('malformed', 'Content-Type must be application/json') : error);

function subscriptionBody(error: ApiError) {
  const status = STATUS_OF[error.kind];
  const body: Record<string, unknown> = { status, error: REASON[status] ?? 'Error', message: error.message };
  if (error.issues.length) {
    body.violations = error.issues.map((issue) => ({ field: issue.loc.slice(1).join('.'), message: issue.msg }));
  }
  return { status, body };
}

/** Page 003 (legacy AS2): `{"status":"error","msg":"…"}` in Spanish, with a 4xx status. */
export const as2Errors: ErrorFormatter = (error) => ({
  status: STATUS_OF[error.kind],
  body: { status: 'error', msg: as2Message(error) },
});

/** The page names the partner `socio_id` in its error text whatever alias the client sent. */
const AS2_FIELD_NAMES: Record<string, string> = { partner_id: 'socio_id' };

/** A validation issue of this type already carries the AS2 wording (e.g. `Evento no válido: x`) and is sent verbatim. */
const AS2_VERBATIM = 'as2_verbatim';

function as2Message(error: ApiError): string {
  if (error.kind === 'validation') {
    const issue = error.issues[0];
    if (issue?.type === AS2_VERBATIM) return issue.msg;
    if (issue?.type === JSON_TOO_DEEP) return 'JSON con demasiados niveles de anidamiento';
    const field = String(issue?.loc.slice(1).join('.') || 'body');
    const name = AS2_FIELD_NAMES[field] ?? field;
    return issue?.type === 'missing' ? `Campo requerido: ${name}` : `Campo inválido: ${name}`;
  }
  switch (error.kind) {
    case 'malformed':
      return 'JSON inválido';
    case 'unauthorized':
      return 'No autorizado';
    case 'method_not_allowed':
      return 'Método no permitido';
    case 'payload_too_large':
      return 'Cuerpo demasiado grande';
    case 'rate_limited':
      return 'Demasiadas solicitudes';
    case 'unavailable':
      return 'Servicio no disponible temporalmente, reintente más tarde';
    case 'unsupported_media_type':
      return 'Content-Type debe ser application/json';
    case 'internal':
      return 'Error interno';
    default:
      return error.message;
  }
}
