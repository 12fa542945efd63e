/**
 * Message templates per kind, channel family and language. A recipient's locale falls back to its base
 * language ("de-AT" → "de"), then to English; dates are formatted in the recipient's time zone.
 *
 * Channels share text: in-app and push show a title and a short body, email adds a longer text and HTML.
 */
import type { NotificationChannel, NotificationKind } from '../schemas/notifications';

export const LANGUAGES = ['en', 'de'] as const;
export type Language = (typeof LANGUAGES)[number];

/** The fields templates read; each trigger fills in what it knows (see the consumer's fan-out context). */
export interface TemplateData {
  artistName?: string;
  venueName?: string;
  city?: string;
  startsAt?: string;
  showSlug?: string;
  songTitle?: string;
  milestone?: number;
  points?: number;
  songsHit?: number;
  songsVoted?: number;
  /** The crowd's prediction score for the show, 0–1. */
  accuracy?: number;
}

export interface Rendered {
  title: string;
  body: string;
}
export interface RenderedEmail extends Rendered {
  subject: string;
  text: string;
  html: string;
}

interface Phrases {
  title: (d: Required<Pick<TemplateData, 'artistName'>> & TemplateData, when: string) => string;
  body: (d: TemplateData, when: string) => string;
}

type Catalogue = Record<NotificationKind, Phrases>;

const en: Catalogue = {
  show_announced: {
    title: (d) => `${d.artistName} announced a show`,
    body: (d, when) => `${d.artistName} plays ${d.venueName}, ${d.city} on ${when}. Predict the setlist!`,
  },
  voting_open: {
    title: (d) => `Voting is open: ${d.artistName}`,
    body: (d, when) => `Vote for the songs you expect at ${d.venueName} (${when}).`,
  },
  show_starting: {
    title: (d) => `${d.artistName} is on stage`,
    body: (d) => `The show at ${d.venueName} is starting. Follow the setlist live.`,
  },
  setlist_published: {
    title: (d) => `The setlist of ${d.artistName} is out`,
    body: (d) =>
      d.songsVoted
        ? `${d.songsHit ?? 0} of the ${d.songsVoted} songs you voted for were played: ${d.points ?? 0} points.`
        : `See what was played at ${d.venueName}${d.accuracy === undefined ? '' : ` — the crowd predicted ${Math.round(d.accuracy * 100)}%`}.`,
  },
  song_milestone: {
    title: (d) => `${d.milestone} votes for "${d.songTitle}"`,
    body: (d) => `The song you added to ${d.artistName}'s setlist reached ${d.milestone} votes.`,
  },
};

const de: Catalogue = {
  show_announced: {
    title: (d) => `${d.artistName} hat ein Konzert angekündigt`,
    body: (d, when) => `${d.artistName} spielt am ${when} in ${d.venueName}, ${d.city}. Sag die Setlist voraus!`,
  },
  voting_open: {
    title: (d) => `Abstimmung geöffnet: ${d.artistName}`,
    body: (d, when) => `Stimme für die Songs, die du in ${d.venueName} erwartest (${when}).`,
  },
  show_starting: {
    title: (d) => `${d.artistName} steht auf der Bühne`,
    body: (d) => `Das Konzert in ${d.venueName} beginnt. Verfolge die Setlist live.`,
  },
  setlist_published: {
    title: (d) => `Die Setlist von ${d.artistName} ist da`,
    body: (d) =>
      d.songsVoted
        ? `${d.songsHit ?? 0} von ${d.songsVoted} Songs, für die du gestimmt hast, wurden gespielt: ${d.points ?? 0} Punkte.`
        : `Sieh nach, was in ${d.venueName} gespielt wurde${d.accuracy === undefined ? '' : ` — die Fans lagen zu ${Math.round(d.accuracy * 100)} % richtig`}.`,
  },
  song_milestone: {
    title: (d) => `${d.milestone} Stimmen für „${d.songTitle}“`,
    body: (d) =>
      `Der Song, den du zur Setlist von ${d.artistName} hinzugefügt hast, hat ${d.milestone} Stimmen erreicht.`,
  },
};

const CATALOGUES: Record<Language, Catalogue> = { en, de };

const FOOTER: Record<Language, { open: string; unsubscribe: string; why: string }> = {
  en: {
    open: 'Open MySetlist',
    unsubscribe: 'Unsubscribe from these emails',
    why: 'You receive this because of your MySetlist notification settings.',
  },
  de: {
    open: 'MySetlist öffnen',
    unsubscribe: 'Diese E-Mails abbestellen',
    why: 'Du erhältst diese E-Mail wegen deiner Benachrichtigungseinstellungen bei MySetlist.',
  },
};

/** "de-AT" → "de"; unknown languages → "en". */
export function languageOf(locale: string | null | undefined): Language {
  const base = (locale ?? 'en').toLowerCase().split('-')[0];
  return (LANGUAGES as readonly string[]).includes(base ?? '') ? (base as Language) : 'en';
}

/** A show's date and time in the recipient's zone and language, e.g. "Sat, 12 Sept 2026, 20:00 CEST". */
export function formatWhen(iso: string | undefined, locale: string, timeZone: string): string {
  if (!iso) return '';
  const date = new Date(iso);
  const options: Intl.DateTimeFormatOptions = { dateStyle: 'medium', timeStyle: 'short', timeZone };
  try {
    return (
      new Intl.DateTimeFormat(locale, { ...options, timeZoneName: undefined }).format(date) +
      ` (${zoneName(date, locale, timeZone)})`
    );
  } catch {
    return new Intl.DateTimeFormat('en', { ...options, timeZone: 'UTC' }).format(date) + ' (UTC)';
  }
}

function zoneName(date: Date, locale: string, timeZone: string): string {
  return (
    new Intl.DateTimeFormat(locale, { timeZone, timeZoneName: 'short' })
      .formatToParts(date)
      .find((p) => p.type === 'timeZoneName')?.value ?? timeZone
  );
}

export interface Recipient {
  locale: string;
  timeZone: string;
}

export function renderShort(kind: NotificationKind, data: TemplateData, recipient: Recipient): Rendered {
  const language = languageOf(recipient.locale);
  const phrases = CATALOGUES[language][kind];
  const when = formatWhen(data.startsAt, recipient.locale, recipient.timeZone);
  const d = { artistName: '', ...data };
  return { title: phrases.title(d, when), body: phrases.body(d, when) };
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

export function renderEmail(
  kind: NotificationKind,
  data: TemplateData,
  recipient: Recipient,
  links: { open: string; unsubscribe: string },
): RenderedEmail {
  const short = renderShort(kind, data, recipient);
  const footer = FOOTER[languageOf(recipient.locale)];
  const text = `${short.body}\n\n${footer.open}: ${links.open}\n\n--\n${footer.why}\n${footer.unsubscribe}: ${links.unsubscribe}\n`;
  const html =
    `<!doctype html><html lang="${languageOf(recipient.locale)}"><body style="font-family:sans-serif">` +
    `<h1 style="font-size:20px">${escapeHtml(short.title)}</h1><p>${escapeHtml(short.body)}</p>` +
    `<p><a href="${escapeHtml(links.open)}">${escapeHtml(footer.open)}</a></p>` +
    `<hr><p style="font-size:12px;color:#666">${escapeHtml(footer.why)} <a href="${escapeHtml(links.unsubscribe)}">${escapeHtml(footer.unsubscribe)}</a></p>` +
    `</body></html>`;
  return { ...short, subject: short.title, text, html };
}

/** Which template family a channel uses. */
export const channelFamily = (channel: NotificationChannel): 'short' | 'email' =>
  channel === 'email' ? 'email' : 'short';
