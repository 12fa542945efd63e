/** The import page, live: polls GET /v1/admin/imports/{id} every second until the import is done or failed. */
import type { ImportRecord } from '#shared/schemas/ingest';

const data = JSON.parse(document.getElementById('page-data')?.textContent ?? '{}') as { id: string; status: string };
const box = document.getElementById('import-progress');

function phase(
  name: string,
  p: { done: boolean; inserted: number; updated: number; unchanged: number } | undefined,
): string {
  return p
    ? `${p.done ? 'done' : 'in progress'} · ${p.inserted} new, ${p.updated} updated, ${p.unchanged} unchanged`
    : 'waiting';
}

function draw(record: ImportRecord): void {
  if (!box) return;
  box.dataset.status = record.status;
  const status = document.getElementById('import-status');
  if (status) status.textContent = record.status;
  const set = (name: string, text: string) => {
    const li = box.querySelector(`[data-phase="${name}"]`);
    if (li) li.lastChild!.textContent = `: ${text}`;
  };
  const artist = record.progress.artist;
  set('artist', artist ? `${artist.name}${artist.created ? ' (new)' : ''}` : 'waiting');
  set('catalogue', phase('catalogue', record.progress.catalog));
  set('shows', phase('shows', record.progress.shows));
  if (record.status === 'done' || record.status === 'failed') location.reload(); // the final page has the links and the error
}

async function poll(): Promise<void> {
  try {
    const res = await fetch(`/v1/admin/imports/${data.id}`);
    if (res.ok) draw((await res.json()) as ImportRecord);
  } catch {
    // the next poll tries again
  }
}

if (data.status === 'queued' || data.status === 'running') {
  const timer = setInterval(() => {
    if (box?.dataset.status === 'done' || box?.dataset.status === 'failed') clearInterval(timer);
    else void poll();
  }, 1000);
}
