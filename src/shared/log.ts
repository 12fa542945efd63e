/**
 * Structured JSON logs, one object per line, so Workers Logs / Logpush can filter on fields.
 * Every line carries the request id (or trace id across worker → Durable Object → queue).
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
}

function serializeError(err: unknown): unknown {
  if (err instanceof Error) return { name: err.name, message: err.message, stack: err.stack };
  return err;
}

export function createLogger(base: LogFields = {}, sink: (line: string, level: LogLevel) => void = defaultSink): Logger {
  const write = (level: LogLevel, msg: string, fields?: LogFields) => {
    const entry: LogFields = { ts: new Date().toISOString(), level, msg, ...base, ...fields };
    if ('err' in entry) entry.err = serializeError(entry.err);
    sink(JSON.stringify(entry), level);
  };
  return {
    debug: (msg, fields) => write('debug', msg, fields),
    info: (msg, fields) => write('info', msg, fields),
    warn: (msg, fields) => write('warn', msg, fields),
    error: (msg, fields) => write('error', msg, fields),
    child: (fields) => createLogger({ ...base, ...fields }, sink),
  };
}

function defaultSink(line: string, level: LogLevel): void {
  if (level === 'error') console.error(line);
  else if (level === 'warn') console.warn(line);
  else console.log(line);
}
