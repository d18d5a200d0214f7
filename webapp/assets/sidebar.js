import { icon } from './views.js';

/*
 * The list of the person's conversations kept on the server: newest activity first, more pages as the list is
 * scrolled to its end (the API's cursor), a search (the API's `q`, once typing pauses), and on each entry Pin,
 * Rename (in place) and Delete. A delete is only sent when its Undo toast has expired; Undo cancels it (a page
 * closed meanwhile sends nothing, so the conversation stays). Pinned entries of the pages loaded so far are shown
 * first, under their own heading. Titles are text (textContent), never markup.
 */

const PAGE = 20;
const SEARCH_DELAY_MILLIS = 250;
const UNDO_MILLIS = 5000;
const ICONS = {
  pin: 'M9 4h6l-1 5 3 3v2H7v-2l3-3zM12 14v6',
  rename: 'M4 20h4L19 9l-4-4L4 16zM13.5 6.5l4 4',
  remove: 'M5 7h14M10 7V4h4v3M7 7l1 13h8l1-13',
};

function h(tag, className, text) {
  const node = document.createElement(tag);
  if (className) {
    node.className = className;
  }
  if (text !== undefined) {
    node.textContent = text;
  }
  return node;
}

function button(act, label, d) {
  const b = h('button', 'conv-btn');
  b.type = 'button';
  b.dataset.act = act;
  b.setAttribute('aria-label', label);
  b.title = label;
  b.append(icon(d, 14));
  return b;
}

export class Sidebar {
  /**
   * @param api a ConversationsApi
   * @param dom {root, search, pinned, pinnedList, recentHeading, list, empty, more, toast, toastText, undo}
   * @param on {deleting(id), failed(text)}: a delete begins (the page leaves that conversation), a call failed
   */
  constructor(api, dom, on) {
    this.api = api;
    this.dom = dom;
    this.on = on;
    this.items = [];          // the loaded summaries, in the server's order
    this.cursor = null;
    this.done = false;
    this.query = '';
    this.loading = null;
    this.generation = 0;      // a new search or reload makes the pages still on their way stale
    this.current = null;
    this.pending = new Map(); // id -> {item, timer}: deletes waiting for their toast to expire
    this.lastPending = null;
    this.renaming = null;
    this.searchTimer = 0;

    dom.search.addEventListener('input', () => {
      clearTimeout(this.searchTimer);
      this.searchTimer = setTimeout(() => this.search(dom.search.value.trim()), SEARCH_DELAY_MILLIS);
    });
    dom.root.addEventListener('click', (e) => this.clicked(e));
    dom.undo.addEventListener('click', () => this.undo());
    // the next page when the end of the list comes into view
    this.observer = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting)) {
        this.more();
      }
    }, { root: dom.scroller, rootMargin: '120px' });
    this.observer.observe(dom.more);
  }

  /** Loads the first page again (a search, a reload of the list). */
  async reload() {
    this.generation++;
    this.items = [];
    this.cursor = null;
    this.done = false;
    this.loading = null;
    this.render();
    await this.more();
  }

  search(text) {
    if (text === this.query) {
      return;
    }
    this.query = text;
    this.reload();
  }

  /** The next page, unless one is on its way or there is none. */
  more() {
    if (this.loading || this.done) {
      return this.loading;
    }
    const generation = this.generation;
    this.dom.root.dataset.state = 'loading';
    this.loading = this.api.list({ q: this.query, cursor: this.cursor, limit: PAGE }).then((page) => {
      if (generation !== this.generation) {
        return;
      }
      const known = new Set(this.items.map((i) => i.id));
      for (const c of page.conversations || []) {
        if (!known.has(c.id)) {
          this.items.push(c);
        }
      }
      this.cursor = page.next_cursor || null;
      this.done = !this.cursor;
      this.loading = null;
      this.render();
      this.dom.root.dataset.state = 'ready';
      if (!this.done && this.endInView()) {
        this.more(); // a tall window shows the end of the list already: the observer will not fire again
      }
    }, (error) => {
      if (generation !== this.generation) {
        return;
      }
      this.loading = null;
      this.dom.root.dataset.state = 'error';
      this.on.failed(`The list of conversations could not be loaded (${error.message}).`);
    });
    return this.loading;
  }

  endInView() {
    const box = this.dom.scroller.getBoundingClientRect();
    return this.dom.more.getBoundingClientRect().top < box.bottom + 120;
  }

  /** Marks the conversation shown (aria-current), or none. */
  setCurrent(id) {
    this.current = id;
    for (const li of this.dom.root.querySelectorAll('li.conv')) {
      if (li.dataset.id === id) {
        li.setAttribute('aria-current', 'page');
      } else {
        li.removeAttribute('aria-current');
      }
    }
  }

  /** A conversation just active (a message sent): first in the list, created there when new. */
  touch(summary) {
    if (this.query) {
      return; // a search shows what matched when it ran
    }
    const found = this.items.find((i) => i.id === summary.id);
    const item = { ...(found || {}), ...summary };
    if (!item.title && found) {
      item.title = found.title;
    }
    this.items = [item, ...this.items.filter((i) => i.id !== summary.id)];
    this.render();
  }

  render() {
    if (this.renaming) {
      return; // keep the rename box; the list is drawn again when it closes
    }
    const shown = this.items.filter((i) => !this.pending.has(i.id));
    const pinned = shown.filter((i) => i.pinned);
    const recent = shown.filter((i) => !i.pinned);
    this.dom.pinnedList.replaceChildren(...pinned.map((i) => this.entry(i)));
    this.dom.list.replaceChildren(...recent.map((i) => this.entry(i)));
    this.dom.pinned.hidden = pinned.length === 0;
    this.dom.recentHeading.hidden = pinned.length === 0 || recent.length === 0;
    const empty = shown.length === 0 && this.done;
    this.dom.empty.hidden = !empty;
    this.dom.empty.textContent = this.query ? 'No conversation matches.' : 'No conversations yet.';
  }

  entry(item) {
    const li = h('li', 'conv');
    li.dataset.id = item.id;
    if (item.id === this.current) {
      li.setAttribute('aria-current', 'page');
    }
    const link = h('a', 'conv-link');
    link.href = `#c=${encodeURIComponent(item.id)}`;
    link.append(h('span', 'conv-title', item.title || 'New chat'));
    const updated = item.updated_at ? new Date(item.updated_at) : null;
    if (updated && !Number.isNaN(updated.getTime())) {
      link.title = `${item.title || 'New chat'}\nLast active ${updated.toLocaleString(undefined,
        { dateStyle: 'medium', timeStyle: 'short' })}`;
    }
    const actions = h('span', 'conv-actions');
    const pin = button('pin', item.pinned ? 'Unpin' : 'Pin', ICONS.pin);
    pin.setAttribute('aria-pressed', String(Boolean(item.pinned)));
    actions.append(pin, button('rename', 'Rename', ICONS.rename), button('delete', 'Delete', ICONS.remove));
    li.append(link, actions);
    return li;
  }

  clicked(e) {
    const b = e.target.closest('button[data-act]');
    const li = b && b.closest('li.conv');
    if (!li) {
      return;
    }
    const item = this.items.find((i) => i.id === li.dataset.id);
    if (!item) {
      return;
    }
    switch (b.dataset.act) {
      case 'pin':
        this.pin(item);
        break;
      case 'rename':
        this.rename(li, item);
        break;
      case 'delete':
        this.remove(item);
        break;
      default:
        break;
    }
  }

  async pin(item) {
    const pinned = !item.pinned;
    item.pinned = pinned;
    this.render();
    try {
      await this.api.patch(item.id, { pinned });
    } catch (error) {
      item.pinned = !pinned;
      this.render();
      this.on.failed(`Could not ${pinned ? 'pin' : 'unpin'} the conversation (${error.message}).`);
    }
  }

  /** The title becomes a text box: Enter or leaving it saves, Esc keeps the old title. */
  rename(li, item) {
    const input = h('input', 'conv-rename');
    input.type = 'text';
    input.value = item.title || '';
    input.maxLength = 500;
    input.setAttribute('aria-label', 'New title');
    const link = li.querySelector('.conv-link');
    link.hidden = true;
    li.insertBefore(input, link);
    this.renaming = item.id;
    let closed = false;
    const close = async (save) => {
      if (closed) {
        return;
      }
      closed = true;
      const title = input.value.trim();
      this.renaming = null;
      const before = item.title;
      if (save && title && title !== before) {
        item.title = title;
      }
      this.render();
      this.focusEntry(item.id, '.conv-link');
      if (save && title && title !== before) {
        try {
          await this.api.patch(item.id, { title });
        } catch (error) {
          item.title = before;
          this.render();
          this.on.failed(`Could not rename the conversation (${error.message}).`);
        }
      }
    };
    input.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && !e.isComposing && e.keyCode !== 229) {
        e.preventDefault();
        close(true);
      } else if (e.key === 'Escape') {
        e.preventDefault();
        e.stopPropagation();
        close(false);
      }
    });
    input.addEventListener('blur', () => close(true));
    input.focus();
    input.select();
  }

  focusEntry(id, selector) {
    const li = [...this.dom.root.querySelectorAll('li.conv')].find((l) => l.dataset.id === id);
    const target = li && li.querySelector(selector);
    if (target) {
      target.focus();
    }
  }

  /** Hides the entry and offers Undo; the DELETE goes when the toast expires. */
  remove(item) {
    const timer = setTimeout(() => this.commit(item.id), UNDO_MILLIS);
    this.pending.set(item.id, { item, timer });
    this.lastPending = item.id;
    this.render();
    this.on.deleting(item.id);
    this.dom.toastText.textContent = `Deleted “${item.title || 'New chat'}”.`;
    this.dom.toast.hidden = false;
    this.dom.toast.dataset.id = item.id;
    clearTimeout(this.toastTimer);
    this.toastTimer = setTimeout(() => this.hideToast(), UNDO_MILLIS);
  }

  undo() {
    const id = this.lastPending;
    const entry = id && this.pending.get(id);
    this.hideToast();
    if (!entry) {
      return;
    }
    clearTimeout(entry.timer);
    this.pending.delete(id);
    this.render();
    this.focusEntry(id, '.conv-link');
  }

  hideToast() {
    clearTimeout(this.toastTimer);
    this.dom.toast.hidden = true;
    this.lastPending = null;
  }

  async commit(id) {
    const entry = this.pending.get(id);
    if (!entry) {
      return;
    }
    try {
      await this.api.remove(id);
    } catch (error) {
      if (error.status !== 404) {
        this.pending.delete(id);
        this.render();
        this.on.failed(`Could not delete the conversation (${error.message}).`);
        return;
      }
    }
    this.pending.delete(id);
    this.items = this.items.filter((i) => i.id !== id);
    this.render();
  }

  /** Whether a delete of this conversation waits for its toast. */
  deleting(id) {
    return this.pending.has(id);
  }
}
