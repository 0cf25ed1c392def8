import { fastApiErrors } from '../api/error-formats.ts';
import type { SurfaceName } from '../catalogue.ts';
import type { ErrorFormatter } from '../errors.ts';
import { admin } from './admin.ts';
import { as2 } from './as2.ts';
import { sponsor } from './sponsor.ts';
import { subscriptions } from './subscriptions.ts';
import type { Surface } from './surface.ts';

export type { Surface } from './surface.ts';

/** Every webhook-management API, in the order the app mounts them and the OpenAPI document lists them. */
export const SURFACES: readonly Surface[] = [sponsor, admin, subscriptions, as2];

const byName = new Map<SurfaceName, Surface>(SURFACES.map((surface) => [surface.name, surface]));

/** The surface an endpoint was made through (`endpoints.surface`). */
export const surfaceNamed = (name: SurfaceName): Surface => byName.get(name)!;

/** Is `path` the mount path or below it? */
export const isUnder = (path: string, mountPath: string): boolean => path === mountPath || path.startsWith(`${mountPath}/`);

/** The error format for a path no route matched: its surface's, else FastAPI's (the operator, events and health mounts). */
export const errorFormatForPath = (path: string): ErrorFormatter => SURFACES.find(({ mountPath }) => isUnder(path, mountPath))?.errors ?? fastApiErrors;
