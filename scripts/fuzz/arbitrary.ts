/**
 * JSON Schema (as in /v1/openapi.json, OpenAPI 3.1) → fast-check arbitraries: `valid` draws values the schema
 * accepts, `hostile` draws values a careless server might choke on (NUL and lone surrogates, numbers beyond
 * every integer type, dates beyond every calendar, forged cursors, wrong types), and `mutated` mixes the two
 * field by field so that a request is mostly valid and wrong in one place, which is what reaches deep code.
 */
import fc from 'fast-check';

export type Schema = {
  $ref?: string;
  type?: string | string[];
  format?: string;
  enum?: unknown[];
  const?: unknown;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  items?: Schema;
  minItems?: number;
  maxItems?: number;
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  default?: unknown;
};

const toBase64Url = (text: string) => Buffer.from(text, 'utf8').toString('base64url');

/** Strings that have broken servers: NULs, lone surrogates, huge and odd numbers, far dates, injections. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '',
    ' ',
    '\u0000',
    'ab\u0000cd',
    '\ud800',
    'x\udfffy',
    '%00',
    '1e20',
    '-1',
    '0',
    '2147483648',
    '-2147483649',
    '9223372036854775808',
    '12345678901234567890',
    'NaN',
    'Infinity',
    '1.5',
    '0x10',
    'true',
    'null',
    '[]',
    '{}',
    '+275760-09-13T00:00:00.000Z',
    '-271821-04-20T00:00:00.000Z',
    '0000-00-00T00:00:00Z',
    '9999-12-31T23:59:59.999Z',
    '10000-01-01T00:00:00Z',
    '2026-02-30T25:61:61Z',
    '00000000-0000-0000-0000-000000000000',
    'ffffffff-ffff-ffff-ffff-ffffffffffff',
    "' or 1=1 --",
    "'; drop table users; --",
    '../../etc/passwd',
    '<script>alert(1)</script>',
    '${7*7}',
    '\\',
    '"',
    'é́́́́',
    '🎸🎸🎸',
    '\u202e',
    'a'.repeat(300),
    'a'.repeat(5000),
  ),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  // Forged cursors: the API's base64url JSON with keys out of every range.
  fc
    .record({
      k: fc.oneof(
        fc.constantFrom(
          '1e20',
          '12345678901234567890',
          '+275760-09-13T00:00:00.000Z',
          'a\u0000b',
          'unscored',
          'NaN',
          '',
        ),
        fc.string({ maxLength: 30 }),
        fc.double().map(String),
      ),
      id: fc.oneof(fc.uuid(), fc.string({ maxLength: 40 })),
      s: fc.oneof(
        fc.constantFrom(undefined, 'name', 'popularity', 'trending', 'date', 'all', 'week', 'score', 'at'),
        fc.string({ maxLength: 10 }),
      ),
    })
    .map((cursor) => toBase64Url(JSON.stringify(cursor))),
  fc.string({ maxLength: 60 }).map(toBase64Url),
);

export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  hostileString,
  fc.constantFrom(null, true, false, 0, -1, 1e20, -1e20, 2 ** 31, 2 ** 53, 1.5, Number.MAX_VALUE, [], {}),
  fc.double(),
  fc.integer(),
  fc.array(hostileString, { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 8 }), hostileString, { maxKeys: 3 }),
);

export class SchemaArbitraries {
  #cache = new Map<Schema, fc.Arbitrary<unknown>>();

  constructor(private readonly components: Record<string, Schema>) {}

  resolve(schema: Schema): Schema {
    let s = schema;
    for (let depth = 0; s.$ref && depth < 20; depth++) {
      const name = s.$ref.split('/').pop() ?? '';
      s = this.components[name] ?? {};
    }
    return s;
  }

  /** Values the schema accepts (as far as fast-check can honour formats and patterns). */
  valid(schema: Schema, depth = 0): fc.Arbitrary<unknown> {
    const cached = this.#cache.get(schema);
    if (cached) return cached;
    const arb = this.#valid(this.resolve(schema), depth);
    this.#cache.set(schema, arb);
    return arb;
  }

  #valid(s: Schema, depth: number): fc.Arbitrary<unknown> {
    if (depth > 8) return fc.constant(null);
    if (s.const !== undefined) return fc.constant(s.const);
    if (s.enum) return fc.constantFrom(...s.enum);
    const union = s.anyOf ?? s.oneOf;
    if (union?.length) return fc.oneof(...union.map((u) => this.valid(u, depth + 1)));
    if (s.allOf?.length) return this.valid(s.allOf[0]!, depth + 1);
    const types = Array.isArray(s.type) ? s.type : s.type ? [s.type] : [];
    if (types.length > 1) return fc.oneof(...types.map((type) => this.#valid({ ...s, type }, depth)));
    switch (types[0]) {
      case 'null':
        return fc.constant(null);
      case 'boolean':
        return fc.boolean();
      case 'integer': {
        const min = s.minimum ?? (s.exclusiveMinimum !== undefined ? s.exclusiveMinimum + 1 : -1000);
        const max = s.maximum ?? (s.exclusiveMaximum !== undefined ? s.exclusiveMaximum - 1 : Math.max(min, 0) + 1000);
        return fc.integer({ min: Math.max(min, -(2 ** 31)), max: Math.min(max, 2 ** 31 - 1) });
      }
      case 'number': {
        const min = s.minimum ?? s.exclusiveMinimum ?? -1000;
        const max = s.maximum ?? s.exclusiveMaximum ?? min + 2000;
        return fc.double({ min, max, noNaN: true, noDefaultInfinity: true });
      }
      case 'array': {
        const items = s.items ? this.valid(s.items, depth + 1) : fc.anything();
        return fc.array(items, { minLength: s.minItems ?? 0, maxLength: Math.min(s.maxItems ?? 4, 4) });
      }
      case 'object':
        return this.#object(s, depth, (p) => this.valid(p, depth + 1));
      case 'string':
        return this.#string(s);
      default:
        return s.properties ? this.#object(s, depth, (p) => this.valid(p, depth + 1)) : fc.jsonValue({ maxDepth: 2 });
    }
  }

  #object(s: Schema, _depth: number, field: (p: Schema) => fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
    const props = s.properties ?? {};
    const required = new Set(s.required ?? []);
    const shape = Object.fromEntries(Object.entries(props).map(([k, p]) => [k, field(p)]));
    const requiredKeys = Object.keys(props).filter((k) => required.has(k));
    return fc.record(shape, { requiredKeys });
  }

  #string(s: Schema): fc.Arbitrary<string> {
    const minLength = s.minLength ?? 0;
    const maxLength = Math.max(minLength, Math.min(s.maxLength ?? 40, 200));
    switch (s.format) {
      case 'uuid':
        return fc.uuid();
      case 'email':
        return fc.emailAddress();
      case 'date-time':
        return fc
          .date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2035-01-01T00:00:00Z'), noInvalidDate: true })
          .map((d) => d.toISOString());
      case 'date':
        return fc
          .date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2035-01-01T00:00:00Z'), noInvalidDate: true })
          .map((d) => d.toISOString().slice(0, 10));
      case 'uri':
      case 'url':
        return fc.webUrl();
    }
    if (s.pattern) {
      try {
        // Cut to the maximum length rather than filtered (a filter can spin for ever on a rare match); a cut
        // value that no longer matches is one more invalid input.
        return fc.stringMatching(new RegExp(s.pattern), { size: 'xsmall' }).map((x) => x.slice(0, s.maxLength ?? 200));
      } catch {
        // a pattern JavaScript cannot compile: plain strings
      }
    }
    return fc.string({ minLength, maxLength });
  }

  /** A value of the schema with, now and then, one field (at any depth) replaced by a hostile value. */
  mutated(schema: Schema, depth = 0): fc.Arbitrary<unknown> {
    const s = this.resolve(schema);
    if (depth > 6) return hostileValue;
    const types = Array.isArray(s.type) ? s.type : s.type ? [s.type] : [];
    if (types.includes('object') && s.properties) {
      return fc.oneof(
        {
          weight: 3,
          arbitrary: this.#object(s, depth, (p) =>
            fc.oneof({ weight: 4, arbitrary: this.valid(p) }, this.mutated(p, depth + 1)),
          ),
        },
        { weight: 1, arbitrary: hostileValue },
        // Unknown extra fields, and required fields missing.
        {
          weight: 1,
          arbitrary: fc
            .tuple(this.valid(s), fc.dictionary(fc.string({ maxLength: 10 }), hostileValue, { maxKeys: 3 }))
            .map(([v, extra]) => ({ ...(v as object), ...extra })),
        },
        { weight: 1, arbitrary: fc.constant({}) },
      );
    }
    if (types.includes('array') && s.items) {
      return fc.oneof(
        fc.array(this.mutated(s.items, depth + 1), { maxLength: 3 }),
        hostileValue,
        fc.array(fc.constant(1), { minLength: 101, maxLength: 150 }),
      );
    }
    return fc.oneof({ weight: 1, arbitrary: this.valid(s) }, { weight: 2, arbitrary: hostileValue });
  }
}

/** One draw from an arbitrary, reproducible from the run's seed and the draw's index. */
export function draw<T>(arb: fc.Arbitrary<T>, seed: number): T {
  return fc.sample(arb, { numRuns: 1, seed })[0] as T;
}
