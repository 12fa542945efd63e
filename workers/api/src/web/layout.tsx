import { raw } from 'hono/html';
import type { Child } from 'hono/jsx';
import type { Me } from '#shared/schemas/auth';
import { WEB_ASSETS } from './assets';
import { ComboboxInput, ComboboxOptions } from './components';

/**
 * Header links to the pages that exist in this deployment. Pages over an API that another area is still
 * building are added here with their routes (web/index.tsx), never shown as dead links.
 */
export const NAV = {
  public: [{ href: '/leaderboard', label: 'Leaderboard' }] as { href: string; label: string }[],
  signedIn: [
    { href: '/feed', label: 'Feed' },
    { href: '/inbox', label: 'Inbox' },
  ] as { href: string; label: string }[],
};

export interface LayoutProps {
  title: string;
  me: Me | null;
  /** Client scripts this page needs, besides the search box's. */
  scripts?: string[];
  /** Data for the page's client script, as JSON in a non-executed script element. */
  pageData?: unknown;
  description?: string;
  children?: Child;
}

/** JSON that is safe inside a <script> element: no `</script>` or `<!--` can end it early. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

function Header({ me }: { me: Me | null }) {
  return (
    <header class="site-header">
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <a class="brand" href="/">
        <img src={WEB_ASSETS.icon} alt="" width="28" height="28" />
        <span>MySetlist</span>
      </a>
      {/* biome-ignore lint/a11y/useSemanticElements: <search> is too new for the phones we support; role="search" is its equivalent. */}
      <form class="search-box" role="search" action="/search" method="get">
        <label for="site-search" class="visually-hidden">
          Search artists, shows and venues
        </label>
        <ComboboxInput
          id="site-search"
          name="q"
          placeholder="Search artists, venues, cities"
          listId="site-search-suggestions"
        />
        <button type="submit">Search</button>
        <ComboboxOptions listId="site-search-suggestions" label="Suggestions" />
      </form>
      <nav aria-label="Main">
        <ul>
          {NAV.public.map((link) => (
            <li>
              <a href={link.href}>{link.label}</a>
            </li>
          ))}
          {me ? (
            <>
              {NAV.signedIn.map((link) => (
                <li>
                  <a href={link.href}>{link.label}</a>
                </li>
              ))}
              {me.role !== 'fan' ? (
                <li>
                  <a href="/admin">Staff</a>
                </li>
              ) : null}
              <li>
                <a href="/account">{me.displayName}</a>
              </li>
              <li>
                <form method="post" action="/logout" class="inline">
                  <button type="submit" class="link">
                    Log out
                  </button>
                </form>
              </li>
            </>
          ) : (
            <>
              <li>
                <a href="/login">Log in</a>
              </li>
              <li>
                <a href="/signup" class="button small">
                  Sign up
                </a>
              </li>
            </>
          )}
        </ul>
      </nav>
    </header>
  );
}

/** Every page's shell: server-rendered, readable without JavaScript; scripts are deferred modules. */
export function Layout(props: LayoutProps) {
  const scripts = [WEB_ASSETS.searchScript, ...(props.scripts ?? [])];
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content="light" />
        <meta name="theme-color" content="#4b2bd1" />
        <title>{props.title === 'MySetlist' ? props.title : `${props.title} · MySetlist`}</title>
        {props.description ? <meta name="description" content={props.description} /> : null}
        <link rel="icon" href={WEB_ASSETS.icon} type="image/svg+xml" />
        <link rel="stylesheet" href={WEB_ASSETS.css} />
        {scripts.map((src) => (
          <script type="module" src={src}></script>
        ))}
      </head>
      <body>
        <Header me={props.me} />
        <main id="main" tabindex={-1}>
          {props.children}
        </main>
        <footer class="site-footer">
          <p>
            MySetlist · <a href="/docs">API</a>
          </p>
        </footer>
        {props.pageData === undefined ? null : (
          <script type="application/json" id="page-data">
            {raw(scriptJson(props.pageData))}
          </script>
        )}
      </body>
    </html>
  );
}
