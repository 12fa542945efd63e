/**
 * The show page, live: joins the room's WebSocket (docs/realtime.md), moves the bars as votes arrive, sends
 * this fan's votes with optimistic UI (rolled back on an error ack), and reconnects with resume after the
 * network drops. Works on top of the server-rendered list, which stays readable without this script.
 */

import type { Song } from '#shared/schemas/catalog';
import type { ShowPageData } from '#shared/schemas/pages';
import type { ClientMessage, ServerMessage } from '#shared/schemas/room';
import { attachCombobox } from './lib/combobox';
import { type DisplaySong, RoomState } from './lib/room-state';
import { uuid } from './lib/uuid';

type LinkState = 'connecting' | 'live' | 'reconnecting' | 'offline';
const LINK_LABEL: Record<LinkState, string> = {
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
  offline: 'Offline, waiting for the network…',
};
const STATUS_LABEL: Record<string, string> = {
  upcoming: 'Upcoming',
  live: 'Live now',
  completed: 'Played',
  cancelled: 'Cancelled',
};
/** Silence longer than this means the socket is dead even if it was not closed (the room answers pings). */
const HEARTBEAT_MS = 10_000;
const DEAD_AFTER_MS = 25_000;

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T | null;
const data = JSON.parse($('page-data')?.textContent ?? '{}') as ShowPageData;
const list = $<HTMLOListElement>('setlist')!;
const liveState = $('live-state')!;
const liveLabel = $('live-label')!;
const viewersEl = $('viewers')!;
const votingNotice = $('voting-notice')!;
const errorBox = $('vote-error')!;
const announcer = $('vote-announcer')!;
const addForm = $<HTMLFormElement>('add-song');
const actualSection = $('actual');
const playedList = $<HTMLOListElement>('played-list');
const resultSection = $('result');
const emptyNote = $('setlist-empty');

const state = new RoomState();
// The server-rendered rows are the starting point (and stay if the socket never connects).
for (const li of document.querySelectorAll<HTMLLIElement>('#played-list li')) {
  state.played.push({
    position: Number(li.dataset.position),
    songId: null,
    title: li.textContent ?? '',
    setlistSongId: null,
  });
}
for (const li of list.querySelectorAll<HTMLLIElement>('li.song.played')) {
  const position = Number(/#(\d+)/.exec(li.querySelector('.played-mark')?.textContent ?? '')?.[1]);
  const entry = state.played.find((p) => p.position === position);
  if (entry) entry.setlistSongId = li.dataset.id ?? null;
}
for (const li of list.querySelectorAll<HTMLLIElement>('li.song')) {
  const id = li.dataset.id!;
  state.upsert({
    setlistSongId: id,
    songId: '',
    title: li.querySelector('.title .t')?.textContent ?? '',
    votes: Number(li.dataset.votes ?? 0),
  });
  if (li.classList.contains('mine')) state.mine.add(id);
}
state.votingOpen = list.dataset.canVote === 'true';

// ------------------------------------------------------------------ rendering

function votingNoticeText(): string {
  if (state.locked) return 'A moderator has locked voting for this show.';
  if (state.votingOpen) return 'Voting is open: upvote the songs you expect to hear.';
  if (state.status === 'upcoming') return 'Voting is not open right now.';
  return `Voting is closed: this show is ${state.status === 'live' ? 'live now' : state.status}.`;
}

function rowFor(song: DisplaySong): HTMLLIElement {
  let li = list.querySelector<HTMLLIElement>(`li[data-id="${song.setlistSongId}"]`);
  if (li) return li;
  li = document.createElement('li');
  li.className = 'song';
  li.dataset.id = song.setlistSongId;
  li.innerHTML =
    '<span class="rank" aria-hidden="true"></span><span class="title"><span class="t"></span><span class="played-mark"></span></span><span class="count"><span class="n"></span><span class="visually-hidden"> votes</span></span>' +
    '<span class="bar" aria-hidden="true"><span></span></span><button type="button" class="vote" data-vote=""></button>';
  li.querySelector('.title .t')!.textContent = song.title;
  return li;
}

function renderActual(): void {
  if (playedList) {
    playedList.replaceChildren(
      ...state.played.map((p) => {
        const li = document.createElement('li');
        li.dataset.position = String(p.position);
        li.textContent = p.title;
        return li;
      }),
    );
  }
  if (actualSection) actualSection.hidden = state.played.length === 0;
  const heading = $('actual-title');
  if (heading) heading.textContent = state.result ? 'Actual setlist' : 'Played so far';
  const score = state.result;
  if (resultSection && score) {
    const set = (id: string, text: string) => {
      const el = $(id);
      if (el) el.textContent = text;
    };
    set('result-score', score.score.toFixed(0));
    set('result-hits', String(score.hits));
    set('result-played', String(score.played));
    set('result-top', String(score.topN));
    set('result-precision', `${Math.round(score.precision * 100)} %`);
    set('result-recall', `${Math.round(score.recall * 100)} %`);
    resultSection.hidden = false;
  }
}

function render(): void {
  const playedAt = new Map(
    state.played.flatMap((p) => (p.setlistSongId ? [[p.setlistSongId, p.position] as const] : [])),
  );
  renderActual();
  const rows = state.display();
  const max = Math.max(0, ...rows.map((r) => r.votes));
  const canVote = data.signedIn && state.votingOpen && !state.locked;
  const focused = document.activeElement;
  let previous: Element | null = null;
  rows.forEach((song, i) => {
    const li = rowFor(song);
    li.dataset.votes = String(song.votes);
    li.classList.toggle('mine', song.mine);
    li.classList.toggle('pending', song.pending);
    li.querySelector('.rank')!.textContent = String(i + 1);
    const position = playedAt.get(song.setlistSongId);
    li.classList.toggle('played', position !== undefined);
    const mark = li.querySelector('.played-mark');
    if (mark) mark.textContent = position !== undefined ? ` · played #${position}` : '';
    li.querySelector('.n')!.textContent = String(song.votes);
    (li.querySelector('.bar > span') as HTMLElement).style.transform =
      `scaleX(${(max > 0 ? song.votes / max : 0).toFixed(4)})`;
    const button = li.querySelector<HTMLButtonElement>('button.vote')!;
    button.hidden = !data.signedIn;
    button.disabled = !canVote;
    button.setAttribute('aria-pressed', song.mine ? 'true' : 'false');
    button.setAttribute('aria-label', song.mine ? `Take back your vote for ${song.title}` : `Upvote ${song.title}`);
    button.textContent = song.mine ? '✓ Voted' : '▲ Vote';
    // Move only rows that are out of place: fewer DOM moves, and a focused button keeps its focus below.
    const expected: Element | null = previous ? previous.nextElementSibling : list.firstElementChild;
    if (expected !== li) {
      if (previous) previous.after(li);
      else list.prepend(li);
    }
    previous = li;
  });
  if (focused instanceof HTMLElement && focused !== document.activeElement && list.contains(focused))
    focused.focus({ preventScroll: true });
  if (emptyNote) emptyNote.hidden = rows.length > 0;
  votingNotice.textContent = votingNoticeText();
  const badge = document.querySelector<HTMLElement>('#show-status .badge');
  if (badge && STATUS_LABEL[state.status]) {
    badge.textContent = STATUS_LABEL[state.status]!;
    badge.className = `badge badge-${state.status}`;
  }
  if (addForm) addForm.hidden = !canVote;
  viewersEl.textContent = state.viewers === null ? '–' : String(state.viewers);
}

function setLink(link: LinkState): void {
  liveState.dataset.state = link;
  liveLabel.textContent = LINK_LABEL[link];
}

let errorTimer: ReturnType<typeof setTimeout> | undefined;
function showError(text: string): void {
  errorBox.textContent = text;
  errorBox.hidden = false;
  clearTimeout(errorTimer);
  errorTimer = setTimeout(() => (errorBox.hidden = true), 6000);
}

// Vote changes of other fans, announced politely and at most every 2 s, so screen readers are not flooded.
const toAnnounce = new Set<string>();
let announceTimer: ReturnType<typeof setTimeout> | undefined;
function announce(ids: string[]): void {
  for (const id of ids) toAnnounce.add(id);
  if (announceTimer || toAnnounce.size === 0) return;
  announceTimer = setTimeout(() => {
    announceTimer = undefined;
    const parts = [...toAnnounce].slice(0, 3).flatMap((id) => {
      const song = state.songs.get(id);
      return song ? [`${song.title}: ${song.votes} ${song.votes === 1 ? 'vote' : 'votes'}`] : [];
    });
    toAnnounce.clear();
    announcer.textContent = parts.join('. ');
  }, 2000);
}

// ------------------------------------------------------------------ the socket

let socket: WebSocket | undefined;
let attempt = 0;
let reconnectTimer: ReturnType<typeof setTimeout> | undefined;
let lastHeard = Date.now();
const outbox: ClientMessage[] = [];

function send(message: ClientMessage): void {
  if (socket?.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
  else outbox.push(message);
}

function connect(): void {
  clearTimeout(reconnectTimer);
  if (!navigator.onLine) {
    setLink('offline');
    return;
  }
  const url = new URL(`/v1/shows/${data.showId}/live`, location.href);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  // Resume from the last update seen on this page; the first connect gets a snapshot.
  if (state.seq >= 0) url.searchParams.set('since', String(state.seq));
  const ws = new WebSocket(url);
  socket = ws;
  setLink(attempt === 0 && state.seq < 0 ? 'connecting' : 'reconnecting');
  ws.addEventListener('open', () => {
    attempt = 0;
    lastHeard = Date.now();
    setLink('live');
    // Votes still waiting for an ack are sent again with the same id: the room counts each id once.
    for (const [id, p] of state.pending) ws.send(JSON.stringify({ type: p.kind, id, setlistSongId: p.setlistSongId }));
    for (const message of outbox.splice(0))
      if (message.type !== 'vote' && message.type !== 'unvote') ws.send(JSON.stringify(message));
  });
  ws.addEventListener('message', (event) => {
    lastHeard = Date.now();
    let message: ServerMessage;
    try {
      message = JSON.parse(String(event.data)) as ServerMessage;
    } catch {
      return;
    }
    const applied = state.apply(message);
    if (applied.gap) {
      ws.send(JSON.stringify({ type: 'resume', since: state.seq } satisfies ClientMessage));
      return;
    }
    if (applied.refused) {
      showError(
        applied.refused.pending ? `Your vote did not count: ${applied.refused.message}` : applied.refused.message,
      );
    }
    if (applied.accepted) onAccepted(applied.accepted.ref, applied.accepted.result);
    if (message.type === 'update') announce(applied.changed);
    if (applied.playedNow) announcer.textContent = `Now playing: ${applied.playedNow.title}`;
    if (applied.scored && state.result)
      announcer.textContent = `The prediction scored ${state.result.score.toFixed(0)} out of 100.`;
    render();
  });
  ws.addEventListener('close', () => {
    if (socket !== ws) return;
    socket = undefined;
    if (!navigator.onLine) return setLink('offline');
    setLink('reconnecting');
    const delay = Math.min(8000, 400 * 2 ** attempt++) * (0.5 + Math.random() / 2);
    reconnectTimer = setTimeout(connect, delay);
  });
}

setInterval(() => {
  if (socket?.readyState !== WebSocket.OPEN) return;
  if (Date.now() - lastHeard > DEAD_AFTER_MS) return socket.close();
  // Exactly this text: the room answers it without waking up (docs/realtime.md).
  socket.send('{"type":"ping"}');
}, HEARTBEAT_MS);

window.addEventListener('offline', () => {
  setLink('offline');
  const ws = socket;
  socket = undefined;
  ws?.close();
});
window.addEventListener('online', () => {
  attempt = 0;
  connect();
});

// ------------------------------------------------------------------ voting

list.addEventListener('click', (event) => {
  const button = (event.target as Element).closest<HTMLButtonElement>('button[data-vote]');
  if (!button || button.disabled) return;
  const id = button.closest<HTMLLIElement>('li.song')?.dataset.id;
  if (!id) return;
  const mine = state.display().find((s) => s.setlistSongId === id)?.mine ?? false;
  const messageId = uuid();
  if (!state.begin(messageId, mine ? 'unvote' : 'vote', id)) return;
  errorBox.hidden = true;
  render(); // optimistic: the count and highlight change now
  if (socket?.readyState === WebSocket.OPEN)
    socket.send(
      JSON.stringify({ type: mine ? 'unvote' : 'vote', id: messageId, setlistSongId: id } satisfies ClientMessage),
    );
});

// ------------------------------------------------------------------ adding songs

const addRequests = new Map<string, string>();
function onAccepted(ref: string, result: Record<string, unknown> | undefined): void {
  const title = addRequests.get(ref);
  if (title === undefined) return;
  addRequests.delete(ref);
  if (result && typeof result.setlistSongId === 'string' && typeof result.votes === 'number') {
    state.upsert({
      setlistSongId: result.setlistSongId,
      songId: String(result.songId ?? ''),
      title: String(result.title ?? title),
      votes: result.votes,
    });
  }
  announcer.textContent = result?.repeated === true ? `${title} is already on the setlist.` : `Added ${title}.`;
}

const addInput = $<HTMLInputElement>('add-song-input');
const addOptions = $('add-song-options');
if (addForm && addInput && addOptions) {
  addForm.addEventListener('submit', (event) => event.preventDefault());
  attachCombobox({
    input: addInput,
    listbox: addOptions,
    load: async (q) => {
      const res = await fetch(`/v1/artists/${data.artistId}/songs?q=${encodeURIComponent(q)}&limit=8`, {
        credentials: 'omit',
      });
      if (!res.ok) return [];
      const body = (await res.json()) as { items: Song[] };
      const onList = new Set([...state.songs.values()].map((s) => s.songId));
      return body.items.map((song) => ({
        id: song.id,
        label: song.title,
        ...(onList.has(song.id) ? { detail: '(on the setlist)' } : song.album ? { detail: song.album } : {}),
      }));
    },
    pick: (option) => {
      const id = uuid();
      addRequests.set(id, option.label);
      send({ type: 'add_song', id, songId: option.id });
      addInput.value = '';
    },
  });
}

render();
connect();
