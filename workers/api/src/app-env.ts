import type { Logger } from '#shared/log';
import type { Me } from '#shared/schemas/auth';
import type { TraceContext } from '#shared/trace/context';
import type { TraceHop } from '#shared/trace/spans';
import type { RequestDatabase } from './middleware/database';
import type { ReadLimit } from './middleware/rate-limit';
import type { HomeRegion } from './residency/region';

/** The authenticated caller, resolved once per request by the session middleware. */
export interface Caller {
  user: Me;
  sessionId: string;
  /** `eu`: the caller's account and sessions are in the EU database (workers/api/src/residency). */
  homeRegion?: HomeRegion;
}

/** Hono's generic environment for this worker: `Env` comes from `wrangler types`. */
export interface AppEnv {
  Bindings: Env;
  Variables: {
    requestId: string;
    log: Logger;
    /** The request's W3C trace (middleware/request-context): its span is the api's hop. */
    trace: TraceContext;
    /** Hops of this request recorded after the response when the trace is sampled. */
    traceHops: TraceHop[];
    database: RequestDatabase;
    caller: Caller | null;
    /** Set by the rate limiter for anonymous reads; the response cache says whether it answered (rate-limit). */
    readLimit: ReadLimit | undefined;
  };
}
