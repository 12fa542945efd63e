const HEADINGS: Record<number, string> = {
  400: 'That address is not valid',
  403: 'This page is not for your account',
  404: 'Page not found',
  413: 'That was too much to send',
  429: 'Too many requests',
  500: 'Something went wrong',
  503: 'MySetlist is having trouble',
};

export function ErrorPage({ status, message }: { status: number; message?: string }) {
  return (
    <section class="error-page">
      <h1>{HEADINGS[status] ?? HEADINGS[500]}</h1>
      <p>{status === 404 ? 'There is nothing at this address. It may have moved, or the link is wrong.' : message}</p>
      <p>
        <a href="/">Back to the home page</a>
      </p>
    </section>
  );
}
