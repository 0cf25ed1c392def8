import { fastApiErrors } from '../error-formats.ts';
import { createSurface } from '../surface.ts';

export function adminApi() {
  return createSurface(fastApiErrors);
}
