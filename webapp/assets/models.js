/**
 * The model picker: a labelled `<select>` filled from `GET {ctx}/api/models`
 * (`{"models":[{"id","default"}]}`), shown only when the server offers more than one model. The choice is kept per
 * browser in `localStorage` and sent as `model` with each new reply; a stored choice the server no longer lists
 * falls back to the server's default. When the list cannot be had (a 503 while the provider is down, no network),
 * the picker stays hidden and replies use the server's default: the chat works without it. Once the list is settled
 * the picker's root carries `data-state`: `shown`, `single` or `unavailable`.
 */
export class ModelPicker {
  constructor({ root, select, apiBase, storageKey, storage = window.localStorage, fetchImpl }) {
    this.root = root;
    this.select = select;
    this.url = `${apiBase}/models`;
    this.storageKey = storageKey;
    this.storage = storage;
    this.fetch = fetchImpl || window.fetch.bind(window);
    this.select.addEventListener('change', () => this.remember(this.select.value));
  }

  /** The model to ask for, or null to leave the choice to the server (no picker shown). */
  get value() {
    return this.root.hidden || !this.select.value ? null : this.select.value;
  }

  /** Fetches the list and shows the picker when there is a choice to make; never rejects. */
  async load() {
    let models;
    try {
      const response = await this.fetch(this.url, { headers: { Accept: 'application/json' }, cache: 'no-store' });
      if (!response.ok) {
        // 503 while the provider cannot list, 401 before sign-in...: no picker, the default model
        this.root.dataset.state = 'unavailable';
        return;
      }
      const body = await response.json();
      models = Array.isArray(body && body.models) ? body.models.filter((m) => m && typeof m.id === 'string') : [];
    } catch (e) {
      this.root.dataset.state = 'unavailable'; // offline, or not JSON (a proxy's page): no picker
      return;
    }
    this.show(models);
  }

  show(models) {
    if (models.length < 2) {
      this.root.hidden = true;
      this.root.dataset.state = 'single';
      return;
    }
    const stored = this.recall();
    const fallback = (models.find((m) => m.default === true) || models[0]).id;
    const chosen = models.some((m) => m.id === stored) ? stored : fallback;
    this.select.replaceChildren(...models.map((m) => {
      const option = document.createElement('option');
      option.value = m.id;
      option.textContent = m.default === true ? `${m.id} (default)` : m.id;
      return option;
    }));
    this.select.value = chosen;
    this.root.hidden = false;
    this.root.dataset.state = 'shown';
  }

  recall() {
    try {
      return this.storage.getItem(this.storageKey);
    } catch (e) {
      return null; // storage disabled: the default each time
    }
  }

  remember(id) {
    try {
      this.storage.setItem(this.storageKey, id);
    } catch (e) {
      // full or disabled storage: the choice lasts until the page is left
    }
  }
}
