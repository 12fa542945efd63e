/**
 * An accessible as-you-type list (WAI-ARIA combobox with a listbox popup): arrow keys move through the
 * options, Enter picks, Escape closes. Answers to older keystrokes are dropped, so fast typing never shows
 * the options of a previous query.
 */
export interface ComboOption {
  id: string;
  /** What the option is (a search result's type), for the caller's own use. */
  kind?: string;
  label: string;
  detail?: string;
  href?: string;
}

export interface ComboboxOptions {
  input: HTMLInputElement;
  listbox: HTMLElement;
  load: (query: string) => Promise<ComboOption[]>;
  pick: (option: ComboOption) => void;
  minLength?: number;
  debounceMs?: number;
}

export function attachCombobox({ input, listbox, load, pick, minLength = 1, debounceMs = 120 }: ComboboxOptions): {
  close: () => void;
} {
  let options: ComboOption[] = [];
  let active = -1;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let latest = 0;

  const optionId = (i: number) => `${listbox.id}-option-${i}`;
  const close = () => {
    listbox.hidden = true;
    input.setAttribute('aria-expanded', 'false');
    input.removeAttribute('aria-activedescendant');
    active = -1;
  };
  const paint = () => {
    listbox.replaceChildren(
      ...options.map((option, i) => {
        const li = document.createElement('li');
        li.id = optionId(i);
        li.setAttribute('role', 'option');
        li.setAttribute('aria-selected', i === active ? 'true' : 'false');
        li.className = i === active ? 'active' : '';
        const label = document.createElement('span');
        label.textContent = option.label;
        li.append(label);
        if (option.detail) {
          const detail = document.createElement('span');
          detail.className = 'muted small';
          detail.textContent = ` ${option.detail}`;
          li.append(detail);
        }
        // mousedown, not click: picking must happen before the input's blur closes the list.
        li.addEventListener('mousedown', (event) => {
          event.preventDefault();
          choose(i);
        });
        return li;
      }),
    );
    const open = options.length > 0;
    listbox.hidden = !open;
    input.setAttribute('aria-expanded', open ? 'true' : 'false');
    if (active >= 0) input.setAttribute('aria-activedescendant', optionId(active));
    else input.removeAttribute('aria-activedescendant');
  };
  const choose = (i: number) => {
    const option = options[i];
    if (!option) return;
    close();
    pick(option);
  };
  const refresh = async () => {
    const query = input.value.trim();
    const ticket = ++latest;
    if (query.length < minLength) {
      options = [];
      close();
      return;
    }
    try {
      const found = await load(query);
      if (ticket !== latest) return;
      options = found;
      active = -1;
      paint();
    } catch {
      if (ticket === latest) close();
    }
  };

  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(() => void refresh(), debounceMs);
  });
  input.addEventListener('keydown', (event) => {
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      if (options.length === 0) return;
      event.preventDefault();
      const step = event.key === 'ArrowDown' ? 1 : -1;
      active = (active + step + options.length) % options.length;
      paint();
    } else if (event.key === 'Enter' && active >= 0 && !listbox.hidden) {
      event.preventDefault();
      choose(active);
    } else if (event.key === 'Escape') {
      close();
    }
  });
  input.addEventListener('blur', () => setTimeout(close, 100));
  return { close };
}
