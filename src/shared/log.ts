/**
 * Structured JSON logs, one object per line, so Workers Logs / Logpush can filter on fields.
 * Every line written while a trace is current (a request, a room's RPC call or message, a queue message: see
 * trace/context.ts) carries its W3C `traceId`, so one id finds a vote's lines in every worker.
 */
import { currentTrace } from './trace/context';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
}

/** Errors from other realms (the driver, RPC) fail `instanceof Error`; keep only the useful fields. */
function serializeError(err: unknown): unknown {
  if (err && typeof err === 'object') {
    const e = err as { name?: unknown; message?: unknown; code?: unknown; stack?: unknown };
    return { name: e.name, message: e.message, code: e.code, stack: e.stack };
  }
  return err;
}

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export function parseLogLevel(value: string | undefined): LogLevel {
  return value && value in RANK ? (value as LogLevel) : 'info';
}

export function createLogger(
  base: LogFields = {},
  options: { level?: LogLevel; sink?: (line: string, level: LogLevel) => void } = {},
): Logger {
  const min = RANK[options.level ?? 'info'];
  const sink = options.sink ?? defaultSink;
  const write = (level: LogLevel, msg: string, fields?: LogFields) => {
    if (RANK[level] < min) return;
    const traceId = currentTrace()?.traceId;
    const entry: LogFields = {
      ts: new Date().toISOString(),
      level,
      msg,
      ...(traceId ? { traceId } : {}),
      ...base,
      ...fields,
    };
    if ('err' in entry) entry.err = serializeError(entry.err);
    sink(JSON.stringify(entry), level);
  };
  return {
    debug: (msg, fields) => write('debug', msg, fields),
    info: (msg, fields) => write('info', msg, fields),
    warn: (msg, fields) => write('warn', msg, fields),
    error: (msg, fields) => write('error', msg, fields),
    child: (fields) => createLogger({ ...base, ...fields }, options),
  };
}

function defaultSink(line: string, level: LogLevel): void {
  if (level === 'error') console.error(line);
  else if (level === 'warn') console.warn(line);
  else console.log(line);
}
