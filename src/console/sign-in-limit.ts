import { createRateLimiter, type RateLimiter } from '../lib/rate-limiter.ts';

/** Credential sign-ins per minute, all users together (in memory, per process or isolate); pasted tokens are not limited. */
const PASSWORD_SIGN_INS_PER_MINUTE = 10;

/**
 * The console's limiter of password sign-ins. Apart from the console's pages, so that the process
 * state that holds it (runtime/create-services.ts) does not load the console in a worker process.
 */
export const signInLimiter = (now: () => number): RateLimiter => createRateLimiter(PASSWORD_SIGN_INS_PER_MINUTE, now);
