import { subscriptionErrors } from '../error-formats.ts';
import { createSurface } from '../surface.ts';

export function subscriptionApi() {
  return createSurface(subscriptionErrors);
}
