import { ReplyStream, newKey } from './client.js';
import { ConversationTree, ConversationsApi, pageMessage } from './conversations.js';
import { ModelPicker } from './models.js';
import { Sidebar } from './sidebar.js';
import { ConversationStore } from './store.js';
import { AssistantView, UserView } from './views.js';

/*
 * The chat page: the composer, the conversation shown, and its replies, each followed by a ReplyStream. The context
 * path comes from the JSP (body data-context-path), so the page works under any mount.
 *
 * Where the server keeps conversations (body data-conversations="server") the page shows one path of a
 * conversation's tree at a time (`#c=<id>` in the URL), sends each message to the conversation (the server builds
 * the history), lists the person's conversations in the sidebar and follows a reply still being written (its
 * stream). Otherwise ("local") it keeps one conversation in localStorage and sends the whole history itself.
 */

const ctx = document.body.dataset.contextPath || '';
const API = `${ctx}/api/chat`;
const embedded = document.body.classList.contains('embed');

/** A host's site as browsers compare them for cookies, near enough: an address as it is, else its last two labels. */
function site(url) {
  const host = url.hostname;
  return /^[\d.]+$/.test(host) || host.includes(':') ? host : host.split('.').slice(-2).join('.');
}

/**
 * The widget on a portal of another site, where the owner is the `chat_owner` cookie: the browser neither keeps
 * nor sends a SameSite=Lax cookie in a frame of another site, so each request would be a new owner and no
 * conversation could be found again. There the page keeps its one local conversation instead. (Browsers without
 * `location.ancestorOrigins` cannot tell; they keep conversations on the server.)
 */
function cookieCannotStay() {
  const origins = location.ancestorOrigins;
  if (!embedded || window.top === window || document.body.dataset.owner !== 'cookie' || !origins
      || origins.length === 0) {
    return false;
  }
  const top = new URL(origins[origins.length - 1]);
  return top.protocol !== location.protocol || site(top) !== site(location);
}

const kept = document.body.dataset.conversations === 'server' && document.getElementById('sidebar') !== null
  && !cookieCannotStay();
if (!kept && document.getElementById('sidebar')) {
  for (const id of ['sidebar', 'backdrop', 'toast', 'menu']) {
    document.getElementById(id).remove();
  }
  document.body.dataset.conversations = 'local';
}

const $ = (id) => document.getElementById(id);
const el = {
  main: $('conversation'),
  log: $('messages'),
  empty: $('empty'),
  form: $('composer'),
  prompt: $('prompt'),
  send: $('send'),
  stop: $('stop'),
  newChat: $('new-chat'),
  status: $('status'),
  jump: $('jump'),
  close: $('close-embed'),
  missing: $('missing'),
  missingNew: $('missing-new'),
  sidebar: $('sidebar'),
  sidebarNew: $('sidebar-new'),
  sidebarClose: $('sidebar-close'),
  search: $('search'),
  menu: $('menu'),
  backdrop: $('backdrop'),
};

/** The path shown of a conversation kept on the server: what the page's code reads as `store.messages`. */
class ShownPath {
  constructor() {
    this.messages = [];
  }

  changed() {
    // the server keeps the conversation
  }

  save() {
    // the server keeps the conversation
  }

  clear() {
    this.messages = [];
  }
}

const store = kept ? new ShownPath() : new ConversationStore(`chatstream:conversation:${ctx || '/'}`);
const conversations = kept ? new ConversationsApi(`${ctx}/api`) : null;
/** The conversation shown, where the server keeps them: {id, title, tree}; null for a new chat not yet sent. */
let conv = null;
let opening = 0;            // each open or new chat; a conversation that arrives after another was asked is dropped
let missing = false;        // the URL names a conversation the server does not know
const followers = new Map(); // message id -> {message, reply}: every reply being followed, shown or not
const picker = new ModelPicker({
  root: $('model-picker'), select: $('model'), apiBase: `${ctx}/api`, storageKey: `chatstream:model:${ctx || '/'}`,
});
const views = new Map();
let stick = true;           // follow the reply as it grows, until the reader scrolls up
let composing = false;      // an input method (IME) is composing: Enter confirms a candidate, it never sends

const MODEL_ERRORS = {
  upstream_error: 'The model stopped answering partway through.',
  upstream_timeout: 'The model took too long to answer.',
  upstream_rate_limited: 'The model is getting too many requests right now. Wait a moment, then try again.',
  upstream_auth: 'The server could not sign in to the model service. An administrator needs to check its settings.',
  internal: 'Something went wrong on the server.',
};

function httpErrorText(error) {
  const wait = error.retryAfterSeconds ? ` (try again in about ${error.retryAfterSeconds} s)` : '';
  switch (error.status) {
    case 400:
      return `The server could not accept this message: ${error.message}`;
    case 401:
      return 'You need to sign in to use this chat.';
    case 403:
      return 'You are not allowed to use this chat.';
    case 413:
      return 'This conversation is too long to send. Start a new chat.';
    case 429:
      return `You have too many replies running at once${wait}.`;
    case 503:
      return `The chat service is busy or cannot reach the model right now${wait}.`;
    default:
      return `The server answered with an error (${error.status}).`;
  }
}

/**
 * A `429 rate_limited`: which limit (the day's when its allowance shows none left, else the minute's), its quota, and
 * when a reply would be accepted (Retry-After). The view says it in words and counts down to that moment.
 */
function limitedError(error) {
  const fields = error.rateLimit || {};
  const limit = fields.day && fields.day.r === 0 ? 'day' : 'minute';
  const policy = fields[limit] || {};
  const seconds = error.retryAfterSeconds || policy.t || 60;
  return {
    kind: 'limited', limit, quota: policy.q || null, retryAt: Date.now() + seconds * 1000, text: error.message,
  };
}

function newId() {
  return newKey().slice(0, 12);
}

function announce(text) {
  el.status.textContent = '';
  // a fresh text node after clearing, so screen readers announce the same words twice in a row too
  requestAnimationFrame(() => {
    el.status.textContent = text;
  });
}

/* ---------- rendering ---------- */

/** Whether `message` belongs to the conversation on screen (a reply of another one goes on unseen). */
function isShown(message) {
  return (message.convId || null) === (conv ? conv.id : null) && store.messages.includes(message);
}

function viewFor(message, fresh = false) {
  let view = views.get(message.id);
  if (!view) {
    view = message.role === 'user' ? new UserView(message) : new AssistantView(message, afterRender);
    // only a message just sent comes in with a movement; a restored conversation simply is there
    view.root.classList.toggle('new', fresh);
    views.set(message.id, view);
    el.log.append(view.root);
  }
  return view;
}

/** The view of `message` when it is on screen, else null. */
function shownView(message) {
  return isShown(message) ? viewFor(message) : null;
}

function showAll() {
  for (const message of store.messages) {
    const view = viewFor(message);
    if (view instanceof AssistantView) {
      view.update(message, true);
    }
  }
  showEmpty();
  decorate();
}

function showEmpty() {
  el.missing.hidden = !missing;
  el.empty.hidden = missing || store.messages.length > 0;
  el.log.hidden = missing || store.messages.length === 0;
}

/** Puts the views of the messages shown in their order, dropping those no longer shown. */
function relayout() {
  const shownIds = new Set(store.messages.map((m) => m.id));
  for (const [id, view] of views) {
    if (!shownIds.has(id)) {
      view.root.remove();
      views.delete(id);
    }
  }
  for (const message of store.messages) {
    el.log.append(viewFor(message).root);
  }
}

/**
 * Versions (`< 2 / 3 >`), Edit, Regenerate and timestamps, from the conversation's tree: only messages the
 * server has saved have versions; only the last reply can be regenerated, and nothing while a reply is written.
 */
function decorate() {
  if (!kept) {
    return;
  }
  const busy = Boolean(activeHere());
  const last = store.messages[store.messages.length - 1];
  for (const message of store.messages) {
    const view = views.get(message.id);
    if (!view) {
      continue;
    }
    view.setTime(message.createdAt);
    const saved = conv && !message.local && conv.tree.get(message.id);
    const siblings = saved ? conv.tree.siblings(message).filter((m) => m.role === message.role) : [message];
    const meta = { index: siblings.indexOf(message) + 1 || 1, count: siblings.length };
    if (view instanceof UserView) {
      view.setMeta({ ...meta, editable: Boolean(saved) && !busy });
    } else {
      view.setMeta({ ...meta, regenerate: Boolean(saved) && !busy && message === last && message.status !== 'streaming' });
    }
  }
}

function afterRender() {
  if (stick) {
    el.main.scrollTop = el.main.scrollHeight;
  }
  updateJump();
}

function atBottom() {
  return el.main.scrollHeight - el.main.scrollTop - el.main.clientHeight < 48;
}

function updateJump() {
  el.jump.hidden = stick || store.messages.length === 0;
}

/* ---------- the reply ---------- */

function history(upTo) {
  const out = [];
  for (const m of store.messages) {
    if (m === upTo) {
      break;
    }
    if (m.role === 'user') {
      out.push({ role: 'user', content: m.content });
    } else if (m.content) {
      out.push({ role: 'assistant', content: m.content });
    }
  }
  return out;
}

function apply(message, event, seq) {
  message.stream.lastSeq = seq;
  switch (event.type) {
    case 'start':
      message.model = event.model;
      if (event.message_id) {
        started(message, event);
      }
      break;
    case 'reasoning':
      message.reasoning = (message.reasoning || '') + String(event.content ?? '');
      break;
    case 'chunk':
      message.content = (message.content || '') + String(event.content ?? '');
      break;
    case 'tool_call': {
      const call = event.tool_call || {};
      message.tools.push({ id: call.id, name: String(call.name ?? 'tool'), arguments: String(call.arguments ?? '') });
      break;
    }
    case 'tool_result': {
      const tool = message.tools.find((t) => t.id === event.tool_call_id);
      if (tool) {
        tool.result = String(event.result ?? '');
      } else {
        message.tools.push({ id: event.tool_call_id, name: 'tool', result: String(event.result ?? '') });
      }
      break;
    }
    case 'end':
      message.finish = event.finish_reason;
      break;
    case 'error':
      message.error = { kind: 'model', code: event.code, text: MODEL_ERRORS[event.code] || MODEL_ERRORS.internal };
      break;
    default:
      // unknown event types are ignored, as the protocol asks of clients
      break;
  }
}

/** Gives a message the id the server saved it under (its view and follower follow). */
function rekey(message, id) {
  if (message.id === id) {
    return;
  }
  const view = views.get(message.id);
  if (view) {
    views.delete(message.id);
    views.set(id, view);
    view.root.dataset.id = id;
  }
  const follower = followers.get(message.id);
  if (follower) {
    followers.delete(message.id);
    followers.set(id, follower);
  }
  message.id = id;
}

/**
 * The `start` of a reply that belongs to a conversation: the server's ids for the reply and, for a message sent,
 * the user's message; both join the conversation's tree (as its current leaf), and the conversation moves to the
 * top of the list.
 */
function started(reply, event) {
  const user = reply.user;
  if (user && event.user_message_id) {
    rekey(user, event.user_message_id);
    delete user.local;
    reply.parentId = user.id;
  }
  rekey(reply, event.message_id);
  const fresh = reply.local;
  delete reply.local;
  delete reply.user;
  if (fresh && conv && conv.id === reply.convId) {
    if (user && !conv.tree.get(user.id)) {
      conv.tree.add(user);
    }
    if (!conv.tree.get(reply.id)) {
      conv.tree.add(reply);
    }
  }
  if (fresh && sidebar) {
    const first = user && !user.parentId ? user.content : null;
    const title = conv && conv.id === reply.convId && conv.title ? conv.title : first && titleFrom(first);
    sidebar.touch({ id: reply.convId, title: title || null, updated_at: new Date().toISOString() });
  }
  decorate();
}

/** A title as the server makes one from a first message: its words, up to 60 characters. */
function titleFrom(text) {
  const words = [...text.trim().replace(/\s+/g, ' ')];
  return words.length <= 60 ? words.join('') : `${words.slice(0, 59).join('').trimEnd()}…`;
}

/** The reply being followed in the conversation on screen, or null. */
function activeHere() {
  const here = conv ? conv.id : null;
  for (const f of followers.values()) {
    if ((f.message.convId || null) === here) {
      return f;
    }
  }
  return null;
}

/** Follows `message`'s reply (new, or resumed from its saved stream id and last event) to its end. */
async function follow(message) {
  message.tools = message.tools || [];
  if (message.stream.model === undefined) {
    // fixed with the reply's Idempotency-Key: a POST repeated after a reload must carry the same body
    message.stream.model = picker.value;
  }
  const start = message.start && !message.stream.id ? {
    url: message.start.url,
    body: message.stream.model ? { ...message.start.body, model: message.stream.model } : message.start.body,
  } : null;
  const reply = new ReplyStream({
    apiBase: API,
    messages: start ? null : history(message),
    start,
    idempotencyKey: message.stream.key,
    model: message.stream.model,
    streamId: message.stream.id || null,
    lastSeq: message.stream.lastSeq || 0,
    handlers: {
      stream(id) {
        if (message.status === 'streaming') {
          message.stream.id = id;
          message.streamId = id;
          store.changed();
        }
      },
      event(event, seq) {
        if (message.status !== 'streaming') {
          return;
        }
        apply(message, event, seq);
        const view = shownView(message);
        if (view) {
          view.update(message);
        }
        store.changed();
      },
      state(name, detail) {
        const view = shownView(message);
        if (view) {
          view.setConnection(name, detail);
          view.update(message);
          if (name === 'reconnecting') {
            announce('Connection lost. Reconnecting.');
          }
        }
      },
    },
  });
  followers.set(message.id, { message, reply });
  refreshBusy();
  const view = shownView(message);
  if (view) {
    view.update(message);
  }
  let outcome;
  try {
    outcome = await reply.run();
  } catch (e) {
    outcome = { kind: 'lost', error: e };
  }
  finish(message, outcome);
}

/** The reply's outcome becomes its status; idempotent (a stopped reply is already finished). */
function finish(message, outcome) {
  for (const [id, f] of followers) {
    if (f.message === message) {
      followers.delete(id);
    }
  }
  refreshBusy();
  if (message.status !== 'streaming') {
    return;
  }
  switch (outcome.kind) {
    case 'done':
      if (outcome.terminal.type === 'error') {
        message.status = 'error';
      } else {
        message.status = outcome.terminal.finish_reason === 'cancelled' ? 'stopped' : 'done';
      }
      break;
    case 'delivered':
      message.status = 'done';
      break;
    case 'gone':
      message.status = 'error';
      message.error = {
        kind: 'gone',
        text: 'This reply is no longer available on the server (it expired, or the server restarted).'
            + (message.content ? ' What arrived is shown above.' : ''),
      };
      break;
    case 'refused':
      message.status = 'error';
      message.error = outcome.error.code === 'rate_limited' ? limitedError(outcome.error)
        : { kind: 'refused', text: httpErrorText(outcome.error) };
      break;
    case 'lost':
      message.status = 'lost';
      message.error = { kind: 'lost', text: 'The connection to the server was lost.' };
      break;
    case 'stopped':
    default:
      message.status = 'stopped';
      break;
  }
  if (message.status !== 'lost') {
    delete message.stream;
  }
  store.save();
  const view = shownView(message);
  if (!view) {
    return;
  }
  view.setConnection(null);
  view.update(message, true);
  decorate();
  if (kept && message.attached && (outcome.kind === 'gone' || outcome.kind === 'delivered')) {
    // a reply attached to after its stream had ended, or expired: the server saved how it ended
    open(conv.id, { quiet: true, attach: false });
  }
  // the status line always ends on the outcome (never "Waiting for the reply"); an error's details are announced
  // by its notice (role=alert), so the status line only names it
  announce({ done: 'Reply finished.', stopped: 'Stopped.', lost: 'Connection lost.' }[message.status]
      || 'Reply failed.');
}

function refreshBusy() {
  const busy = Boolean(activeHere());
  if (busy !== document.body.classList.contains('busy')) {
    setBusy(busy);
    decorate();
  }
}

function setBusy(busy) {
  const focused = document.activeElement;
  document.body.classList.toggle('busy', busy);
  el.send.hidden = busy;
  el.stop.hidden = !busy;
  // keep the keyboard where it was: the button that just disappeared hands focus to its twin
  if (busy && focused === el.send) {
    el.stop.focus();
  } else if (!busy && focused === el.stop) {
    el.prompt.focus();
  }
}

/** A reply waiting for its stream. */
function newReply() {
  return {
    id: newId(), role: 'assistant', content: '', reasoning: '', tools: [], status: 'streaming',
    stream: { key: newKey(), id: null, lastSeq: 0 },
    convId: conv ? conv.id : undefined, local: true, createdAt: new Date().toISOString(),
  };
}

/** Shows `messages` in place of the shown ones from `index` on (a new branch), and follows the last (a reply). */
function branchFrom(index, messages) {
  store.messages = store.messages.slice(0, Math.max(0, index)).concat(messages);
  relayout();
  for (const m of messages) {
    viewFor(m, true);
  }
  showEmpty();
  decorate();
  stick = true;
  afterRender();
}

function submit() {
  const text = el.prompt.value.trim();
  if (activeHere() || text === '' || missing) {
    return;
  }
  el.prompt.value = '';
  autosize();
  // under the last message the server has (a reply it refused is not one)
  const parent = [...store.messages].reverse().find((m) => !m.local);
  const user = {
    id: newId(), role: 'user', content: text, convId: conv ? conv.id : undefined, local: true,
    parentId: parent ? parent.id : null, createdAt: new Date().toISOString(),
  };
  const reply = newReply();
  if (!kept) {
    delete user.convId;
    delete user.local;
    delete reply.convId;
    delete reply.local;
  }
  reply.user = user;
  store.messages.push(user, reply);
  store.save();
  showEmpty();
  viewFor(user, true);
  viewFor(reply, true);
  decorate();
  stick = true;
  afterRender();
  announce('Message sent. Waiting for the reply.');
  if (kept) {
    sendKept(reply);
  } else {
    delete reply.user;
    follow(reply);
  }
}

/**
 * Sends the user's message of `reply` to the conversation, made first when this is a new chat's first message:
 * `POST .../messages` with the parent it was written under (null: the first message).
 */
async function sendKept(reply) {
  const user = reply.user;
  if (!conv) {
    const ticket = opening;
    // the reply shows its typing indicator while the conversation is made
    followers.set(reply.id, { message: reply, reply: { stop() {} } });
    refreshBusy();
    let created;
    try {
      created = await conversations.create();
    } catch (error) {
      finish(reply, { kind: 'refused', error });
      return;
    }
    followers.delete(reply.id);
    refreshBusy();
    if (ticket !== opening || reply.status !== 'streaming') {
      return; // left or stopped meanwhile: the conversation stays empty, the message unsent
    }
    conv = { id: created.id, title: created.title || null, tree: new ConversationTree() };
    user.convId = created.id;
    reply.convId = created.id;
    window.history.replaceState(null, '', `#c=${encodeURIComponent(created.id)}`);
    if (sidebar) {
      sidebar.setCurrent(created.id);
    }
  }
  reply.start = {
    url: conversations.messagesUrl(reply.convId), body: { content: user.content, parent_id: user.parentId },
  };
  follow(reply);
}

/** Regenerates the last reply: a new reply beside it (same parent), shown in its place. */
function regenerate(target) {
  if (!kept || activeHere() || !conv || target.local || target.role !== 'assistant') {
    return;
  }
  const index = store.messages.indexOf(target);
  const reply = newReply();
  reply.parentId = target.parentId;
  reply.start = { url: conversations.regenerateUrl(conv.id, target.id), body: {} };
  branchFrom(index, [reply]);
  announce('Regenerating the reply.');
  follow(reply);
}

/** Sends the edited text of a user message as a new version of it: a branch beside it (the same parent). */
function sendEdit(original, text) {
  if (!kept || activeHere() || !conv || original.local) {
    return;
  }
  const index = store.messages.indexOf(original);
  const user = {
    id: newId(), role: 'user', content: text, convId: conv.id, local: true, parentId: original.parentId,
    createdAt: new Date().toISOString(),
  };
  const reply = newReply();
  reply.user = user;
  reply.start = { url: conversations.messagesUrl(conv.id), body: { content: text, parent_id: original.parentId } };
  branchFrom(index, [user, reply]);
  announce('Message sent. Waiting for the reply.');
  follow(reply);
}

/** Shows the previous or next version of `message` (`step` -1 or 1), down to that branch's newest leaf. */
function moveBranch(message, step) {
  if (!conv || activeHere() || message.local) {
    return;
  }
  const siblings = conv.tree.siblings(message).filter((m) => m.role === message.role);
  const target = siblings[siblings.indexOf(message) + step];
  if (!target) {
    return;
  }
  const leaf = conv.tree.newestLeaf(target);
  const path = conv.tree.pathTo(leaf.id).filter((m) => m.role === 'user' || m.role === 'assistant');
  const index = store.messages.indexOf(message);
  store.messages = path;
  relayout();
  for (const m of path.slice(index)) {
    const view = viewFor(m);
    if (view instanceof AssistantView) {
      view.update(m, true);
    }
  }
  decorate();
  const position = siblings.indexOf(target) + 1;
  announce(`Version ${position} of ${siblings.length}.`);
  const button = views.get(target.id).root.querySelector(step < 0 ? '.branch-prev' : '.branch-next');
  (button && !button.disabled ? button : views.get(target.id).root.querySelector('.branch button:not(:disabled)')
    || el.prompt).focus();
  conversations.patch(conv.id, { current_leaf: leaf.id }).catch((error) => {
    announce(`The version shown could not be saved (${error.message}).`);
  });
}

function stop() {
  const active = activeHere();
  if (!active) {
    return;
  }
  const { message, reply } = active;
  reply.stop();
  finish(message, { kind: 'stopped' });
  el.prompt.focus();
}

function retry(message) {
  if (activeHere() || !message || message.role !== 'assistant') {
    return;
  }
  if (message.error && message.error.retryAt && message.error.retryAt > Date.now()) {
    return; // the limit's countdown is not over: the server would refuse again
  }
  if (kept && !message.local && !(message.status === 'lost' && message.stream && message.stream.id)) {
    regenerate(message); // a saved reply is generated again beside itself
    return;
  }
  const view = viewFor(message);
  if (message.status === 'lost' && message.stream && message.stream.id) {
    message.status = 'streaming';
    delete message.error;
  } else {
    view.reset();
    Object.assign(message, {
      content: '', reasoning: '', tools: [], status: 'streaming',
      stream: { key: newKey(), id: null, lastSeq: 0 },
    });
    delete message.error;
    delete message.finish;
  }
  store.save();
  if (kept && message.local && message.user) {
    sendKept(message); // never reached the server: sent again, the conversation made first if need be
  } else {
    follow(message);
  }
  el.prompt.focus();
}

function newChat() {
  if (kept) {
    if (location.hash) {
      window.history.pushState(null, '', location.pathname + location.search);
    }
    showNew();
    closeDrawer(false);
    el.prompt.focus();
    announce('New chat.');
    return;
  }
  if (activeHere()) {
    stop();
  }
  store.clear();
  views.clear();
  el.log.replaceChildren();
  showEmpty();
  stick = true;
  updateJump();
  el.prompt.value = '';
  autosize();
  el.prompt.focus();
  announce('New chat.');
}

/* ---------- conversations kept on the server ---------- */

const sidebar = kept ? new Sidebar(conversations, {
  root: el.sidebar,
  search: el.search,
  scroller: $('conv-scroll'),
  pinned: $('conv-pinned'),
  pinnedList: $('conv-pinned-list'),
  recentHeading: $('conv-recent'),
  list: $('conv-list'),
  empty: $('conv-empty'),
  more: $('conv-more'),
  toast: $('toast'),
  toastText: $('toast-text'),
  undo: $('undo'),
}, {
  deleting(id) {
    if (conv && conv.id === id) {
      newChat();
    }
  },
  failed(text) {
    announce(text);
  },
}) : null;

/** Empties the screen: no conversation shown. */
function clearShown() {
  store.clear();
  views.clear();
  el.log.replaceChildren();
  missing = false;
}

/** A new chat: nothing shown, made on the server with its first message. */
function showNew() {
  opening++;
  conv = null;
  clearShown();
  showEmpty();
  refreshBusy();
  sidebar.setCurrent(null);
  stick = true;
  updateJump();
  document.title = document.querySelector('h1').textContent;
}

/**
 * Shows conversation `id` from the server, along its current leaf; a reply there still being written is followed
 * (attached to from its first event), or, where this page already follows it, shown as it is.
 *
 * @param quiet keep the screen until the conversation arrives (a refresh of the one shown)
 * @param attach follow the replies still streaming (false: show what the server saved)
 */
async function open(id, { quiet = false, attach = true } = {}) {
  const ticket = ++opening;
  if (!quiet) {
    conv = { id, title: null, tree: new ConversationTree() };
    clearShown();
    showEmpty();
    refreshBusy();
    el.main.setAttribute('aria-busy', 'true');
  }
  sidebar.setCurrent(id);
  let data;
  try {
    data = await conversations.get(id);
  } catch (error) {
    if (ticket !== opening) {
      return;
    }
    el.main.removeAttribute('aria-busy');
    if (error.status === 404) {
      conv = null;
      clearShown();
      missing = true;
      showEmpty();
      refreshBusy();
      sidebar.setCurrent(null);
      announce('Conversation not found.');
    } else {
      announce(`The conversation could not be loaded (${error.message}).`);
    }
    return;
  }
  if (ticket !== opening) {
    return;
  }
  el.main.removeAttribute('aria-busy');
  const messages = (data.messages || []).map((m) => {
    const followed = followers.get(String(m.id));
    const message = followed ? followed.message : pageMessage(m);
    message.convId = data.id;
    return message;
  });
  const tree = new ConversationTree(messages);
  conv = { id: data.id, title: data.title || null, tree };
  const path = (data.current_leaf ? tree.pathTo(String(data.current_leaf)) : tree.newestPath())
    .filter((m) => m.role === 'user' || m.role === 'assistant');
  clearShown();
  store.messages = path;
  showAll();
  refreshBusy();
  document.title = data.title ? `${data.title} · ${document.querySelector('h1').textContent}`
    : document.querySelector('h1').textContent;
  if (!quiet) {
    stick = true;
    el.main.scrollTop = el.main.scrollHeight;
  }
  updateJump();
  for (const m of path) {
    if (m.role === 'assistant' && m.status === 'streaming' && !followers.has(m.id)) {
      if (attach && m.streamId) {
        // the reply goes on on the server: its stream from the first event, so its text is rebuilt exactly
        Object.assign(m, { content: '', reasoning: '', tools: [], attached: true,
          stream: { id: m.streamId, lastSeq: 0 } });
        views.get(m.id).reset();
        follow(m);
      } else {
        m.status = 'lost';
        m.error = { kind: 'lost', text: 'This reply is still being written elsewhere, or was cut short.' };
        views.get(m.id).update(m, true);
      }
    }
  }
}

/** The conversation the URL names (`#c=<id>`), '' for none (a new chat), or null for another fragment. */
function idFromHash() {
  const hash = location.hash;
  if (hash === '' || hash === '#') {
    return '';
  }
  if (!hash.startsWith('#c=')) {
    return null; // the skip link's #prompt, say: not about conversations
  }
  try {
    return decodeURIComponent(hash.slice(3));
  } catch (e) {
    return hash.slice(3);
  }
}

/** Shows what the URL names; back and forward, a reload, a link from the list all come here. */
function route() {
  const id = idFromHash();
  if (id === null) {
    return;
  }
  if (id === '') {
    if (conv || missing) {
      showNew();
    }
    return;
  }
  if ((conv && conv.id === id) || (sidebar.deleting(id))) {
    return;
  }
  open(id);
  closeDrawer(false);
}

/* ---------- the drawer (phone width, and the widget) ---------- */

const drawerQuery = window.matchMedia('(max-width: 640px)');

function drawerMode() {
  return embedded || drawerQuery.matches;
}

function openDrawer() {
  document.body.classList.add('drawer-open');
  el.backdrop.hidden = false;
  el.menu.setAttribute('aria-expanded', 'true');
}

function closeDrawer(focusMenu) {
  if (!kept || !document.body.classList.contains('drawer-open')) {
    return;
  }
  document.body.classList.remove('drawer-open');
  el.backdrop.hidden = true;
  el.menu.setAttribute('aria-expanded', 'false');
  if (focusMenu) {
    el.menu.focus();
  }
}

function focusSearch() {
  if (drawerMode()) {
    openDrawer();
  }
  el.search.focus();
  el.search.select();
}

/* ---------- clipboard ---------- */

async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch (e) {
    // no clipboard API outside secure contexts (plain http on a LAN): the old way
  }
  const area = document.createElement('textarea');
  area.value = text;
  area.setAttribute('readonly', '');
  area.style.position = 'fixed';
  area.style.opacity = '0';
  document.body.append(area);
  area.select();
  let ok = false;
  try {
    ok = document.execCommand('copy');
  } catch (e) {
    ok = false;
  }
  area.remove();
  return ok;
}

async function copyFrom(button, text) {
  const ok = await copyText(text);
  const label = button.querySelector('.btn-label') || button;
  const before = label.textContent;
  label.textContent = ok ? 'Copied' : 'Copy failed';
  button.classList.toggle('copied', ok);
  announce(ok ? 'Copied to the clipboard.' : 'Could not copy.');
  setTimeout(() => {
    label.textContent = before;
    button.classList.remove('copied');
  }, 1500);
}

/* ---------- input ---------- */

function autosize() {
  el.prompt.style.height = 'auto';
  el.prompt.style.height = `${Math.min(el.prompt.scrollHeight, 200)}px`;
}

el.prompt.addEventListener('compositionstart', () => {
  composing = true;
});
el.prompt.addEventListener('compositionend', () => {
  // Safari sends the Enter that confirmed the candidate after compositionend: keep the flag one more turn
  setTimeout(() => {
    composing = false;
  }, 0);
});
el.prompt.addEventListener('keydown', (e) => {
  if (e.key === 'Escape' && activeHere()) {
    e.preventDefault();
    stop();
    return;
  }
  if (e.key === 'Escape' && embedded) {
    window.parent.postMessage({ type: 'chatstream:close' }, '*');
    return;
  }
  if (e.key !== 'Enter' || e.shiftKey || e.altKey || e.ctrlKey || e.metaKey) {
    return;
  }
  if (e.isComposing || e.keyCode === 229 || composing) {
    return;
  }
  e.preventDefault();
  submit();
});
el.prompt.addEventListener('input', autosize);
el.form.addEventListener('submit', (e) => {
  e.preventDefault();
  submit();
});
el.stop.addEventListener('click', stop);
el.newChat.addEventListener('click', newChat);
el.jump.addEventListener('click', () => {
  stick = true;
  el.main.scrollTo({ top: el.main.scrollHeight, behavior: 'smooth' });
  updateJump();
  el.prompt.focus();
});
el.main.addEventListener('scroll', () => {
  stick = atBottom();
  updateJump();
}, { passive: true });

el.log.addEventListener('click', (e) => {
  const button = e.target.closest('button[data-action]');
  if (!button) {
    return;
  }
  const article = button.closest('article');
  const message = store.messages.find((m) => article && m.id === article.dataset.id);
  switch (button.dataset.action) {
    case 'copy-code': {
      const code = button.closest('.code-block').querySelector('code');
      copyFrom(button, code.textContent);
      break;
    }
    case 'copy-message':
      if (message) {
        copyFrom(button, message.content);
      }
      break;
    case 'retry':
      retry(message);
      break;
    case 'regenerate':
      regenerate(message);
      break;
    case 'branch-prev':
    case 'branch-next':
      if (message) {
        moveBranch(message, button.dataset.action === 'branch-prev' ? -1 : 1);
      }
      break;
    case 'edit':
      if (message && !activeHere()) {
        startEdit(message);
      }
      break;
    case 'edit-cancel':
      if (message) {
        views.get(message.id).endEdit();
        views.get(message.id).root.querySelector('[data-action=edit]').focus();
      }
      break;
    default:
      break;
  }
});

/** Edit in place: Enter (or Send) sends the new text as a new version, Esc (or Cancel) leaves it as it was. */
function startEdit(message) {
  const view = views.get(message.id);
  const area = view.startEdit(message.content);
  area.onkeydown = (e) => {
    if (e.key === 'Escape') {
      e.preventDefault();
      view.endEdit();
      view.root.querySelector('[data-action=edit]').focus();
    } else if (e.key === 'Enter' && !e.shiftKey && !e.isComposing && e.keyCode !== 229) {
      e.preventDefault();
      view.editor.requestSubmit();
    }
  };
}

el.log.addEventListener('submit', (e) => {
  const form = e.target.closest('form.edit');
  if (!form) {
    return;
  }
  e.preventDefault();
  const article = form.closest('article');
  const message = store.messages.find((m) => m.id === article.dataset.id);
  const text = form.querySelector('textarea').value.trim();
  if (!message || text === '') {
    return;
  }
  views.get(message.id).endEdit();
  if (text !== message.content) {
    sendEdit(message, text);
  }
  el.prompt.focus();
});

el.empty.addEventListener('click', (e) => {
  const button = e.target.closest('button[data-prompt]');
  if (button) {
    el.prompt.value = button.dataset.prompt;
    submit();
  }
});

if (embedded && el.close) {
  el.close.addEventListener('click', () => window.parent.postMessage({ type: 'chatstream:close' }, '*'));
  window.addEventListener('message', (e) => {
    if (e.source === window.parent && e.data && e.data.type === 'chatstream:focus') {
      el.prompt.focus();
    }
  });
}

if (kept) {
  el.sidebarNew.addEventListener('click', newChat);
  el.missingNew.addEventListener('click', newChat);
  el.menu.addEventListener('click', () => {
    if (document.body.classList.contains('drawer-open')) {
      closeDrawer(true);
    } else {
      openDrawer();
      el.search.focus();
    }
  });
  el.sidebarClose.addEventListener('click', () => closeDrawer(true));
  el.backdrop.addEventListener('click', () => closeDrawer(true));
  el.sidebar.addEventListener('click', (e) => {
    if (e.target.closest('a.conv-link') && drawerMode()) {
      closeDrawer(false);
    }
  });
  el.sidebar.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && drawerMode()) {
      closeDrawer(true);
    }
  });
  window.addEventListener('popstate', route);
  window.addEventListener('hashchange', route);
  // back to the page (another tab, another device wrote meanwhile): the list's first page again
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible' && !el.search.value) {
      sidebar.reload();
    }
  });
  document.addEventListener('keydown', (e) => {
    const mod = e.ctrlKey || e.metaKey;
    if (mod && !e.shiftKey && !e.altKey && e.key.toLowerCase() === 'k') {
      e.preventDefault();
      focusSearch();
    } else if (mod && e.shiftKey && !e.altKey && e.key.toLowerCase() === 'o') {
      e.preventDefault();
      newChat();
    }
  });
}

/* ---------- start ---------- */

picker.load();
if (kept) {
  sidebar.reload();
  route();
}
showAll();
el.main.scrollTop = el.main.scrollHeight;
const last = store.messages[store.messages.length - 1];
for (const m of store.messages) {
  // a reply left mid-way by an older page: only the last one can still be followed
  if (m.status === 'streaming' && m !== last) {
    m.status = 'lost';
    m.error = { kind: 'lost', text: 'The connection to the server was lost.' };
    viewFor(m).update(m, true);
    store.changed();
  }
}
if (last && last.role === 'assistant' && last.status === 'streaming' && last.stream) {
  follow(last);
}
if (!window.matchMedia('(pointer: coarse)').matches) {
  el.prompt.focus();
}
document.documentElement.dataset.ready = 'true';
