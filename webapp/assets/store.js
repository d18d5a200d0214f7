/**
 * The conversation in `localStorage`, one JSON document under one key per webapp (context path), so it survives
 * a reload. A reply being written is saved together with its stream id and the sequence number of the last event
 * its text includes: after a reload the page attaches with `Last-Event-ID` from exactly there, so nothing is lost
 * or shown twice. Writes are batched (at most one per {@link SAVE_DELAY_MILLIS}) and flushed when the page is
 * hidden or closed.
 *
 * Message shape:
 * `{id, role: 'user'|'assistant', content, reasoning?, tools?, status?, finish?, error?, stream?: {key, id, lastSeq}}`
 * where status is `streaming`, `done`, `stopped`, `error` or `lost`.
 */
const SAVE_DELAY_MILLIS = 300;
const VERSION = 1;

export class ConversationStore {
  constructor(key, storage = window.localStorage) {
    this.key = key;
    this.storage = storage;
    this.messages = [];
    this.timer = 0;
    this.dirty = false;
    this.load();
    const flush = () => this.flush();
    window.addEventListener('pagehide', flush);
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'hidden') {
        flush();
      }
    });
  }

  load() {
    try {
      const doc = JSON.parse(this.storage.getItem(this.key) || 'null');
      if (doc && doc.version === VERSION && Array.isArray(doc.messages)) {
        this.messages = doc.messages.filter((m) => m && (m.role === 'user' || m.role === 'assistant'));
      }
    } catch (e) {
      // unreadable (another version, a hand edit): start afresh rather than not at all
      this.messages = [];
    }
  }

  /** Saves soon. Call after every change. */
  changed() {
    this.dirty = true;
    if (!this.timer) {
      this.timer = setTimeout(() => this.flush(), SAVE_DELAY_MILLIS);
    }
  }

  /** Saves now. Call after a change that must not wait (a message sent, a reply finished). */
  save() {
    this.dirty = true;
    this.flush();
  }

  /**
   * Saves now, when anything changed since the last save: a page that only shows the conversation never writes
   * it, so it cannot overwrite what another tab of the same chat saved meanwhile.
   */
  flush() {
    clearTimeout(this.timer);
    this.timer = 0;
    if (!this.dirty) {
      return;
    }
    this.dirty = false;
    try {
      this.storage.setItem(this.key, JSON.stringify({ version: VERSION, messages: this.messages }));
    } catch (e) {
      // full or disabled storage (private mode): the chat still works, it just will not survive a reload
      console.warn('The conversation could not be saved in this browser:', e);
    }
  }

  clear() {
    this.messages = [];
    this.save();
  }
}
