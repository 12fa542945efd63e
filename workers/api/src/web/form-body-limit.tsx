/**
 * The web pages' form posts get the same body limit as /v1 (app.ts MAX_BODY_BYTES): a form is parsed whole
 * (`parseBody`) before its handler runs, so without a limit any POST could make the isolate read and buffer
 * megabytes. The largest real form is a few kilobytes. Over the limit: 413, a page for browsers, JSON otherwise.
 */
import type { Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { errors } from '#shared/errors';
import type { AppEnv } from '../app-env';
import { errorResponse } from '../middleware/error-handler';
import { wantsPage } from './not-found';
import { ErrorPage } from './pages/error';
import { html } from './render';

export const MAX_FORM_BYTES = 64 * 1024;

async function tooLarge(c: Context<AppEnv>): Promise<Response> {
  if (!wantsPage(c)) return errorResponse(c, errors.payloadTooLarge(MAX_FORM_BYTES));
  const message = `That form sent more than ${MAX_FORM_BYTES / 1024} KiB; nothing was saved. Shorten what you typed and try again.`;
  const res = await html(
    c,
    { title: 'Too large', me: null, children: <ErrorPage status={413} message={message} /> },
    413,
  );
  res.headers.set('Cache-Control', 'no-store');
  return res;
}

export const formBodyLimit = () => bodyLimit({ maxSize: MAX_FORM_BYTES, onError: tooLarge });
