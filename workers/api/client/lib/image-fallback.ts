/**
 * An image that fails to load (a host that is down or unreachable, a blocked request) becomes the same
 * placeholder the server renders when there is no image: `<img data-fallback="B">` → `<span class="… placeholder"
 * role="img" aria-label="{alt}">B</span>` of the same size. Without JavaScript the browser shows the alt text.
 */
function swap(img: HTMLImageElement): void {
  const fallback = img.dataset.fallback;
  if (fallback === undefined || !img.isConnected) return;
  const span = document.createElement('span');
  span.className = `${img.className} placeholder`;
  span.style.width = `${img.width}px`;
  span.style.height = `${img.height}px`;
  span.setAttribute('role', 'img');
  span.setAttribute('aria-label', img.alt);
  span.textContent = fallback;
  img.replaceWith(span);
}

export function installImageFallback(doc: Document): void {
  // `error` does not bubble; a capturing listener on the document sees every image's.
  doc.addEventListener(
    'error',
    (event) => {
      if (event.target instanceof HTMLImageElement) swap(event.target);
    },
    true,
  );
  // Images that failed before this script ran.
  for (const img of doc.querySelectorAll<HTMLImageElement>('img[data-fallback]')) {
    if (img.complete && img.naturalWidth === 0 && img.getAttribute('src')) swap(img);
  }
}
