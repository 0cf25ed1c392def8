import { as2Errors } from '../error-formats.ts';
import { createSurface } from '../surface.ts';

export function as2Api() {
  return createSurface(as2Errors);
}
