/**
 * Email through a Resend-style HTTP API: `POST EMAIL_API_URL` with `Authorization: Bearer EMAIL_API_KEY` and
 * `{ from, to, subject, html, text, headers }` (https://resend.com/docs/api-reference/emails/send-email).
 * The RFC 8058 headers make mail clients show a one-click unsubscribe button that POSTs to our link.
 */
import type { RenderedEmail } from '#shared/notifications/templates';
import { callProvider, classifyResponse, type Outcome } from './outcome';

export interface EmailConfig {
  url: string;
  apiKey: string;
  from: string;
}

export interface EmailMessage {
  to: string;
  rendered: RenderedEmail;
  unsubscribeUrl: string;
  /** Sent as the provider's idempotency key: a retried request after a lost answer does not send twice. */
  idempotencyKey: string;
}

export function emailRequest(config: EmailConfig, message: EmailMessage): { url: string; init: RequestInit } {
  return {
    url: config.url,
    init: {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${config.apiKey}`,
        'Content-Type': 'application/json',
        'Idempotency-Key': message.idempotencyKey,
      },
      body: JSON.stringify({
        from: config.from,
        to: [message.to],
        subject: message.rendered.subject,
        html: message.rendered.html,
        text: message.rendered.text,
        headers: {
          'List-Unsubscribe': `<${message.unsubscribeUrl}>`,
          'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
        },
      }),
    },
  };
}

export function sendEmail(fetcher: typeof fetch, config: EmailConfig, message: EmailMessage): Promise<Outcome> {
  const { url, init } = emailRequest(config, message);
  return callProvider(fetcher, url, init, (res) => classifyResponse(res));
}
