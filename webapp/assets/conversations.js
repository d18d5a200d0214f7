import { ApiError } from './client.js';

/**
 * The conversations kept on the server (SPEC section 9), as the page uses them: a small client of
 * `{ctx}/api/conversations` whose calls resolve with the parsed body or reject with an {@link ApiError}, and
 * {@link ConversationTree}, the messages of one conversation as the tree they are (`parent_id`), from which the
 * page shows one path at a time.
 *
 * Sending a message and regenerating a reply answer with a stream: those go through `ReplyStream`, with the URLs
 * made here ({@link ConversationsApi#messagesUrl}, {@link ConversationsApi#regenerateUrl}).
 */
export class ConversationsApi {
  constructor(apiBase, fetchImpl) {
    this.base = `${apiBase}/conversations`;
    this.fetch = fetchImpl || window.fetch.bind(window);
  }

  /** One page of the owner's conversations, most recently active first: `{conversations, next_cursor}`. */
  list({ q = '', cursor = null, limit = 20 } = {}) {
    const params = new URLSearchParams({ limit: String(limit) });
    if (q) {
      params.set('q', q);
    }
    if (cursor) {
      params.set('cursor', cursor);
    }
    return this.call('GET', `${this.base}?${params}`);
  }

  create() {
    return this.call('POST', this.base, {});
  }

  get(id) {
    return this.call('GET', this.url(id));
  }

  /** `{title?, pinned?, current_leaf?}`. */
  patch(id, fields) {
    return this.call('PATCH', this.url(id), fields);
  }

  remove(id) {
    return this.call('DELETE', this.url(id));
  }

  messagesUrl(id) {
    return `${this.url(id)}/messages`;
  }

  regenerateUrl(id, messageId) {
    return `${this.url(id)}/messages/${encodeURIComponent(messageId)}/regenerate`;
  }

  url(id) {
    return `${this.base}/${encodeURIComponent(id)}`;
  }

  async call(method, url, body) {
    const init = { method, headers: { Accept: 'application/json' }, cache: 'no-store' };
    if (body !== undefined) {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    const response = await this.fetch(url, init);
    if (!response.ok) {
      throw await ApiError.from(response);
    }
    return response.status === 204 ? null : response.json();
  }
}

/**
 * A stored message in the page's shape (the shape `views.js` shows and `chat.js` follows):
 * `{id, parentId, role, content, reasoning, tools, model, status, streamId, createdAt}`.
 */
export function pageMessage(m) {
  const tools = Array.isArray(m.tool_calls) ? m.tool_calls.map((c) => ({
    id: c && c.id,
    name: String((c && c.function && c.function.name) ?? 'tool'),
    arguments: String((c && c.function && c.function.arguments) ?? ''),
    // a server tool's result, kept with its call; a client tool's call has none
    ...(c && typeof c.result === 'string' ? { result: c.result } : {}),
  })) : [];
  return {
    id: String(m.id),
    parentId: m.parent_id == null ? null : String(m.parent_id),
    role: m.role,
    content: String(m.content ?? ''),
    reasoning: String(m.reasoning ?? ''),
    tools,
    model: m.model,
    status: m.status,
    streamId: m.stream_id || undefined,
    createdAt: m.created_at,
  };
}

/**
 * The messages of one conversation as a tree: children in the order they were made (an edit or a regeneration
 * is a later sibling), the path shown being the one from the root to the current leaf.
 */
export class ConversationTree {
  constructor(messages = []) {
    this.byId = new Map();
    this.children = new Map(); // parent id ('' for the root) -> [message]
    for (const m of messages) {
      this.add(m);
    }
  }

  add(message) {
    this.byId.set(message.id, message);
    const key = message.parentId || '';
    const list = this.children.get(key) || [];
    list.push(message);
    this.children.set(key, list);
  }

  get(id) {
    return this.byId.get(id);
  }

  /** The messages from the root to `leafId` (inclusive); empty when it is unknown. */
  pathTo(leafId) {
    const path = [];
    let m = leafId ? this.byId.get(leafId) : null;
    while (m) {
      path.unshift(m);
      m = m.parentId ? this.byId.get(m.parentId) : null;
    }
    return path;
  }

  /** The message and its siblings (the same parent), in the order they were made. */
  siblings(message) {
    return this.children.get(message.parentId || '') || [message];
  }

  /** The leaf reached from `message` by always taking the newest child: where a branch is left at its newest. */
  newestLeaf(message) {
    let m = message;
    for (;;) {
      const kids = this.children.get(m.id);
      if (!kids || kids.length === 0) {
        return m;
      }
      m = kids[kids.length - 1];
    }
  }

  /** The leaf of the newest path, for a conversation whose current leaf is not set. */
  newestPath() {
    const roots = this.children.get('') || [];
    return roots.length ? this.pathTo(this.newestLeaf(roots[roots.length - 1]).id) : [];
  }
}
