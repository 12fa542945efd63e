import type { ShowSummary } from '#shared/schemas/shows';

/** A show's start in the venue's own time zone: what is on the ticket. */
export function showDate(startsAt: string, timeZone: string): string {
  try {
    return dateFormatIn(timeZone).format(new Date(startsAt));
  } catch {
    return new Date(startsAt).toUTCString();
  }
}

/**
 * One formatter per time zone for the isolate's life: making an Intl.DateTimeFormat loads locale and zone data,
 * and a page of 50 shows made 50 of them (the largest item in a signed-in page's CPU profile, bench/system).
 */
const dateFormats = new Map<string, Intl.DateTimeFormat>();
function dateFormatIn(timeZone: string): Intl.DateTimeFormat {
  let format = dateFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone });
    // Venues' zones are a few hundred at most; a bound keeps a bad row from growing the map without limit.
    if (dateFormats.size < 1000) dateFormats.set(timeZone, format);
  }
  return format;
}

const STATUS_LABEL: Record<ShowSummary['status'], string> = {
  upcoming: 'Upcoming',
  live: 'Live now',
  completed: 'Played',
  cancelled: 'Cancelled',
};

export function StatusBadge({ status }: { status: ShowSummary['status'] }) {
  return <span class={`badge badge-${status}`}>{STATUS_LABEL[status]}</span>;
}

export function ShowCard({ show, showArtist = true }: { show: ShowSummary; showArtist?: boolean }) {
  return (
    <li class="card show-card">
      <a href={`/shows/${show.slug}`}>
        <strong>{showArtist ? show.artist.name : show.venue.name}</strong>
        <span class="muted">
          {showArtist ? `${show.venue.name}, ${show.venue.city}` : `${show.venue.city}, ${show.venue.country}`}
        </span>
        <time datetime={show.startsAt}>{showDate(show.startsAt, show.venue.timeZone)}</time>
      </a>
      <StatusBadge status={show.status} />
    </li>
  );
}

export function ShowList({
  shows,
  showArtist = true,
  empty,
}: {
  shows: ShowSummary[];
  showArtist?: boolean;
  empty: string;
}) {
  if (shows.length === 0) return <p class="muted">{empty}</p>;
  return (
    <ul class="cards">
      {shows.map((show) => (
        <ShowCard show={show} showArtist={showArtist} />
      ))}
    </ul>
  );
}

export interface ArtistLike {
  slug: string;
  name: string;
  genres: string[];
  imageUrl: string | null;
}

export function ArtistPhoto({ artist, size }: { artist: ArtistLike; size: number }) {
  // Fixed width and height: the page does not move when the photo arrives.
  return artist.imageUrl ? (
    <img
      class="artist-photo"
      src={artist.imageUrl}
      alt={artist.name}
      data-fallback={artist.name.slice(0, 1)}
      width={size}
      height={size}
      loading="lazy"
    />
  ) : (
    <span class="artist-photo placeholder" style={`width:${size}px;height:${size}px`} aria-hidden="true">
      {artist.name.slice(0, 1)}
    </span>
  );
}

export function ArtistCard({ artist }: { artist: ArtistLike }) {
  return (
    <li class="card artist-card">
      <a href={`/artists/${artist.slug}`}>
        <ArtistPhoto artist={artist} size={56} />
        <span>
          <strong>{artist.name}</strong>
          <span class="muted">{artist.genres.slice(0, 3).join(', ')}</span>
        </span>
      </a>
    </li>
  );
}

/**
 * The two halves of an ARIA combobox (client/lib/combobox.ts fills and drives them): the search input, and the
 * listbox of its options (`listId`), hidden until there are some.
 */
export function ComboboxInput(props: { id: string; listId: string; placeholder: string; name?: string }) {
  return (
    <input
      id={props.id}
      name={props.name}
      type="search"
      placeholder={props.placeholder}
      autocomplete="off"
      role="combobox"
      aria-autocomplete="list"
      aria-expanded="false"
      aria-controls={props.listId}
    />
  );
}

export function ComboboxOptions({ listId, label }: { listId: string; label: string }) {
  // biome-ignore lint/a11y/noNoninteractiveElementToInteractiveRole: the ARIA combobox pattern: a list of options the input controls.
  return <ul id={listId} class="suggestions" role="listbox" aria-label={label} hidden></ul>;
}

/** A table's header row: one column header per name. */
export function TableHead({ columns }: { columns: readonly string[] }) {
  return (
    <thead>
      <tr>
        {columns.map((name) => (
          <th scope="col">{name}</th>
        ))}
      </tr>
    </thead>
  );
}

/** A form-submitted action's outcome, announced to screen readers. */
export function Flash({ notice, error }: { notice?: string | undefined; error?: string | undefined }) {
  return (
    <>
      {notice ? (
        <p class="flash notice" role="status">
          {notice}
        </p>
      ) : null}
      {error ? (
        <p class="flash error" role="alert">
          {error}
        </p>
      ) : null}
    </>
  );
}
